//! The device_registry side: makers, their Bubblegum trees, device issuance and onboarding.
//! [`MakerTree`] mirrors a maker's tree off-chain (as an indexer would) so owners get proofs.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use device_registry::instructions::{OnboardDeviceArgs, SetMakerTreeArgs};
use device_registry::state::Maker;
use mpl_bubblegum::accounts::TreeConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bubblegum::{compute_budget, leaf_v1, Tree, TreeShape};
use crate::tree_history::TreeHistory;
use crate::network::Outcome;
use crate::programs::{SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
use crate::scenario::{dc_config_address, dc_mint_address, maker_address, NetworkKeys};
use crate::{anchor_ix, event_authority, tokens, Cluster};

pub fn device_creator(network: &Pubkey) -> Pubkey {
    crate::pda::device_creator(network)
}
pub fn device_address(network: &Pubkey, device_key: &Pubkey) -> Pubkey {
    crate::pda::device(network, device_key)
}
pub fn sub_network_devices_address(sub_network: &Pubkey) -> Pubkey {
    crate::pda::sub_network_devices(sub_network)
}

/// device_registry's record of a sub-network's devices (active count, history, fees).
pub fn sub_network_devices(cluster: &impl Cluster, sub_network: &Pubkey) -> device_registry::state::SubNetworkDevices {
    cluster.anchor_account(&sub_network_devices_address(sub_network))
}

fn maker_approval_accounts(net: &NetworkKeys, authority: Pubkey, maker: &Pubkey) -> device_registry::accounts::SetMakerApproval {
    device_registry::accounts::SetMakerApproval {
        authority,
        network: net.network,
        maker: *maker,
        event_authority: event_authority(&device_registry::ID),
        program: device_registry::ID,
    }
}

/// `approve_maker` by the network `authority`: approves `maker` only if its authority is
/// `maker_authority` (a squatter's registration of the name is refused).
pub fn approve_maker_ix(net: &NetworkKeys, authority: Pubkey, maker: &Pubkey, maker_authority: Pubkey) -> Instruction {
    anchor_ix(device_registry::ID, device_registry::instruction::ApproveMaker { maker_authority }, maker_approval_accounts(net, authority, maker))
}

/// `revoke_maker` by the network `authority`.
pub fn revoke_maker_ix(net: &NetworkKeys, authority: Pubkey, maker: &Pubkey) -> Instruction {
    anchor_ix(device_registry::ID, device_registry::instruction::RevokeMaker {}, maker_approval_accounts(net, authority, maker))
}

/// Where device metadata URIs point unless a maker says otherwise.
pub const DEFAULT_URI_BASE: &str = "https://devices.civnet.example/";

/// `set_maker_tree` on an allocated (empty) tree account: Bubblegum's tree config is created
/// with the registry's device creator as tree creator. Signed by the maker's authority.
pub fn set_maker_tree_ix(network: &Pubkey, payer: Pubkey, authority: Pubkey, maker: &Pubkey, merkle_tree: Pubkey, shape: TreeShape, uri_base: &str) -> Instruction {
    anchor_ix(
        device_registry::ID,
        device_registry::instruction::SetMakerTree {
            args: SetMakerTreeArgs { max_depth: shape.max_depth, max_buffer_size: shape.max_buffer_size, uri_base: uri_base.to_string() },
        },
        device_registry::accounts::SetMakerTree {
            payer,
            authority,
            network: *network,
            maker: *maker,
            device_creator: device_creator(network),
            tree_config: TreeConfig::find_pda(&merkle_tree).0,
            merkle_tree,
            log_wrapper: SPL_NOOP_ID,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            bubblegum_program: crate::programs::BUBBLEGUM_ID,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    )
}

/// `issue_device` into `merkle_tree` (the maker's current tree), signed by the maker's
/// authority and by the device key (see [`MakerKeys::issue_device_ed25519_ixs`] for a key
/// that proves itself with an Ed25519 signature instead).
pub fn issue_device_ix(network: &Pubkey, maker: &Pubkey, maker_authority: Pubkey, merkle_tree: Pubkey, payer: Pubkey, device_key: Pubkey, owner: Pubkey) -> Instruction {
    let mut ix = anchor_ix(
        device_registry::ID,
        device_registry::instruction::IssueDevice {},
        device_registry::accounts::IssueDevice {
            payer,
            maker_authority,
            device_key,
            instructions_sysvar: anchor_lang::pubkey!("Sysvar1nstructions1111111111111111111111111"),
            owner,
            network: *network,
            maker: *maker,
            device: device_address(network, &device_key),
            device_creator: device_creator(network),
            tree_config: TreeConfig::find_pda(&merkle_tree).0,
            merkle_tree,
            log_wrapper: SPL_NOOP_ID,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            bubblegum_program: crate::programs::BUBBLEGUM_ID,
            system_program: anchor_lang::system_program::ID,
        },
    );
    ix.accounts.iter_mut().filter(|m| m.pubkey == device_key).for_each(|m| m.is_signer = true);
    ix
}

/// The cNFT leaf fields of a device issued by `maker` to `owner` at leaf `nonce` (owner is
/// also the leaf delegate, as Bubblegum mints it).
pub fn device_leaf(network: &Pubkey, maker: &Maker, device_key: &Pubkey, owner: &Pubkey, nonce: u64, root: [u8; 32]) -> emissions::cnft::CnftLeaf {
    let metadata = device_registry::instructions::device_metadata(maker, device_key, device_creator(network));
    emissions::cnft::CnftLeaf {
        root,
        delegate: *owner,
        nonce,
        index: nonce as u32,
        data_hash: mpl_bubblegum::hash::hash_metadata(&metadata).expect("metadata hash"),
        creator_hash: mpl_bubblegum::hash::hash_creators(&metadata.creators),
    }
}

/// The Bubblegum leaf hash of `leaf` for asset `asset_id` owned by `owner`.
pub fn leaf_hash(asset_id: &Pubkey, owner: &Pubkey, leaf: &emissions::cnft::CnftLeaf) -> [u8; 32] {
    mpl_bubblegum::types::LeafSchema::V1 {
        id: *asset_id,
        owner: *owner,
        delegate: leaf.delegate,
        nonce: leaf.nonce,
        data_hash: leaf.data_hash,
        creator_hash: leaf.creator_hash,
    }
    .hash()
}

/// A maker with its authority and its current tree, mirrored off-chain (updated per leaf,
/// as an indexer would from the tree's change log).
pub struct MakerKeys {
    pub name: String,
    pub address: Pubkey,
    pub authority: Keypair,
    pub tree: Option<Tree>,
    mirror: Option<TreeHistory>,
    /// Leaves appended to the current tree (the next device's nonce).
    minted: u64,
}

/// A device issued by a maker: its key (the device's own keypair), owner and cNFT.
#[derive(Debug, Clone)]
pub struct IssuedDevice {
    pub device_key: Pubkey,
    pub owner: Pubkey,
    pub asset_id: Pubkey,
    pub merkle_tree: Pubkey,
    pub nonce: u64,
}

impl MakerKeys {
    /// Creates maker `name` and has the network authority approve it.
    pub fn create_approved(cluster: &mut impl Cluster, net: &NetworkKeys, name: &str) -> Self {
        let authority = crate::keys::new_keypair();
        crate::scenario::create_maker(cluster, &net.network, name, authority.pubkey()).expect("create_maker");
        let address = maker_address(&net.network, name);
        cluster.send_ok(&[approve_maker_ix(net, net.authority.pubkey(), &address, authority.pubkey())], &[&net.authority]);
        Self { name: name.to_string(), address, authority, tree: None, mirror: None, minted: 0 }
    }

    /// Allocates a tree account of `shape` and runs `set_maker_tree` (first tree or rotation).
    pub fn set_tree(&mut self, chain: &mut impl Cluster, net: &NetworkKeys, shape: TreeShape) -> Outcome {
        let merkle_tree = crate::bubblegum::allocate_tree_account(chain, shape);
        let ix = set_maker_tree_ix(&net.network, chain.payer(), self.authority.pubkey(), &self.address, merkle_tree, shape, DEFAULT_URI_BASE);
        let outcome = chain.send(&[compute_budget(400_000), ix], &[&self.authority]);
        if outcome.is_ok() {
            self.tree = Some(Tree { merkle_tree, tree_config: TreeConfig::find_pda(&merkle_tree).0, shape });
            self.mirror = Some(TreeHistory::new(shape.max_depth));
            self.minted = 0;
        }
        outcome
    }

    /// `issue_device` with the device key as a signer of the transaction (its simplest proof).
    pub fn issue_device_ix(&self, net: &NetworkKeys, payer: Pubkey, device_key: Pubkey, owner: Pubkey) -> Instruction {
        let tree = self.tree.expect("the maker has a tree");
        issue_device_ix(&net.network, &self.address, self.authority.pubkey(), tree.merkle_tree, payer, device_key, owner)
    }

    /// The maker issues a device (a fresh device keypair, which signs) to `owner`.
    pub fn issue_device(&mut self, chain: &mut impl Cluster, net: &NetworkKeys, owner: &Pubkey) -> (IssuedDevice, crate::TxSuccess) {
        let device = crate::keys::new_keypair();
        let ix = self.issue_device_ix(net, chain.payer(), device.pubkey(), *owner);
        let authority = self.authority.insecure_clone();
        let outcome = chain.send_ok(&[compute_budget(400_000), ix], &[&authority, &device]);
        (self.record_issued(chain, net, device.pubkey(), owner), outcome)
    }

    /// The asset id the maker's next device will get: Bubblegum's PDA of the current tree and
    /// its next leaf nonce.
    pub fn next_asset_id(&self) -> Pubkey {
        let tree = self.tree.expect("the maker has a tree");
        emissions::cnft::asset_id(&tree.merkle_tree, self.minted)
    }

    /// The maker issues a device that proved its key offline: the device signed
    /// `network || maker || owner || device_key || asset_id` for the asset this issuance mints,
    /// verified by an Ed25519 instruction placed before `issue_device` in the same transaction
    /// (the device key does not sign it).
    pub fn issue_device_ed25519_ixs(&self, net: &NetworkKeys, payer: Pubkey, device: &Keypair, signed_owner: &Pubkey, owner: &Pubkey) -> Vec<Instruction> {
        let message = device_registry::device_proof::issuance_message(&net.network, &self.address, signed_owner, &device.pubkey(), &self.next_asset_id());
        self.issue_device_with_proof_ixs(net, payer, device, &message, owner)
    }

    /// `issue_device` of `device`'s key to `owner` with an Ed25519 instruction proving
    /// `device` signed `message` (whatever message a test needs to try).
    pub fn issue_device_with_proof_ixs(&self, net: &NetworkKeys, payer: Pubkey, device: &Keypair, message: &[u8], owner: &Pubkey) -> Vec<Instruction> {
        let verify = ed25519_proof_ix(device, message);
        let mut issue = self.issue_device_ix(net, payer, device.pubkey(), *owner);
        for meta in &mut issue.accounts {
            meta.is_signer &= meta.pubkey != device.pubkey();
        }
        vec![compute_budget(400_000), verify, issue]
    }

    /// The owner of `device` gives its cNFT to `new_owner` with a plain Bubblegum `transfer`
    /// (a wallet or marketplace; civnet is not involved); the mirror and `device` follow.
    pub fn transfer(&mut self, cluster: &mut impl Cluster, net: &NetworkKeys, device: &mut IssuedDevice, owner: &Keypair, new_owner: &Pubkey) -> crate::TxSuccess {
        let tree = self.tree.expect("the maker has a tree");
        let (leaf, proof) = self.ownership_proof(cluster, net, device);
        let ix = crate::bubblegum::transfer_ix(&tree, &leaf, &owner.pubkey(), new_owner, &proof);
        let outcome = cluster.send_ok(&[compute_budget(400_000), ix], &[owner]);
        let maker: Maker = cluster.anchor_account(&self.address);
        let metadata = device_registry::instructions::device_metadata(&maker, &device.device_key, device_creator(&net.network));
        let (_, new_leaf) = leaf_v1(&tree, device.nonce, new_owner, &metadata);
        self.mirror.as_mut().expect("the maker has a tree").set_leaf(device.nonce as u32, new_leaf);
        device.owner = *new_owner;
        outcome
    }

    /// Marks a burned (retired) device's leaf empty in the off-chain mirror.
    pub fn record_burned(&mut self, device: &IssuedDevice) {
        self.mirror.as_mut().expect("the maker has a tree").set_leaf(device.nonce as u32, [0; 32]);
    }

    /// Mirrors an issued device's leaf (as an indexer would from the `DeviceIssued` event).
    pub fn record_issued(&mut self, cluster: &impl Cluster, net: &NetworkKeys, device_key: Pubkey, owner: &Pubkey) -> IssuedDevice {
        let tree = self.tree.expect("the maker has a tree");
        let nonce = self.minted;
        let maker: Maker = cluster.anchor_account(&self.address);
        let metadata = device_registry::instructions::device_metadata(&maker, &device_key, device_creator(&net.network));
        let (asset_id, leaf) = leaf_v1(&tree, nonce, owner, &metadata);
        self.mirror.as_mut().expect("the maker has a tree").set_leaf(nonce as u32, leaf);
        self.minted += 1;
        IssuedDevice { device_key, owner: *owner, asset_id, merkle_tree: tree.merkle_tree, nonce }
    }

    /// Leaf fields and proof nodes (below the canopy) of a device issued from the current tree.
    pub fn ownership_proof(&self, cluster: &impl Cluster, net: &NetworkKeys, device: &IssuedDevice) -> (emissions::cnft::CnftLeaf, Vec<[u8; 32]>) {
        self.ownership_proof_with(&cluster.anchor_account(&self.address), net, device)
    }

    /// [`MakerKeys::ownership_proof`] with the maker's account read already.
    pub fn ownership_proof_with(&self, maker: &Maker, net: &NetworkKeys, device: &IssuedDevice) -> (emissions::cnft::CnftLeaf, Vec<[u8; 32]>) {
        let tree = self.tree.expect("the maker has a tree");
        let mirror = self.mirror.as_ref().expect("the maker has a tree");
        let mut proof = mirror.proof(device.nonce as u32);
        proof.truncate((tree.shape.max_depth - tree.shape.canopy_depth) as usize);
        (device_leaf(&net.network, maker, &device.device_key, &device.owner, device.nonce, mirror.root()), proof)
    }
}

/// An Ed25519 program instruction verifying `signer`'s signature over `message` (all data
/// inside the instruction, as `device_registry::device_proof` expects).
pub fn ed25519_proof_ix(signer: &Keypair, message: &[u8]) -> Instruction {
    let signature = signer.sign_message(message);
    let verify = solana_ed25519_program::new_ed25519_instruction_with_signature(message, signature.as_array(), &signer.pubkey().to_bytes());
    Instruction { program_id: verify.program_id, accounts: vec![], data: verify.data }
}

/// `onboard_device` signed by `owner`, with the cNFT proof nodes appended.
pub fn onboard_device_ix(net: &NetworkKeys, owner: Pubkey, sub_network: &Pubkey, merkle_tree: Pubkey, args: OnboardDeviceArgs, proof: &[[u8; 32]]) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    let mut ix = anchor_ix(
        device_registry::ID,
        device_registry::instruction::OnboardDevice { args: args.clone() },
        device_registry::accounts::OnboardDevice {
            owner,
            network: net.network,
            device: device_address(&net.network, &args.device_key),
            sub_network: *sub_network,
            sub_network_devices: sub_network_devices_address(sub_network),
            merkle_tree,
            dc_config: dc_config_address(&net.network),
            dc_mint,
            owner_dc: tokens::ata(&owner, &dc_mint),
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    );
    ix.accounts.extend(crate::bubblegum::proof_accounts(proof));
    ix
}

pub fn set_device_active_ix(net: &NetworkKeys, authority: Pubkey, sub_network: &Pubkey, device_key: Pubkey, active: bool) -> Instruction {
    anchor_ix(
        device_registry::ID,
        device_registry::instruction::SetDeviceActive { device_key, active },
        device_registry::accounts::SetDeviceActive {
            active_device_authority: authority,
            network: net.network,
            sub_network: *sub_network,
            device: device_address(&net.network, &device_key),
            sub_network_devices: sub_network_devices_address(sub_network),
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    )
}

/// The owner of `device` onboards it to `sub_network` (no location), paying the fee from its
/// DC account; returns the outcome.
pub fn onboard(chain: &mut impl Cluster, net: &NetworkKeys, maker: &MakerKeys, device: &IssuedDevice, owner: &Keypair, sub_network: &Pubkey) -> crate::TxSuccess {
    let ixs = onboard_ixs(chain, net, maker, device, owner.pubkey(), sub_network);
    chain.send_ok(&ixs, &[owner])
}

/// The instructions of `owner` onboarding `device` to `sub_network` (no location): a compute
/// budget and `onboard_device` with the proof from the maker's mirror.
pub fn onboard_ixs(cluster: &impl Cluster, net: &NetworkKeys, maker: &MakerKeys, device: &IssuedDevice, owner: Pubkey, sub_network: &Pubkey) -> [Instruction; 2] {
    onboard_ixs_with(&cluster.anchor_account(&maker.address), net, maker, device, owner, sub_network)
}

/// [`onboard_ixs`] with the maker's account read already.
pub fn onboard_ixs_with(maker_account: &Maker, net: &NetworkKeys, maker: &MakerKeys, device: &IssuedDevice, owner: Pubkey, sub_network: &Pubkey) -> [Instruction; 2] {
    let (cnft, proof) = maker.ownership_proof_with(maker_account, net, device);
    let args = OnboardDeviceArgs { device_key: device.device_key, location: 0, elevation: 0, gain: 0, cnft };
    [compute_budget(400_000), onboard_device_ix(net, owner, sub_network, device.merkle_tree, args, &proof)]
}

pub fn update_device_ix(net: &NetworkKeys, owner: Pubkey, sub_network: &Pubkey, merkle_tree: Pubkey, args: device_registry::instructions::UpdateDeviceArgs, proof: &[[u8; 32]]) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    let mut ix = anchor_ix(
        device_registry::ID,
        device_registry::instruction::UpdateDevice { args: args.clone() },
        device_registry::accounts::UpdateDevice {
            owner,
            network: net.network,
            device: device_address(&net.network, &args.device_key),
            sub_network: *sub_network,
            sub_network_devices: sub_network_devices_address(sub_network),
            merkle_tree,
            dc_config: dc_config_address(&net.network),
            dc_mint,
            owner_dc: tokens::ata(&owner, &dc_mint),
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    );
    ix.accounts.extend(crate::bubblegum::proof_accounts(proof));
    ix
}

/// `retire_device` by `owner`; `active_in` names the sub-network of an active device.
pub fn retire_device_ix(net: &NetworkKeys, owner: Pubkey, device: &IssuedDevice, active_in: Option<Pubkey>, cnft: emissions::cnft::CnftLeaf, proof: &[[u8; 32]]) -> Instruction {
    let args = device_registry::instructions::RetireDeviceArgs { device_key: device.device_key, cnft };
    let mut ix = anchor_ix(
        device_registry::ID,
        device_registry::instruction::RetireDevice { args },
        device_registry::accounts::RetireDevice {
            owner,
            leaf_delegate: cnft.delegate,
            network: net.network,
            device: device_address(&net.network, &device.device_key),
            tree_config: TreeConfig::find_pda(&device.merkle_tree).0,
            merkle_tree: device.merkle_tree,
            log_wrapper: SPL_NOOP_ID,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            bubblegum_program: crate::programs::BUBBLEGUM_ID,
            sub_network: active_in,
            sub_network_devices: active_in.map(|sub| sub_network_devices_address(&sub)),
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    );
    ix.accounts.extend(crate::bubblegum::proof_accounts(proof));
    ix
}
