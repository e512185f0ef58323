-- civnet index, version 1. Portable between SQLite and PostgreSQL (run through sqlx's Any
-- driver): only TEXT and BIGINT columns, natural keys, no serial ids.
--   * addresses, signatures, names: TEXT (base58 / as on chain)
--   * u64 amounts (DC, token base units, sequence numbers): TEXT in decimal, because u64 can
--     exceed BIGINT; u128 utility scores: TEXT in decimal
--   * counters, epochs, slots, indexes: BIGINT (the indexer refuses values above i64::MAX)
--   * booleans: BIGINT 0/1 (the Any driver cannot read SQLite's BOOLEAN)
--   * H3 locations: TEXT in hex as civnet prints them, NULL when none is asserted
-- Account tables mirror one account type each (every field but PDA bumps and zero-copy
-- padding), keyed by the account address; event tables are keyed by (signature, ix,
-- inner_ix): the top-level instruction and the position of the emit_cpi inner instruction,
-- so replaying a transaction never doubles a row. JSON (schedules, rings, event bodies) is
-- TEXT.

CREATE TABLE networks (
    address TEXT PRIMARY KEY,
    authority TEXT NOT NULL,
    pending_authority TEXT,
    token_mint TEXT NOT NULL,
    epoch_length_secs BIGINT NOT NULL,
    start_epoch BIGINT NOT NULL,
    max_issuance_per_epoch TEXT NOT NULL,
    total_issued TEXT NOT NULL,
    emission_schedule TEXT NOT NULL,
    sub_network_created_epochs TEXT NOT NULL
);

CREATE TABLE sub_networks (
    address TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    idx BIGINT NOT NULL,
    name TEXT NOT NULL,
    dc_burn_authority TEXT NOT NULL,
    active_device_authority TEXT NOT NULL,
    rewards_oracle TEXT NOT NULL,
    rewards_escrow TEXT NOT NULL,
    onboarding_fee_dc TEXT NOT NULL,
    location_fee_dc TEXT NOT NULL,
    created_epoch BIGINT NOT NULL,
    total_issued TEXT NOT NULL,
    total_claimed TEXT NOT NULL
);
CREATE INDEX sub_networks_by_name ON sub_networks (name);
CREATE INDEX sub_networks_by_network ON sub_networks (network, idx);

CREATE TABLE makers (
    address TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    name TEXT NOT NULL,
    authority TEXT NOT NULL,
    approved BIGINT NOT NULL,
    merkle_tree TEXT,
    tree_capacity BIGINT NOT NULL,
    tree_devices BIGINT NOT NULL,
    devices_issued BIGINT NOT NULL,
    uri_base TEXT NOT NULL,
    device_creator TEXT
);

-- The Device account holds asset id and onboarding data; who the device is (its key, maker,
-- tree and leaf) comes from the DeviceIssued event, the owner from the latest civnet event
-- naming one (issuance, onboarding, claims). Columns of a row first created by the event
-- carry defaults until the account is read.
CREATE TABLE devices (
    address TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL,
    sub_network_index BIGINT,
    active BIGINT NOT NULL DEFAULT 0,
    location TEXT,
    elevation BIGINT NOT NULL DEFAULT 0,
    gain BIGINT NOT NULL DEFAULT 0,
    device_key TEXT,
    network TEXT,
    maker TEXT,
    owner TEXT,
    merkle_tree TEXT,
    leaf_index BIGINT
);
CREATE INDEX devices_by_key ON devices (device_key);
CREATE INDEX devices_by_asset ON devices (asset_id);

-- EpochInfo: network-wide totals of one epoch.
CREATE TABLE epochs (
    address TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    sub_networks_expected BIGINT NOT NULL,
    sub_networks_scored BIGINT NOT NULL,
    sub_networks_issued BIGINT NOT NULL,
    total_utility_score TEXT NOT NULL,
    dc_burned TEXT NOT NULL,
    emission TEXT NOT NULL,
    total_issued TEXT NOT NULL
);
CREATE INDEX epochs_by_epoch ON epochs (epoch);

-- SubNetworkEpochInfo: one sub-network in one scored epoch (created by scoring, from the
-- sub-network's SubNetworkBurns and SubNetworkDevices records).
CREATE TABLE sub_network_epochs (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    active_devices BIGINT NOT NULL,
    dc_burned TEXT NOT NULL,
    utility_score TEXT NOT NULL,
    issued TEXT NOT NULL,
    score_done BIGINT NOT NULL,
    rewards_issued BIGINT NOT NULL
);
CREATE INDEX sub_network_epochs_by_sub ON sub_network_epochs (sub_network, epoch);
CREATE INDEX sub_network_epochs_by_epoch ON sub_network_epochs (epoch);

-- SubNetworkBurns (data_credits): DC burned for usage of one sub-network. epochs and burned
-- are the record's ring of recent epochs with burns, as JSON arrays of the live entries,
-- oldest first (burned[i] is the DC burned in epochs[i]).
CREATE TABLE sub_network_burns (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    total_burned TEXT NOT NULL,
    entries_written BIGINT NOT NULL,
    epochs TEXT NOT NULL,
    burned TEXT NOT NULL,
    network TEXT NOT NULL,
    dc_mint TEXT NOT NULL,
    epoch_length_secs BIGINT NOT NULL
);
CREATE INDEX sub_network_burns_by_sub ON sub_network_burns (sub_network);

-- SubNetworkDevices (device_registry): one sub-network's active devices now, the onboarding
-- and location fees its devices burned, and the ring of recent epochs with a device change
-- (JSON arrays of the live entries, oldest first: active_at_end[i] devices were active at
-- the end of epochs[i]).
CREATE TABLE sub_network_devices (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    active_devices BIGINT NOT NULL,
    entries_written BIGINT NOT NULL,
    epochs TEXT NOT NULL,
    active_at_end TEXT NOT NULL,
    fees_dc_burned TEXT NOT NULL,
    devices_onboarded BIGINT NOT NULL
);
CREATE INDEX sub_network_devices_by_sub ON sub_network_devices (sub_network);

-- RewardsRoot: the oracle's current root per sub-network.
CREATE TABLE reward_roots (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    root TEXT NOT NULL,
    total_cumulative TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Recipient: what one device (asset) has claimed in one sub-network.
CREATE TABLE recipients (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    total_claimed TEXT NOT NULL
);

CREATE TABLE dc_configs (
    address TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    authority TEXT NOT NULL,
    network_mint TEXT NOT NULL,
    dc_mint TEXT NOT NULL,
    price_oracle TEXT NOT NULL,
    max_dc_minted_per_epoch TEXT NOT NULL,
    mint_window_epoch BIGINT NOT NULL,
    minted_this_epoch TEXT NOT NULL,
    total_dc_minted TEXT NOT NULL,
    total_tokens_burned TEXT NOT NULL,
    epoch_length_secs BIGINT NOT NULL,
    network_mint_decimals BIGINT NOT NULL
);

CREATE TABLE dc_escrows (
    address TEXT PRIMARY KEY,
    sub_network TEXT NOT NULL,
    router_key TEXT NOT NULL,
    last_sequence TEXT NOT NULL,
    total_delegated TEXT NOT NULL,
    total_burned TEXT NOT NULL
);

-- Events. slot and block_time are the transaction's.
CREATE TABLE dc_mints (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    network TEXT NOT NULL,
    payer TEXT NOT NULL,
    recipient TEXT NOT NULL,
    tokens_burned TEXT NOT NULL,
    dc_minted TEXT NOT NULL,
    price_mantissa TEXT NOT NULL,
    price_exponent BIGINT NOT NULL,
    confidence TEXT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);

-- Usage burns of data_credits, which count towards the sub-network's utility score (fees burned
-- by onboarding and location changes are in device_changes). kind: 'usage' (a holder's
-- burn_data_credits) or 'delegated' (a router's burn from an escrow); epoch_dc_burned: the
-- sub-network's usage burns in `epoch` so far, this one included.
CREATE TABLE dc_burns (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    kind TEXT NOT NULL,
    network TEXT,
    sub_network TEXT,
    owner TEXT,
    escrow TEXT,
    amount TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    epoch_dc_burned TEXT NOT NULL,
    sequence TEXT,
    PRIMARY KEY (signature, ix, inner_ix)
);
CREATE INDEX dc_burns_by_sub ON dc_burns (sub_network, epoch);
CREATE INDEX dc_burns_by_slot ON dc_burns (slot);

-- Device events of device_registry. kind: 'onboarded', 'activated', 'deactivated', 'updated'
-- (location, elevation or gain), 'retired'. sub_network: the one the device joined or left
-- (NULL for 'updated', and for 'retired' when the device was not active); active_devices: that
-- sub-network's active devices after the change (NULL when no count changed); epoch: NULL for
-- 'updated'; fee_dc: onboarding or location fee burned ('0' when none).
CREATE TABLE device_changes (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    kind TEXT NOT NULL,
    device TEXT NOT NULL,
    sub_network TEXT,
    epoch BIGINT,
    active_devices BIGINT,
    fee_dc TEXT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);
CREATE INDEX device_changes_by_sub ON device_changes (sub_network, epoch);
CREATE INDEX device_changes_by_device ON device_changes (device);
CREATE INDEX device_changes_by_slot ON device_changes (slot);

CREATE TABLE issuance (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    sub_network TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    amount TEXT NOT NULL,
    utility_score TEXT NOT NULL,
    total_utility_score TEXT NOT NULL,
    emission TEXT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);

CREATE TABLE reward_root_updates (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    sub_network TEXT NOT NULL,
    root TEXT NOT NULL,
    total_cumulative TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);

CREATE TABLE claims (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    sub_network TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    amount TEXT NOT NULL,
    total_claimed TEXT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);

-- Every decoded civnet event, as JSON (the tables above hold the ones queried by field).
CREATE TABLE events (
    signature TEXT NOT NULL,
    ix BIGINT NOT NULL,
    inner_ix BIGINT NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    program TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (signature, ix, inner_ix)
);
CREATE INDEX events_by_name ON events (name);

-- Successful transactions of the three programs that were processed.
CREATE TABLE transactions (
    signature TEXT PRIMARY KEY,
    slot BIGINT NOT NULL,
    block_time BIGINT,
    events BIGINT NOT NULL
);

-- Per program: the newest signature processed; written in the same database transaction as
-- the rows it produced, so a crash loses or doubles nothing.
CREATE TABLE cursors (
    program TEXT PRIMARY KEY,
    last_signature TEXT NOT NULL,
    last_slot BIGINT NOT NULL
);
