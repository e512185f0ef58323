//! The demo signs a stage's transactions a batch ahead on a second thread and checks their
//! signatures there, as the runtime's sigverify does; the engine then runs them without
//! checking again. What runs must be exactly what the runtime would accept: each
//! transaction once, a stale one signed again, and every other send checked as before.
use civnet_harness::svm::{CheckedTransaction, Unsigned};
use civnet_harness::{Chain, Keypair, Pubkey, Signer};
use solana_transaction_error::TransactionError;

const LAMPORTS: u64 = 1_000_000;

/// Signs and checks `batch` on a thread of its own, as the demo does beside the engine.
fn sign_ahead(chain: &Chain, batch: Vec<Unsigned>) -> Vec<CheckedTransaction> {
    let (payer, blockhash) = chain.signing_context();
    std::thread::spawn(move || batch.into_iter().map(|unsigned| unsigned.sign_and_check(&payer, blockhash)).collect()).join().expect("the signing thread")
}

fn transfer(from: &Keypair, to: &Pubkey) -> Unsigned {
    let ix = anchor_lang::solana_program::system_instruction::transfer(&from.pubkey(), to, LAMPORTS);
    Unsigned { fee_payer: None, instructions: vec![ix], signers: vec![from.insecure_clone()], tables: None }
}

#[test]
fn a_batch_signed_ahead_runs_in_order_and_moves_each_amount_once() {
    let mut chain = Chain::new();
    let senders: Vec<Keypair> = (0..4).map(|_| chain.funded_keypair(1)).collect();
    let receiver = Pubkey::new_unique();
    let batch = sign_ahead(&chain, senders.iter().map(|s| transfer(s, &receiver)).collect());
    for checked in batch {
        chain.send_checked(checked).expect("a transfer signed ahead runs");
    }
    assert_eq!(chain.lamports(&receiver), 4 * LAMPORTS);
    for sender in &senders {
        assert_eq!(chain.lamports(&sender.pubkey()), civnet_harness::svm::SOL - LAMPORTS, "the engine's payer paid the fee");
    }
}

#[test]
fn the_same_transaction_twice_in_a_batch_runs_once() {
    let mut chain = Chain::new();
    let sender = chain.funded_keypair(1);
    let receiver = Pubkey::new_unique();
    // Same message, same blockhash, same signers: the same signature.
    let mut checked = sign_ahead(&chain, vec![transfer(&sender, &receiver), transfer(&sender, &receiver)]).into_iter();
    chain.send_checked(checked.next().unwrap()).expect("the first runs");
    let replay = chain.send_checked(checked.next().unwrap()).expect_err("the replay is refused");
    assert_eq!(replay.err, TransactionError::AlreadyProcessed);
    assert_eq!(chain.lamports(&receiver), LAMPORTS, "moved once");
}

#[test]
fn a_transaction_missing_a_signer_is_refused_before_it_runs() {
    let mut chain = Chain::new();
    let sender = chain.funded_keypair(1);
    let receiver = Pubkey::new_unique();
    let mut unsigned = transfer(&sender, &receiver);
    unsigned.signers.clear();
    let checked = sign_ahead(&chain, vec![unsigned]).pop().unwrap();
    let refused = chain.send_checked(checked).expect_err("nobody signed for the sender");
    assert!(refused.to_string().contains("signing"), "{refused}");
    assert_eq!(chain.lamports(&receiver), 0);
}

#[test]
fn a_batch_whose_blockhash_expired_meanwhile_is_signed_again() {
    let mut chain = Chain::new();
    let senders: Vec<Keypair> = (0..2).map(|_| chain.funded_keypair(1)).collect();
    let receiver = Pubkey::new_unique();
    let batch = sign_ahead(&chain, senders.iter().map(|s| transfer(s, &receiver)).collect());
    // A regular send between signing and running: it expires the blockhash the batch used.
    chain.send_ok(&[anchor_lang::solana_program::system_instruction::transfer(&chain.payer.pubkey(), &receiver, LAMPORTS)], &[]);
    for checked in batch {
        chain.send_checked(checked).expect("signed again with the current blockhash");
    }
    assert_eq!(chain.lamports(&receiver), 3 * LAMPORTS);
}

#[test]
fn after_a_batch_signed_ahead_every_other_send_has_its_signatures_checked() {
    let mut chain = Chain::new();
    let sender = chain.funded_keypair(1);
    let receiver = Pubkey::new_unique();
    let checked = sign_ahead(&chain, vec![transfer(&sender, &receiver)]).pop().unwrap();
    chain.send_checked(checked).expect("runs");

    let ix = anchor_lang::solana_program::system_instruction::transfer(&sender.pubkey(), &receiver, LAMPORTS);
    let mut forged = solana_transaction::Transaction::new_signed_with_payer(&[ix], Some(&chain.payer.pubkey()), &[&chain.payer, &sender], chain.svm.latest_blockhash());
    forged.signatures[1] = solana_signature::Signature::from([7u8; 64]);
    let refused = chain.send_transaction(forged.into(), &[]).expect_err("a forged signature");
    assert_eq!(refused.err, TransactionError::SignatureFailure);
    assert_eq!(chain.lamports(&receiver), LAMPORTS, "only the batch's transfer moved");
}
