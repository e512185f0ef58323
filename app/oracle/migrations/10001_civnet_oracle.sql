-- civnet oracle, version 1: the oracle's tables, next to the index's in the same database
-- (versions from 10001, so both migration sets share sqlx's _sqlx_migrations). Same
-- conventions as the index (app/indexer/migrations): TEXT and BIGINT only, u64 amounts as
-- decimal TEXT, keys base58, hashes hex, natural keys.

-- Entropy handed out at GET /v1/entropy: sha256("civnet/v1/entropy" || blockhash || issued_at).
CREATE TABLE oracle_entropy (
    entropy TEXT PRIMARY KEY,
    blockhash TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX oracle_entropy_by_time ON oracle_entropy (issued_at);

-- Accepted heartbeats: at most one per device and slice of an epoch (the key). signature:
-- the first 16 bytes of sha256(device signature), to tell a replay from another heartbeat.
CREATE TABLE oracle_heartbeats (
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    device_key TEXT NOT NULL,
    slice BIGINT NOT NULL,
    device_time BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (sub_network, epoch, device_key, slice)
);

-- Accepted usage receipts: a session id counts once per sub-network, whichever router sends
-- it. signature: the first 16 bytes of sha256(router signature).
CREATE TABLE oracle_usage (
    sub_network TEXT NOT NULL,
    session_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    device_key TEXT NOT NULL,
    router_key TEXT NOT NULL,
    payer TEXT NOT NULL,
    bytes TEXT NOT NULL,
    dc TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (sub_network, session_id)
);
CREATE INDEX oracle_usage_by_epoch ON oracle_usage (sub_network, epoch);

-- Every rejected report, with its reason (verify.rs names them). batch: one id per POST;
-- position: the report's place in it (-1: the whole batch). report: what was received,
-- base64 (at most 1 KiB of it).
CREATE TABLE oracle_rejected (
    batch TEXT NOT NULL,
    position BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    kind TEXT,
    device_key TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    report TEXT NOT NULL,
    PRIMARY KEY (batch, position)
);
CREATE INDEX oracle_rejected_by_reason ON oracle_rejected (reason);

-- One closed epoch of a sub-network. state: 'computed' (rewards written, root not yet on
-- chain), 'posted' (root on chain), 'done' (device activity set too). price: DC worth
-- price_dc cost price_tokens base units ('0'/'0' when DC had no price).
CREATE TABLE oracle_epochs (
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    state TEXT NOT NULL,
    issued TEXT NOT NULL,
    price_tokens TEXT NOT NULL,
    price_dc TEXT NOT NULL,
    slice_secs BIGINT NOT NULL,
    min_presence BIGINT NOT NULL,
    data_rewards TEXT NOT NULL,
    coverage_pool TEXT NOT NULL,
    coverage_rewards TEXT NOT NULL,
    unallocated TEXT NOT NULL,
    lapsed_reports BIGINT NOT NULL,
    leaves BIGINT NOT NULL,
    root TEXT NOT NULL,
    total_cumulative TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    root_signature TEXT,
    PRIMARY KEY (sub_network, epoch)
);

-- The reward tree of a closed epoch: one row per leaf (every device with a cumulative
-- amount, earning this epoch or not), position = leaf index (asset ids in byte order).
CREATE TABLE oracle_rewards (
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    asset_id TEXT NOT NULL,
    device_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    heartbeat_slices BIGINT NOT NULL,
    dc_carried TEXT NOT NULL,
    dc_counted TEXT NOT NULL,
    data_reward TEXT NOT NULL,
    coverage_reward TEXT NOT NULL,
    reward TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    PRIMARY KEY (sub_network, epoch, asset_id)
);
CREATE INDEX oracle_rewards_by_device ON oracle_rewards (device_key, epoch);
CREATE INDEX oracle_rewards_by_asset ON oracle_rewards (asset_id, epoch);

-- Per payer (DC escrow) and epoch: DC its receipts claimed, DC the chain shows it burned,
-- DC counted after scaling.
CREATE TABLE oracle_payers (
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    payer TEXT NOT NULL,
    receipts BIGINT NOT NULL,
    claimed_dc TEXT NOT NULL,
    burned_dc TEXT NOT NULL,
    counted_dc TEXT NOT NULL,
    PRIMARY KEY (sub_network, epoch, payer)
);

-- Device activity the oracle (as active-device authority) sets after an epoch: planned in
-- the closing transaction, done = 1 once set_device_active landed.
CREATE TABLE oracle_activity (
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    device_key TEXT NOT NULL,
    active BIGINT NOT NULL,
    done BIGINT NOT NULL,
    signature TEXT,
    PRIMARY KEY (sub_network, epoch, device_key)
);
