//! Deploying a program the way `solana program deploy` does: BPF loader v3 (upgradeable),
//! a buffer written in chunks, then `DeployWithMaxDataLen`. Tests use it to show that the
//! SBPF v3 files xtask builds are accepted by a cluster running mainnet-beta's feature set
//! (the loader verifies the ELF against the cluster's features at deployment).
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_loader_v3_interface::instruction as loader;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_signer::Signer;

use crate::cluster::Cluster;
use crate::svm::TxFailure;

/// Bytes per `Write`: what fits a 1,232-byte transaction with its signatures and accounts.
const WRITE_CHUNK: usize = 900;

/// Deploys `elf` at `program`'s address with `authority` as upgrade authority (buffer and
/// program paid by the cluster's payer). Returns the failing step's error.
pub fn deploy_upgradeable(cluster: &mut impl Cluster, program: &Keypair, authority: &Keypair, elf: &[u8]) -> Result<(), TxFailure> {
    let payer = cluster.payer();
    let buffer = crate::keys::new_keypair();
    let buffer_lamports = cluster.rent_exempt_minimum(UpgradeableLoaderState::size_of_buffer(elf.len()));
    let create = loader::create_buffer(&payer, &buffer.pubkey(), &authority.pubkey(), buffer_lamports, elf.len()).expect("create_buffer");
    cluster.send(&create, &[&buffer])?;
    for (i, chunk) in elf.chunks(WRITE_CHUNK).enumerate() {
        let write = loader::write(&buffer.pubkey(), &authority.pubkey(), (i * WRITE_CHUNK) as u32, chunk.to_vec());
        cluster.send(&[write], &[authority])?;
    }
    let program_lamports = cluster.rent_exempt_minimum(UpgradeableLoaderState::size_of_program());
    let deploy = loader::deploy_with_max_program_len(&payer, &program.pubkey(), &buffer.pubkey(), &authority.pubkey(), program_lamports, elf.len())
        .expect("deploy_with_max_program_len");
    cluster.send(&deploy, &[program, authority])?;
    Ok(())
}

/// The program-data account of an upgradeable program.
pub fn program_data_address(program: &Pubkey) -> Pubkey {
    solana_loader_v3_interface::get_program_data_address(program)
}
