// Devices by H3 cell, drawn offline: each occupied cell's boundary (h3-js) projected to SVG
// (equirectangular, scaled by the cosine of the mean latitude), shaded by device count. No
// tile layer: the map needs no internet.
import { cellToBoundary, cellToLatLng, getResolution } from 'h3-js';
import { indexer } from '../api';
import { card, h, int, svg, table } from '../ui';
import { currentNetwork } from './common';

const WIDTH = 720;
const HEIGHT = 480;
const PAD = 24;

export async function mapPage(): Promise<Node> {
  const network = await currentNetwork();
  const subNetwork = new URLSearchParams(location.hash.split('?')[1] ?? '').get('sub_network') ?? undefined;
  const { items: cells } = await indexer.cells(network.address, subNetwork);
  const title = `Devices by H3 cell${subNetwork ? ` in ${subNetwork}` : ''}`;
  if (cells.length === 0) return card(title, h('p', { 'data-testid': 'map-empty' }, 'No device has asserted a location yet.'));
  // Coarse cells first, so finer cells inside them stay visible on top.
  const shapes = cells.map((c) => ({ cell: c, ring: cellToBoundary(c.location) })).sort((a, b) => getResolution(a.cell.location) - getResolution(b.cell.location));
  const points = shapes.flatMap((s) => s.ring);
  const lats = points.map(([lat]) => lat);
  const lngs = points.map(([, lng]) => lng);
  const [minLat, maxLat, minLng, maxLng] = [Math.min(...lats), Math.max(...lats), Math.min(...lngs), Math.max(...lngs)];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLng - minLng) * kx, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const project = ([lat, lng]: number[]): string => `${(PAD + ((lng ?? 0) - minLng) * kx * scale).toFixed(2)},${(HEIGHT - PAD - ((lat ?? 0) - minLat) * scale).toFixed(2)}`;
  const most = Math.max(...cells.map((c) => c.devices));
  const map = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, 'data-testid': 'map', role: 'img' });
  map.append(svg('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: '#f4f7f9' }));
  for (const { cell, ring } of shapes) {
    const share = cell.devices / most;
    const polygon = svg('polygon', {
      points: ring.map(project).join(' '),
      fill: `rgba(42, 122, 176, ${(0.25 + 0.75 * share).toFixed(2)})`,
      stroke: cell.active_devices > 0 ? '#1b4f72' : '#b03a2e',
      'stroke-width': 1.5,
      'data-cell': cell.location,
      'data-devices': cell.devices,
      'data-active': cell.active_devices,
      class: 'cell',
    });
    polygon.append(svg('title', {}, `${cell.location}: ${cell.devices} device(s), ${cell.active_devices} active`));
    map.append(polygon);
  }
  return h('div', { class: 'grid' },
    card(title, map, h('p', { class: 'hint' }, 'Darker cells hold more devices; a red outline marks a cell with no active device.')),
    card('Cells', table(['cell', 'centre (lat, lng)', 'devices', 'active'], cells.map((c) => {
      const [lat, lng] = cellToLatLng(c.location);
      return [c.location, `${lat.toFixed(5)}, ${lng.toFixed(5)}`, int(c.devices), int(c.active_devices)];
    }), { 'data-testid': 'cells' })));
}
