// Devices: the list, and one device by device key or asset id with its owner, maker,
// location, activity, and rewards as the oracle computed them (cumulative, claimed, claimable).
import { ApiError, indexer, loadConfig, rewardProof } from '../api';
import { card, errorBox, figure, h, int, short, table, tokens } from '../ui';
import { currentNetwork, decimalsOf } from './common';

export async function devicesPage(): Promise<Node> {
  const offset = Number(new URLSearchParams(location.hash.split('?')[1] ?? '').get('offset') ?? 0);
  const { items, total } = await indexer.devices(offset);
  const search = h('form', { class: 'search', onsubmit: (e: Event) => {
    e.preventDefault();
    const value = (e.target as HTMLFormElement).querySelector('input')?.value.trim();
    if (value) location.hash = `#/devices/${encodeURIComponent(value)}`;
  } }, h('input', { placeholder: 'device key or asset id', 'aria-label': 'device key or asset id', name: 'id' }), h('button', { type: 'submit' }, 'Show'));
  return h('div', { class: 'grid' }, card(`Devices (${int(total)})`, search,
    table(['device key', 'sub-network', 'owner', 'location', 'active'], items.map((d) => [
      h('a', { href: `#/devices/${d.device_key ?? d.asset_id}` }, short(d.device_key ?? d.asset_id)),
      d.sub_network_name ?? '–',
      short(d.owner),
      d.location ?? '–',
      d.active ? 'yes' : 'no',
    ]), { 'data-testid': 'devices' }),
    offset + items.length < total ? h('a', { href: `#/devices?offset=${offset + items.length}` }, 'more') : null));
}

export async function devicePage(id: string): Promise<Node> {
  const network = await currentNetwork();
  const decimals = decimalsOf(network);
  const device = await indexer.device(id);
  const config = await loadConfig();
  let rewards: Node;
  if (!config.oracle) {
    rewards = h('p', {}, 'No rewards oracle configured (civnet index --oracle URL).');
  } else {
    try {
      const proof = await rewardProof(device.asset_id);
      rewards = proof
        ? h('dl', { class: 'facts' },
          h('dt', {}, 'Cumulative rewards'), h('dd', {}, figure('cumulative', proof.cumulative_amount, tokens(proof.cumulative_amount, decimals)), ` (through epoch ${proof.epoch})`),
          h('dt', {}, 'Claimed'), h('dd', {}, figure('claimed', proof.claimed, tokens(proof.claimed, decimals))),
          h('dt', {}, 'Claimable'), h('dd', {}, figure('claimable', proof.claimable, tokens(proof.claimable, decimals))))
        : h('dl', { class: 'facts' },
          h('dt', {}, 'Cumulative rewards'), h('dd', {}, figure('cumulative', 0, '0 (the oracle has no reward for this device yet)')),
          h('dt', {}, 'Claimed'), h('dd', {}, figure('claimed', device.total_claimed ?? 0, tokens(device.total_claimed ?? 0, decimals))),
          h('dt', {}, 'Claimable'), h('dd', {}, figure('claimable', 0, '0')));
    } catch (e) {
      rewards = errorBox(`the oracle did not answer: ${e instanceof ApiError || e instanceof Error ? e.message : String(e)}`);
    }
  }
  return h('div', { class: 'grid' },
    card('Device',
      h('dl', { class: 'facts' },
        h('dt', {}, 'Device key'), h('dd', {}, figure('device-key', device.device_key, device.device_key ?? '–')),
        h('dt', {}, 'Asset id'), h('dd', {}, figure('asset-id', device.asset_id, device.asset_id)),
        h('dt', {}, 'Owner'), h('dd', {}, figure('owner', device.owner, device.owner ?? '–')),
        h('dt', {}, 'Maker'), h('dd', {}, figure('maker', device.maker_name, device.maker_name ?? '–')),
        h('dt', {}, 'Sub-network'), h('dd', {}, figure('sub-network', device.sub_network_name, device.sub_network_name ?? 'not onboarded')),
        h('dt', {}, 'Location'), h('dd', {}, figure('location', device.location, device.location ?? 'none asserted'), device.location ? ` (elevation ${device.elevation} m, gain ${(device.gain / 10).toFixed(1)} dBi)` : ''),
        h('dt', {}, 'Active'), h('dd', {}, figure('active', String(device.active), device.active ? 'yes' : 'no')),
      )),
    card('Rewards', rewards));
}
