// Sub-networks: each one's DC burned, active devices, utility score and tokens issued per
// epoch as charts, its fees, and the network's makers.
import { indexer } from '../api';
import { barChart, card, figure, h, int, short, table, tokens } from '../ui';
import { currentNetwork, decimalsOf } from './common';

export async function subNetworksPage(): Promise<Node> {
  const network = await currentNetwork();
  const decimals = decimalsOf(network);
  const [{ items: subs }, { items: makers }] = await Promise.all([indexer.subNetworks(network.address), indexer.makers(network.address)]);
  const list = card(
    'Sub-networks',
    table(['name', 'active devices', 'DC burned (usage)', 'fees burned (DC)', 'onboarding fee (DC)', 'location fee (DC)', 'tokens issued', 'claimed'], subs.map((s) => [
      h('a', { href: `#/sub-networks/${encodeURIComponent(s.name)}` }, s.name),
      figure(`sub-${s.name}-active`, s.active_devices, int(s.active_devices)),
      figure(`sub-${s.name}-dc-burned`, s.total_dc_burned, int(s.total_dc_burned)),
      figure(`sub-${s.name}-fees`, s.fees_dc_burned, int(s.fees_dc_burned)),
      figure(`sub-${s.name}-onboarding-fee`, s.onboarding_fee_dc, int(s.onboarding_fee_dc)),
      figure(`sub-${s.name}-location-fee`, s.location_fee_dc, int(s.location_fee_dc)),
      figure(`sub-${s.name}-issued`, s.total_issued, tokens(s.total_issued, decimals)),
      figure(`sub-${s.name}-claimed`, s.total_claimed, tokens(s.total_claimed, decimals)),
    ]), { 'data-testid': 'sub-networks' }),
  );
  return h('div', { class: 'grid' }, list, makersCard(makers));
}

function makersCard(makers: Awaited<ReturnType<typeof indexer.makers>>['items']): HTMLElement {
  return card('Makers', table(['name', 'approved', 'devices issued', 'tree', 'authority'], makers.map((m) => [
    m.name,
    m.approved ? 'yes' : 'no',
    figure(`maker-${m.name}-issued`, m.devices_issued, int(m.devices_issued)),
    short(m.merkle_tree),
    short(m.authority),
  ]), { 'data-testid': 'makers' }));
}

export async function subNetworkPage(name: string): Promise<Node> {
  const network = await currentNetwork();
  const decimals = decimalsOf(network);
  const [{ items: subs }, { items: epochs }, { items: makers }] = await Promise.all([
    indexer.subNetworks(network.address),
    indexer.subNetworkEpochs(name, network.address),
    indexer.makers(network.address),
  ]);
  const sub = subs.find((s) => s.name === name);
  if (!sub) throw new Error(`no sub-network ${name}`);
  const ordered = [...epochs].reverse();
  const xs = ordered.map((e) => e.epoch);
  const chart = (title: string, testid: string, color: string, values: (string | number)[]) => card(title, barChart(testid, xs, [{ name: title, color, values }]));
  return h('div', { class: 'grid' },
    card(`Sub-network ${sub.name}`,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Address'), h('dd', {}, sub.address),
        h('dt', {}, 'Active devices'), h('dd', {}, figure('active-devices', sub.active_devices, int(sub.active_devices))),
        h('dt', {}, 'Devices onboarded'), h('dd', {}, figure('devices-onboarded', sub.devices_onboarded, int(sub.devices_onboarded))),
        h('dt', {}, 'DC burned for usage'), h('dd', {}, figure('dc-burned', sub.total_dc_burned, int(sub.total_dc_burned))),
        h('dt', {}, 'Fees'), h('dd', {}, 'onboarding ', figure('onboarding-fee', sub.onboarding_fee_dc, int(sub.onboarding_fee_dc)), ' DC, location ', figure('location-fee', sub.location_fee_dc, int(sub.location_fee_dc)), ' DC; ', figure('fees-burned', sub.fees_dc_burned, int(sub.fees_dc_burned)), ' DC burned in fees'),
        h('dt', {}, 'Tokens issued'), h('dd', {}, figure('issued', sub.total_issued, tokens(sub.total_issued, decimals)), ', claimed ', figure('claimed', sub.total_claimed, tokens(sub.total_claimed, decimals))),
        h('dt', {}, 'Rewards oracle'), h('dd', {}, sub.rewards_oracle),
        h('dt', {}, 'Map'), h('dd', {}, h('a', { href: `#/map?sub_network=${encodeURIComponent(sub.name)}` }, 'devices of this sub-network')),
      )),
    chart('DC burned', 'chart-dc-burned', '#d9822b', ordered.map((e) => e.dc_burned)),
    chart('Active devices', 'chart-active-devices', '#3a9d5d', ordered.map((e) => e.active_devices)),
    chart('Utility score', 'chart-utility-score', '#8a5cb8', ordered.map((e) => e.utility_score)),
    chart('Tokens issued', 'chart-issued', '#2a7ab0', ordered.map((e) => e.issued)),
    card('Epochs', table(['epoch', 'DC burned', 'active devices', 'utility score', 'tokens issued'], epochs.map((e) => [
      e.epoch,
      figure(`epoch-${e.epoch}-dc-burned`, e.dc_burned, int(e.dc_burned)),
      figure(`epoch-${e.epoch}-active`, e.active_devices, int(e.active_devices)),
      figure(`epoch-${e.epoch}-score`, e.utility_score, int(e.utility_score)),
      figure(`epoch-${e.epoch}-issued`, e.issued, tokens(e.issued, decimals)),
    ]), { 'data-testid': 'sub-network-epochs' })),
    makersCard(makers),
  );
}
