// The owner's wallet: connect through the Wallet Standard, see DC and token balances, buy
// DC, list the wallet's devices (DAS getAssetsByOwner), onboard one (sub-network and H3
// location, the DC fee shown before signing) and claim its rewards with the oracle's proof.
import { PublicKey } from '@solana/web3.js';
import { TOKEN_2022_PROGRAM_ID, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { ApiError, dasApi, indexer, loadConfig, rewardProof, type DasAsset, type NetworkOverview, type SubNetwork } from '../api';
import { Chain, ChainError, type Signer } from '../chain';
import { currentNetwork, decimalsOf } from '../explorer/common';
import { card, errorBox, figure, h, int, short, table, tokens } from '../ui';
import { chainOf, connect, onWalletsChanged, signTransaction, solanaWallets, type Wallet, type WalletAccount } from './standard';

interface Session {
  wallet: Wallet;
  account: WalletAccount;
  signer: Signer;
}

let session: Session | null = null;
let stopWatching: (() => void) | null = null;
/** The last transaction's outcome, above the wallet's cards (which redraw after it). */
let outcome: HTMLElement = h('div');

function message(e: unknown): string {
  return e instanceof ChainError || e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

export async function walletPage(): Promise<Node> {
  const [config, network] = await Promise.all([loadConfig(), currentNetwork()]);
  const chain = new Chain(config.rpc);
  const root = h('div', { class: 'grid', 'data-testid': 'wallet-page' });
  outcome = h('div', { 'data-testid': 'tx-outcome', 'aria-live': 'polite' });
  const draw = async () => {
    try {
      root.replaceChildren(...(await sections(chain, network, config.rpc, draw)));
    } catch (e) {
      root.replaceChildren(errorBox(message(e), 'page-error'));
    }
  };
  stopWatching?.();
  stopWatching = onWalletsChanged(() => {
    if (!session) void draw();
  });
  await draw();
  return h('div', {}, outcome, root);
}

async function sections(chain: Chain, network: NetworkOverview, rpc: string, redraw: () => Promise<void>): Promise<Node[]> {
  if (!session) return [connectCard(rpc, redraw)];
  const owner = session.signer.owner;
  const decimals = decimalsOf(network);
  const [balances, { items: subs }, assets] = await Promise.all([chain.balances(owner, network), indexer.subNetworks(network.address), dasApi.assetsByOwner(owner.toBase58())]);
  const walletCard = card('Wallet',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Wallet'), h('dd', {}, session.wallet.name),
      h('dt', {}, 'Address'), h('dd', {}, figure('wallet-address', owner.toBase58(), owner.toBase58())),
      h('dt', {}, 'Network tokens'), h('dd', {}, figure('token-balance', balances.tokens, tokens(balances.tokens, decimals))),
      h('dt', {}, 'Data credits'), h('dd', {}, figure('dc-balance', balances.dc, int(balances.dc)))),
    h('button', { onclick: () => { session = null; void redraw(); } }, 'Disconnect'));
  return [walletCard, buyDcCard(chain, network, redraw), await devicesCard(chain, network, subs, assets.items, redraw)];
}

function connectCard(rpc: string, redraw: () => Promise<void>): HTMLElement {
  const wallets = solanaWallets();
  const status = h('div', { 'data-testid': 'connect-status' });
  const buttons = wallets.map((wallet) => h('button', {
    'data-testid': `connect-${wallet.name}`,
    onclick: async () => {
      try {
        const account = await connect(wallet);
        const chainId = chainOf(rpc);
        session = { wallet, account, signer: { owner: new PublicKey(account.address), sign: (tx) => signTransaction(wallet, account, tx, chainId) } };
        await redraw();
      } catch (e) {
        status.replaceChildren(errorBox(`connecting ${wallet.name}: ${message(e)}`));
      }
    },
  }, h('img', { src: wallet.icon, alt: '', width: 16, height: 16 }), ` Connect ${wallet.name}`));
  return card('Connect a wallet',
    wallets.length
      ? h('div', { class: 'row' }, ...buttons)
      : h('p', { 'data-testid': 'no-wallet' }, 'No Wallet Standard wallet found in this browser (Phantom, Backpack, Solflare and others register themselves when installed).'),
    status);
}

/**
 * Runs a step, showing progress in `status`. A read (no `redraw`) shows its result there; a
 * transaction redraws the wallet (balances, devices) and shows its outcome above it. Errors
 * (the program's, named from its IDL) show where the result would.
 */
async function step(status: HTMLElement, work: () => Promise<Node>, redraw?: () => Promise<void>): Promise<void> {
  status.replaceChildren(h('p', { class: 'hint' }, 'Waiting for the wallet and the cluster…'));
  const target = redraw ? outcome : status;
  try {
    const result = await work();
    if (redraw) {
      status.replaceChildren();
      await redraw();
    }
    target.replaceChildren(result);
  } catch (e) {
    status.replaceChildren();
    target.replaceChildren(errorBox(message(e), 'tx-error'));
  }
}

function buyDcCard(chain: Chain, network: NetworkOverview, redraw: () => Promise<void>): HTMLElement {
  const amount = h('input', { type: 'number', min: 1, step: 1, value: 1000000, 'aria-label': 'DC to buy', 'data-testid': 'buy-dc-amount' });
  const status = h('div', { 'data-testid': 'buy-dc-status' });
  const buy = h('button', { 'data-testid': 'buy-dc', onclick: () => step(status, async () => {
    if (!session) throw new Error('connect a wallet first');
    const dc = BigInt(amount.value || '0');
    const before = await chain.balances(session.signer.owner, network);
    await chain.execute(session.signer, await chain.buyDcInstructions(session.signer.owner, network, { dc }));
    const after = await chain.balances(session.signer.owner, network);
    return h('p', { class: 'ok', 'data-testid': 'bought' }, `Bought ${int(after.dc - before.dc)} DC for ${tokens(before.tokens - after.tokens, decimalsOf(network))} tokens.`);
  }, redraw) }, 'Buy DC');
  return card('Buy data credits', h('p', { class: 'hint' }, 'Burns network tokens at the network\'s DC price (the program computes the cost).'), h('div', { class: 'row' }, amount, ' DC ', buy), status);
}

async function devicesCard(chain: Chain, network: NetworkOverview, subs: SubNetwork[], assets: DasAsset[], redraw: () => Promise<void>): Promise<HTMLElement> {
  const rows = await Promise.all(assets.map(async (asset) => {
    const device = await indexer.device(asset.id).catch(() => null);
    const actions = h('div', {});
    const onboarded = Boolean(device?.sub_network_name);
    const open = () => actions.replaceChildren(onboarded ? claimForm(chain, network, subs, asset, redraw) : onboardForm(chain, network, subs, asset, device?.device_key ?? null, redraw));
    return [
      h('a', { href: `#/devices/${asset.id}` }, asset.content.metadata.name || short(asset.id)),
      figure(`device-key-${asset.id}`, device?.device_key ?? null, short(device?.device_key)),
      figure(`device-sub-network-${asset.id}`, device?.sub_network_name ?? null, device?.sub_network_name ?? 'not onboarded'),
      device?.location ?? '–',
      device ? (device.active ? 'yes' : 'no') : '–',
      h('div', {}, h('button', { 'data-testid': `${onboarded ? 'claim' : 'onboard'}-${asset.id}`, onclick: open }, onboarded ? 'Claim rewards' : 'Onboard'), actions),
    ];
  }));
  return card(`My devices (${assets.length})`,
    assets.length ? table(['device', 'key', 'sub-network', 'location', 'active', ''], rows, { 'data-testid': 'my-devices' }) : h('p', { 'data-testid': 'no-devices' }, 'This wallet holds no civnet device.'));
}

function onboardForm(chain: Chain, network: NetworkOverview, subs: SubNetwork[], asset: DasAsset, deviceKey: string | null, redraw: () => Promise<void>): HTMLElement {
  const select = h('select', { 'data-testid': 'onboard-sub-network', 'aria-label': 'sub-network' }, ...subs.map((s) => h('option', { value: s.name }, s.name)));
  const location = h('input', { placeholder: 'H3 cell, hex (e.g. 8c2a100d2a1bfff)', 'data-testid': 'onboard-location', 'aria-label': 'H3 cell' });
  const lat = h('input', { placeholder: 'lat', size: 8, 'aria-label': 'latitude' });
  const lng = h('input', { placeholder: 'lng', size: 8, 'aria-label': 'longitude' });
  const fromLatLng = h('button', { type: 'button', onclick: async () => {
    const { latLngToCell } = await import('h3-js');
    location.value = latLngToCell(Number(lat.value), Number(lng.value), 12);
  } }, 'cell at resolution 12');
  const review = h('div', { 'data-testid': 'onboard-review' });
  const status = h('div', { 'data-testid': 'onboard-status' });
  const plan = async () => {
    if (!session) throw new Error('connect a wallet first');
    if (!deviceKey) throw new Error('the index does not know this device yet');
    const sub = subs.find((s) => s.name === select.value);
    if (!sub) throw new Error('choose a sub-network');
    const cell = location.value.trim() ? BigInt(`0x${location.value.trim().replace(/^0x/, '')}`) : 0n;
    const instructions = await chain.onboardInstructions(session.signer.owner, network, sub, asset, new PublicKey(deviceKey), cell);
    return { sub, cell, instructions };
  };
  const reviewButton = h('button', { 'data-testid': 'onboard-review-fee', onclick: () => step(review, async () => {
    if (!session) throw new Error('connect a wallet first');
    const { sub, cell, instructions } = await plan();
    // The fee as the program charges it: the owner's DC balance after a simulation.
    if (!network.dc_config) throw new Error('this network has no data credits configuration yet');
    const ownerDc = getAssociatedTokenAddressSync(new PublicKey(network.dc_config.dc_mint), session.signer.owner, true, TOKEN_2022_PROGRAM_ID);
    const before = (await chain.balances(session.signer.owner, network)).dc;
    const [after = before] = await chain.simulate(session.signer.owner, instructions, [ownerDc]);
    const fee = before - after;
    const send = h('button', { 'data-testid': 'onboard-sign', onclick: () => step(status, async () => {
      if (!session) throw new Error('connect a wallet first');
      const { instructions: fresh } = await plan();
      const signature = await chain.execute(session.signer, fresh);
      return h('p', { class: 'ok', 'data-testid': 'onboard-done', 'data-signature': signature }, `Onboarded ${short(asset.id)} to ${sub.name}${cell ? ` at ${cell.toString(16)}` : ''}.`);
    }, redraw) }, 'Sign and onboard');
    return h('div', {},
      h('p', {}, 'Fee: ', figure('onboard-fee', fee, `${int(fee)} DC`), ` (${sub.name}: onboarding ${int(sub.onboarding_fee_dc)} DC${cell ? `, location ${int(sub.location_fee_dc)} DC` : ', no location'}; you hold ${int(before)} DC)`),
      send);
  }) }, 'Review fee');
  return h('div', { class: 'card' },
    h('div', { class: 'row' }, 'Sub-network ', select),
    h('div', { class: 'row' }, 'Location ', location),
    h('div', { class: 'row' }, 'or ', lat, lng, fromLatLng),
    reviewButton, review, status);
}

function claimForm(chain: Chain, network: NetworkOverview, subs: SubNetwork[], asset: DasAsset, redraw: () => Promise<void>): HTMLElement {
  const status = h('div', { 'data-testid': 'claim-status' });
  const decimals = decimalsOf(network);
  void step(status, async () => {
    const reward = await rewardProof(asset.id);
    if (!reward) return h('p', { 'data-testid': 'claimable', 'data-value': '0' }, 'The oracle has no reward for this device yet.');
    const sub = subs.find((s) => s.address === reward.sub_network);
    if (!sub) throw new Error(`unknown sub-network ${reward.sub_network}`);
    const result = h('div', {});
    const claim = h('button', { 'data-testid': 'claim-sign', onclick: () => step(result, async () => {
      if (!session) throw new Error('connect a wallet first');
      const latest = (await rewardProof(asset.id)) ?? reward;
      const { instructions, destination, tokenProgram } = await chain.claimInstructions(session.signer.owner, network, sub, asset, latest);
      const before = await chain.balance(destination, tokenProgram);
      await chain.execute(session.signer, instructions);
      const received = (await chain.balance(destination, tokenProgram)) - before;
      return h('p', { class: 'ok' }, 'Claimed ', figure('claimed-amount', received, tokens(received, decimals)), ` tokens for ${short(asset.id)}.`);
    }, redraw) }, 'Sign and claim');
    return h('div', {},
      h('p', {}, 'Cumulative ', figure('reward-cumulative', reward.cumulative_amount, tokens(reward.cumulative_amount, decimals)), ', claimed ', tokens(reward.claimed, decimals), ', claimable ', figure('claimable', reward.claimable, tokens(reward.claimable, decimals)), ` (oracle root of epoch ${reward.epoch})`),
      claim, result);
  });
  return h('div', { class: 'card' }, status);
}
