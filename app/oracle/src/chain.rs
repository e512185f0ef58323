//! What the oracle does on chain besides reading the index: send its two instructions
//! (`set_rewards_root` as the rewards oracle, `set_device_active` as the active-device
//! authority), read the one account whose freshness matters at that moment (the sub-network's
//! `RewardsRoot`, to learn whether a root sent before a crash landed), and a recent
//! blockhash for entropy. Implemented by both of civnet-client's engines: the embedded
//! litesvm [`Chain`] (demo, bench) and an RPC cluster.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, Result};
use civnet_client::rpc::{RpcCluster, SendError};
use civnet_client::{Chain, Keypair};

pub trait ChainAccess {
    /// Sends one transaction (the engine's payer pays), also signed by `signers`; its signature.
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<String>;
    /// An account's data, `None` when it does not exist.
    fn account(&self, key: &Pubkey) -> Result<Option<Vec<u8>>>;
    fn recent_blockhash(&self) -> Result<[u8; 32]>;
}

impl ChainAccess for Chain {
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<String> {
        Chain::send(self, instructions, signers).map(|ok| ok.signature).map_err(|failure| anyhow!("transaction failed: {failure}"))
    }
    fn account(&self, key: &Pubkey) -> Result<Option<Vec<u8>>> {
        Ok(self.account_data(key))
    }
    fn recent_blockhash(&self) -> Result<[u8; 32]> {
        Ok(self.svm.latest_blockhash().to_bytes())
    }
}

/// RPC calls block: on tokio's multi-threaded runtime they leave the worker to other tasks
/// while they wait.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

impl ChainAccess for RpcCluster {
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<String> {
        blocking(|| self.try_send(instructions, signers)).map(|ok| ok.signature).map_err(|e| match e {
            SendError::Failed(failure) => anyhow!("transaction failed: {failure}"),
            SendError::Rpc(error) => anyhow!("RPC: {error}"),
        })
    }
    fn account(&self, key: &Pubkey) -> Result<Option<Vec<u8>>> {
        blocking(|| self.rpc.account(key)).map(|found| found.map(|(data, _, _)| data)).map_err(|e| anyhow!("reading {key}: {e}"))
    }
    fn recent_blockhash(&self) -> Result<[u8; 32]> {
        blocking(|| self.rpc.latest_blockhash()).map(|hash| hash.to_bytes()).map_err(|e| anyhow!("getLatestBlockhash: {e}"))
    }
}

/// The sub-network's `RewardsRoot` as the chain holds it now.
pub fn rewards_root(chain: &impl ChainAccess, sub_network: &Pubkey) -> Result<Option<emissions::state::RewardsRoot>> {
    let Some(data) = chain.account(&civnet_client::pda::rewards_root(sub_network))? else { return Ok(None) };
    let root = anchor_lang::AccountDeserialize::try_deserialize(&mut data.as_slice()).map_err(|e| anyhow!("decoding the rewards root of {sub_network}: {e}"))?;
    Ok(Some(root))
}
