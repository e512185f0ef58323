use anchor_lang::prelude::*;

/// `[DC_CONFIG_SEED, network]`: the data-credits configuration of a network.
pub const DC_CONFIG_SEED: &[u8] = b"dc_config";
/// `[DC_MINT_SEED, network]`: the DC mint (Token-2022, NonTransferable, 0 decimals).
pub const DC_MINT_SEED: &[u8] = b"dc_mint";
pub use civnet_common::dc::DC_PER_USD;
/// `[SUB_NETWORK_BURNS_SEED, sub_network]`: DC burned for usage of a sub-network, per epoch.
pub use civnet_common::seeds::SUB_NETWORK_BURNS as SUB_NETWORK_BURNS_SEED;
/// `[DC_ESCROW_SEED, sub_network, sha256(router_key)]`: DC delegated to a router of a
/// sub-network; its associated DC account holds the credits.
pub const DC_ESCROW_SEED: &[u8] = b"dc_escrow";
pub const MAX_ROUTER_KEY_LEN: usize = 64;
/// Default staleness limit of an oracle price: one minute. Pyth publishes every few seconds;
/// a longer window only widens the choice of prices a buyer can pick from.
pub const DEFAULT_MAX_PRICE_AGE_SECS: u32 = 60;

/// Where the network token's USD price comes from.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum PriceOracle {
    /// A Pyth pull-oracle `PriceUpdateV2` account with this feed id.
    Pyth { feed_id: [u8; 32], max_age_secs: u32 },
    /// A fixed price set by the authority, for networks without a feed: USD per whole
    /// token, times 10^8 (Pyth's usual exponent -8).
    Fixed { usd_per_token_e8: u64 },
}

/// PDA `[DC_CONFIG_SEED, network]`. Also the DC mint authority. It has no authority of its
/// own: the network's authority (two-step rotation in emissions) governs it, so rotating
/// that one key moves control of DC pricing too.
#[account]
#[derive(InitSpace)]
pub struct DataCreditsConfig {
    pub network: Pubkey,
    pub network_mint: Pubkey,
    pub dc_mint: Pubkey,
    pub price_oracle: PriceOracle,
    /// Circuit breaker: at most this many DC minted per network epoch.
    pub max_dc_minted_per_epoch: u64,
    /// The epoch `minted_this_epoch` counts for.
    pub mint_window_epoch: u64,
    pub minted_this_epoch: u64,
    pub total_dc_minted: u64,
    /// Network tokens burned to buy DC.
    pub total_tokens_burned: u64,
    pub bump: u8,
    pub dc_mint_bump: u8,
    /// Copied from the network and its mint at initialization (neither can change), so
    /// buying DC needs neither account: the epoch is `unix_timestamp / epoch_length_secs`.
    pub epoch_length_secs: u32,
    pub network_mint_decimals: u8,
    /// Publish time of the newest oracle price a mint used: an older one is refused, so a
    /// buyer cannot cherry-pick the best price of the staleness window after a newer one
    /// was used.
    pub last_price_publish_time: i64,
}

impl DataCreditsConfig {
    /// The network epoch now (`emissions::state::epoch_now`).
    pub fn current_epoch(&self) -> Result<u64> {
        emissions::state::epoch_now(self.epoch_length_secs)
    }
}

/// DC delegated to one router of one sub-network. PDA `[DC_ESCROW_SEED, sub_network,
/// sha256(router_key)]`; the DC sits in this PDA's associated DC account.
#[account]
#[derive(InitSpace)]
pub struct DelegatedEscrow {
    pub sub_network: Pubkey,
    #[max_len(MAX_ROUTER_KEY_LEN)]
    pub router_key: String,
    /// The highest burn sequence number accepted; a burn must carry a greater one, so a
    /// retried burn can never burn twice.
    pub last_sequence: u64,
    pub total_delegated: u64,
    pub total_burned: u64,
    pub bump: u8,
}

/// DC burned for usage of one sub-network: the total and, per epoch with burns, the epoch's
/// sum (ring of `civnet_common::history::HISTORY_LEN` epochs; layout described there, shared
/// with device_registry's `SubNetworkDevices`). emissions reads it when scoring an epoch.
/// PDA `[SUB_NETWORK_BURNS_SEED, sub_network]`; zero-copy so a burn touches a few words.
///
/// It also carries what a burn needs from the DC config (copied at initialization; none of it
/// can change), so the hot path loads neither the config nor the network.
#[account(zero_copy)]
pub struct SubNetworkBurns {
    pub sub_network: Pubkey,
    /// DC ever burned for usage of the sub-network.
    pub total_burned: u64,
    pub entries_written: u64,
    /// Ring: epoch of each slot, and the DC burned in it.
    pub epochs: [u64; 64],
    pub burned: [u64; 64],
    /// The sub-network's network, its DC mint and epoch length.
    pub network: Pubkey,
    pub dc_mint: Pubkey,
    pub epoch_length_secs: u32,
    pub bump: u8,
    pub padding: [u8; 3],
}

const _: () = assert!(civnet_common::history::HISTORY_LEN == 64);

impl SubNetworkBurns {
    /// Adds a usage burn to the current epoch (`emissions::state::epoch_now`); returns the
    /// epoch and its sum so far.
    pub fn record_now(&mut self, amount: u64) -> Result<(u64, u64)> {
        let epoch = emissions::state::epoch_now(self.epoch_length_secs)?;
        self.total_burned = self.total_burned.checked_add(amount).ok_or(crate::errors::DataCreditsError::ArithmeticOverflow)?;
        let epoch_sum = civnet_common::history::HistoryMut { entries_written: &mut self.entries_written, epochs: &mut self.epochs, values: &mut self.burned }
            .add(epoch, amount)
            .map_err(|_| crate::errors::DataCreditsError::ArithmeticOverflow)?;
        Ok((epoch, epoch_sum))
    }
}
