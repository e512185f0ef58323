// Small DOM helpers: elements from data (text is always set as text, never parsed as HTML),
// number formatting, and SVG charts drawn by hand (no chart library: the bundle stays small).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** An integer with thousands separators. */
export function int(value: number | string | bigint | null | undefined): string {
  if (value === null || value === undefined || value === '') return '–';
  return BigInt(value).toLocaleString('en-US');
}

/** Base units of a token with `decimals` as a decimal string (exact: bigint arithmetic). */
export function tokens(value: number | string | bigint | null | undefined, decimals: number): string {
  if (value === null || value === undefined) return '–';
  const raw = BigInt(value);
  const negative = raw < 0n;
  const abs = negative ? -raw : raw;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toLocaleString('en-US');
  const fraction = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}

/** A figure whose exact value (base units) is kept in `data-value` for tests and copy-paste. */
export function figure(testid: string, value: number | string | bigint | null | undefined, shown: string): HTMLElement {
  return h('span', { 'data-testid': testid, 'data-value': value === null || value === undefined ? '' : String(value) }, shown);
}

export function duration(secs: number): string {
  if (secs <= 0) return 'ended';
  const d = Math.floor(secs / 86400), hr = Math.floor((secs % 86400) / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
  return [d ? `${d}d` : '', hr ? `${hr}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}

export function short(address: string | null | undefined): string {
  if (!address) return '–';
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}

export function table(headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLTableElement {
  return h('table', attrs, h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

export interface Series {
  name: string;
  color: string;
  /** Values per x; the exact ones are kept as strings (u128 scores). */
  values: (string | number)[];
}

/** Grouped bars over epochs, one group per x, one bar per series; the exact value in each bar's title. */
export function barChart(testid: string, xs: (string | number)[], series: Series[], height = 160): HTMLElement {
  const width = Math.max(320, xs.length * (series.length * 14 + 10) + 50);
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => Number(v))));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 24}`, width, height: height + 24, role: 'img', 'data-testid': testid });
  chart.append(svg('line', { x1: 40, y1: height, x2: width, y2: height, stroke: '#888' }));
  chart.append(svg('text', { x: 0, y: 12, 'font-size': 10, fill: '#555' }, compact(max)));
  xs.forEach((x, i) => {
    const groupX = 44 + i * (series.length * 14 + 10);
    series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const barHeight = (Number(value) / max) * (height - 16);
      const bar = svg('rect', { x: groupX + j * 14, y: height - barHeight, width: 12, height: Math.max(barHeight, 0), fill: s.color, 'data-series': s.name, 'data-x': x, 'data-value': String(value) });
      bar.append(svg('title', {}, `${s.name}, epoch ${x}: ${int(typeof value === 'number' ? Math.round(value) : value)}`));
      chart.append(bar);
    });
    chart.append(svg('text', { x: groupX, y: height + 14, 'font-size': 10, fill: '#555' }, String(x)));
  });
  const legend = h('div', { class: 'legend' }, ...series.map((s) => h('span', {}, h('i', { style: `background:${s.color}` }), s.name)));
  return h('figure', { class: 'chart' }, chart, legend);
}

function compact(n: number): string {
  return Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function errorBox(message: string, testid = 'error'): HTMLElement {
  return h('p', { class: 'error', 'data-testid': testid, role: 'alert' }, message);
}
