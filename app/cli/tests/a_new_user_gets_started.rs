//! A new user's first steps with the `civnet` binary: a keypair of their own (`keygen`, in the
//! Solana CLI's format, never overwritten by accident), funds on a local cluster (`airdrop`:
//! SOL from the faucet, network tokens from the genesis allocation `migrate` gave the signer),
//! and errors that say what a wallet lacks instead of the runtime's `AccountNotFound`.
use civnet_harness::{tokens, Keypair, Pubkey, Signer, TestValidator};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn civnet(url: &str, keypair: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["--url", url, "--output", "json", "--keypair"])
        .arg(keypair)
        .args(args)
        .output()
        .expect("civnet runs")
}

fn json_of(out: &Output, what: &str) -> Value {
    assert!(out.status.success(), "civnet {what} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("civnet {what}: not JSON ({e})"))
}

fn error_line(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure, got {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line of error, got {stderr:?}");
    lines[0].to_string()
}

#[test]
fn keygen_writes_a_solana_keypair_and_never_overwrites_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallets/me.json");
    let unused = dir.path().join("unused.json");
    let made = json_of(&civnet("localnet", &unused, &["keygen", "--outfile", path.to_str().unwrap()]), "keygen");

    // The Solana CLI's format: a JSON array of the 64 secret-key bytes.
    let bytes: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let keypair = Keypair::try_from(bytes.as_slice()).expect("a valid keypair");
    assert_eq!(made["pubkey"], keypair.pubkey().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "only its owner reads a secret key");
    }
    assert_eq!(json_of(&civnet("localnet", &path, &["address"]), "address"), keypair.pubkey().to_string());

    // A second keygen to the same file is refused and leaves the key as it was.
    let refused = error_line(&civnet("localnet", &unused, &["keygen", "--outfile", path.to_str().unwrap()]));
    assert!(refused.contains("already exists") && refused.contains("--force"), "{refused}");
    assert_eq!(std::fs::read(&path).unwrap(), serde_json::to_vec(&bytes).unwrap());
    let replaced = json_of(&civnet("localnet", &unused, &["keygen", "--outfile", path.to_str().unwrap(), "--force"]), "keygen --force");
    assert_ne!(replaced["pubkey"], made["pubkey"]);

    // Without --outfile it writes the --keypair path.
    let default_path = dir.path().join("id.json");
    let made = json_of(&civnet("localnet", &default_path, &["keygen"]), "keygen");
    assert_eq!(json_of(&civnet("localnet", &default_path, &["address"]), "address"), made["pubkey"]);
}

#[test]
fn a_new_wallet_is_funded_on_localnet_and_errors_say_what_it_lacks() {
    let validator = TestValidator::start();
    let url = validator.rpc_url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, keypair: &Keypair| {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
        path
    };
    let operator = write("operator", &validator.cluster.payer);
    let (owner, stranger) = (Keypair::new(), Keypair::new());
    let (owner_file, stranger_file) = (write("owner", &owner), write("stranger", &stranger));

    // The operator's deployment gives the signer a genesis allocation ("signer").
    let config = dir.path().join("deploy.toml");
    std::fs::write(
        &config,
        r#"
[network]
token_mint_keypair = "keys/mint.json"
epoch_length_secs = 60
max_issuance_per_epoch = 1000000000
tokens_per_epoch = 1000000000
halving_every_epochs = 1000
halvings = 4
genesis = [{ owner = "signer", amount = 70000000 }]

[data_credits]
usd_per_token_e8 = 150000000
max_dc_minted_per_epoch = 1000000000000
"#,
    )
    .unwrap();
    let migrated = json_of(&civnet(&url, &operator, &["migrate", "--config", config.to_str().unwrap()]), "migrate");
    let network = migrated["network"].as_str().unwrap().to_string();
    let mint: Pubkey = migrated["token_mint"].as_str().unwrap().parse().unwrap();
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&validator.cluster.payer.pubkey(), &mint)), 70_000_000);

    // A wallet that was never funded cannot pay for anything: the error names it, says it
    // has no SOL and how to get some (the runtime itself only says `AccountNotFound`).
    let no_sol = error_line(&civnet(&url, &stranger_file, &["maker", "create", "stranger-labs", "--network", &network]));
    assert!(no_sol.contains(&format!("the fee payer {} has no SOL on this cluster", stranger.pubkey())) && no_sol.contains("civnet airdrop"), "{no_sol}");

    // The operator airdrops SOL and tokens to the owner's new wallet.
    let owner_key = owner.pubkey().to_string();
    let dropped = json_of(&civnet(&url, &operator, &["airdrop", &owner_key, "--sol", "2", "--tokens", "30000000", "--network", &network]), "airdrop");
    assert_eq!(dropped["wallet"], owner_key);
    let lamports = validator.cluster.rpc.account(&owner.pubkey()).unwrap().expect("the owner exists now").1;
    assert_eq!(lamports, 2_000_000_000);
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &mint)), 30_000_000);
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&validator.cluster.payer.pubkey(), &mint)), 40_000_000);

    // The owner can now buy DC; the stranger, given SOL only, is told it holds no tokens.
    let bought = json_of(&civnet(&url, &owner_file, &["dc", "mint", "--tokens", "1000000", "--network", &network]), "dc mint");
    assert!(bought["dc_minted"].as_u64().unwrap() > 0, "{bought:#}");
    json_of(&civnet(&url, &operator, &["airdrop", &stranger.pubkey().to_string(), "--sol", "1"]), "airdrop --sol");
    let no_tokens = error_line(&civnet(&url, &stranger_file, &["dc", "mint", "--tokens", "1000000", "--network", &network]));
    assert!(no_tokens.contains("holds no network tokens") && no_tokens.contains("civnet airdrop"), "{no_tokens}");

    // Tokens the signer does not hold are refused before anything is sent.
    let too_many = error_line(&civnet(&url, &owner_file, &["airdrop", &owner_key, "--sol", "0", "--tokens", "999999999999", "--network", &network]));
    assert!(too_many.contains("fewer than --tokens"), "{too_many}");
}
