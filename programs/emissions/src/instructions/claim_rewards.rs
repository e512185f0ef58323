use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use civnet_common::rewards;

use crate::cnft::{self, CnftLeaf};
use crate::errors::EmissionsError;
use crate::events::RewardsClaimed;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ClaimRewardsArgs {
    pub asset_id: Pubkey,
    pub cumulative_amount: u64,
    /// Sibling hashes from the leaf `(asset_id, cumulative_amount)` to the rewards root.
    pub reward_proof: Vec<[u8; 32]>,
    /// The device cNFT's leaf; its proof nodes follow as remaining accounts.
    pub cnft: CnftLeaf,
}

#[derive(Accounts)]
#[instruction(args: ClaimRewardsArgs)]
pub struct ClaimRewards<'info> {
    /// The cNFT's current owner: signs, pays the recipient record's rent, receives the rewards.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the sub-network's network (has_one); only its address is used (signer seeds).
    /// The token mint needs no check against it: `transfer_checked` ties it to the escrow.
    pub network: UncheckedAccount<'info>,
    #[account(mut, has_one = network, has_one = rewards_escrow)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    /// The one root record of the sub-network (created with it at its PDA, storing its key):
    /// the field comparison stands for the PDA check at a fraction of the compute.
    #[account(constraint = rewards_root.sub_network == sub_network.key() @ EmissionsError::WrongRewardsRoot)]
    pub rewards_root: Box<Account<'info, RewardsRoot>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Recipient::INIT_SPACE,
        seeds = [RECIPIENT_SEED, sub_network.key().as_ref(), args.asset_id.as_ref()],
        bump,
    )]
    pub recipient: Box<Account<'info, Recipient>>,
    /// CHECK: the device's Bubblegum tree: `cnft::verify_owner` checks its owner, that the
    /// asset id derives from it, and proves the leaf in it.
    pub merkle_tree: UncheckedAccount<'info>,
    #[account(mut)]
    pub rewards_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = token_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// The owner of a device cNFT claims what the rewards root grants it beyond what it already
/// claimed: `amount = cumulative_amount - recipient.total_claimed`, paid from the
/// sub-network's escrow. Ownership is proven against the device's Bubblegum tree, the amount
/// against the current rewards root; the sub-network's total claims never exceed its issuance.
pub fn handler<'info>(ctx: Context<'info, ClaimRewards<'info>>, args: ClaimRewardsArgs) -> Result<()> {
    require!(args.reward_proof.len() <= MAX_REWARD_PROOF_LEN, EmissionsError::RewardProofTooLong);
    let leaf = rewards::leaf_hash(&args.asset_id.to_bytes(), args.cumulative_amount);
    require!(
        rewards::verify(&ctx.accounts.rewards_root.root, leaf, &args.reward_proof),
        EmissionsError::InvalidRewardProof
    );

    let recipient = &ctx.accounts.recipient;
    let amount = args
        .cumulative_amount
        .checked_sub(recipient.total_claimed)
        .filter(|&amount| amount > 0)
        .ok_or(EmissionsError::NothingToClaim)?;
    let sub = &ctx.accounts.sub_network;
    let claimed_after = sub.total_claimed.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    // This also bounds the escrow: it received every issued token (a Token-2022 mint without
    // fee or delegate extensions) and only ever pays claims, so it holds at least
    // `total_issued - total_claimed >= amount`; no separate escrow balance check is needed.
    require!(claimed_after <= sub.total_issued, EmissionsError::ClaimExceedsIssued);

    cnft::verify_owner(&ctx.accounts.merkle_tree, ctx.remaining_accounts, &args.asset_id, ctx.accounts.owner.key, &args.cnft)
        .map_err(EmissionsError::from)?;

    let network_key = ctx.accounts.network.key();
    let name_seed = civnet_common::seeds::name_seed(&sub.name);
    let signer_seeds: &[&[&[u8]]] = &[&[SUB_NETWORK_SEED, network_key.as_ref(), &name_seed, &[sub.bump]]];
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.rewards_escrow.to_account_info(),
                mint: ctx.accounts.token_mint.to_account_info(),
                to: ctx.accounts.destination.to_account_info(),
                authority: ctx.accounts.sub_network.to_account_info(),
            },
            signer_seeds,
        ),
        amount,
        ctx.accounts.token_mint.decimals,
    )?;

    let sub_key = ctx.accounts.sub_network.key();
    ctx.accounts.sub_network.total_claimed = claimed_after;
    let recipient = &mut ctx.accounts.recipient;
    recipient.sub_network = sub_key;
    recipient.asset_id = args.asset_id;
    recipient.total_claimed = args.cumulative_amount;
    recipient.bump = ctx.bumps.recipient;
    // A log event (`emit!`), not a self-CPI: claims are the bulk operation of every owner,
    // and the self-CPI would be ~3k of its compute. Indexers read it from the logs; the
    // recipient record carries the same total.
    emit!(RewardsClaimed {
        sub_network: sub_key,
        asset_id: args.asset_id,
        owner: ctx.accounts.owner.key(),
        amount,
        total_claimed: args.cumulative_amount,
    });
    Ok(())
}
