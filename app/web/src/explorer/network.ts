// The network at a glance: token, epoch and time to its end, the emission schedule with its
// next step, totals, and the flywheel per epoch (tokens issued against tokens burned for DC,
// devices added, DC burned for usage).
import { indexer } from '../api';
import { barChart, card, duration, figure, h, int, table, tokens } from '../ui';
import { currentNetwork, decimalsOf } from './common';

export async function networkPage(): Promise<Node> {
  const network = await currentNetwork();
  const decimals = decimalsOf(network);
  const { items: epochs } = await indexer.flywheel(network.address);
  const t = network.totals;
  const left = network.epoch_ends_at - network.now;
  const tok = (testid: string, v: number | string | null) => figure(testid, v, tokens(v, decimals));
  const num = (testid: string, v: number | string | null) => figure(testid, v, int(v));

  const overview = card(
    'Network',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Network'), h('dd', {}, figure('network-address', network.address, network.address)),
      h('dt', {}, 'Token mint'), h('dd', {}, figure('token-mint', network.token_mint, network.token_mint)),
      h('dt', {}, 'Current epoch'), h('dd', {}, num('current-epoch', network.current_epoch), ` (epochs of ${int(network.epoch_length_secs)} s)`),
      h('dt', {}, 'Epoch ends in'), h('dd', {}, figure('epoch-ends-in', left, duration(left)), ` (at ${new Date(network.epoch_ends_at * 1000).toISOString()})`),
      h('dt', {}, 'Emission this epoch'), h('dd', {}, tok('emission-now', network.emission_now)),
      h('dt', {}, 'Next halving'), h('dd', {}, network.next_change
        ? h('span', {}, 'epoch ', num('next-halving-epoch', network.next_change.epoch), ': ', tok('next-halving-emission', network.next_change.tokens_per_epoch), ' per epoch, in ', duration(network.next_change.starts_at - network.now))
        : figure('next-halving-epoch', null, 'none: the last step runs forever')),
    ),
  );
  const totals = card(
    'Totals',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Tokens issued'), h('dd', {}, tok('total-issued', t.issued)),
      h('dt', {}, 'Tokens claimed'), h('dd', {}, tok('total-claimed', t.claimed)),
      h('dt', {}, 'Tokens burned for DC'), h('dd', {}, tok('tokens-burned-for-dc', t.tokens_burned_for_dc)),
      h('dt', {}, 'DC minted'), h('dd', {}, num('dc-minted', t.dc_minted)),
      h('dt', {}, 'DC burned'), h('dd', {}, num('dc-burned', t.dc_burned), ' (usage ', num('dc-burned-usage', t.dc_burned_for_usage), ', fees ', num('dc-burned-fees', t.dc_burned_for_fees), ')'),
      h('dt', {}, 'Devices'), h('dd', {}, num('devices', t.devices), ' (', num('active-devices', t.active_devices), ' active)'),
      h('dt', {}, 'Sub-networks'), h('dd', {}, num('sub-networks', t.sub_networks)),
    ),
  );
  const schedule = card(
    'Emission schedule',
    table(['from epoch', 'tokens per epoch'], network.emission_schedule.map((s) => [
      h('span', { class: s.start_epoch <= network.current_epoch && (network.next_change === null || s.start_epoch < network.next_change.epoch) ? 'current' : '' }, int(s.start_epoch)),
      tokens(s.tokens_per_epoch, decimals),
    ]), { 'data-testid': 'schedule' }),
  );
  const chronological = [...epochs].reverse();
  const flywheel = card(
    'Flywheel',
    h('p', { class: 'hint' }, 'Per epoch: tokens issued as rewards against tokens burned to buy DC (net emission = issued − burned), devices added, DC burned for usage. Supply and paying demand growing together is the flywheel turning.'),
    barChart('flywheel-tokens', chronological.map((e) => e.epoch), [
      { name: 'tokens issued', color: '#2a7ab0', values: chronological.map((e) => e.tokens_issued) },
      { name: 'tokens burned for DC', color: '#d9822b', values: chronological.map((e) => e.tokens_burned_for_dc) },
    ]),
    barChart('flywheel-usage', chronological.map((e) => e.epoch), [
      { name: 'devices added', color: '#3a9d5d', values: chronological.map((e) => e.devices_added) },
    ], 100),
    table(['epoch', 'tokens issued', 'burned for DC', 'net emission', 'devices added', 'DC burned (usage)', 'DC minted'], epochs.map((e) => [
      e.epoch,
      figure(`flywheel-issued-${e.epoch}`, e.tokens_issued, tokens(e.tokens_issued, decimals)),
      figure(`flywheel-burned-${e.epoch}`, e.tokens_burned_for_dc, tokens(e.tokens_burned_for_dc, decimals)),
      figure(`flywheel-net-${e.epoch}`, e.net_emission, tokens(e.net_emission, decimals)),
      figure(`flywheel-devices-${e.epoch}`, e.devices_added, int(e.devices_added)),
      figure(`flywheel-dc-burned-${e.epoch}`, e.dc_burned, e.scored ? int(e.dc_burned) : 'epoch not closed'),
      int(e.dc_minted),
    ]), { 'data-testid': 'flywheel' }),
  );
  return h('div', { class: 'grid' }, overview, totals, schedule, flywheel);
}
