//! civnet's one test harness. The engines (litesvm [`Chain`] with the real SBF programs,
//! [`TestValidator`] over RPC), instruction builders and bootstrap steps are the client
//! crate's (`civnet-client`, the same code the CLI runs); the harness adds the story
//! openings tests share. Tests never copy setup code: what two tests need lives here or in
//! the client crate.

pub mod postgres;
pub mod stories;

pub use civnet_client::{
    anchor_ix, bubblegum, cluster, dc, deploy, errors, event_authority, features, network, pda, programs, registry, rpc, scenario, svm, tokens, validator,
};
pub use civnet_client::{Chain, Cluster, Keypair, Pubkey, Signer, TestValidator, TxFailure, TxSuccess};
