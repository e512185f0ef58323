// civnet in the browser: a hash router over the explorer's pages and the wallet page. The
// wallet page (Anchor client, web3.js, Wallet Standard) and the map (h3-js) are loaded only
// when opened, so the explorer's first paint stays small.
import './style.css';
import { h, errorBox } from './ui';
import { networkPage } from './explorer/network';
import { subNetworksPage, subNetworkPage } from './explorer/subnetwork';
import { devicesPage, devicePage } from './explorer/device';

type Render = (params: string[]) => Promise<Node>;

const routes: [RegExp, string, Render][] = [
  [/^\/?$/, 'network', () => networkPage()],
  [/^\/network$/, 'network', () => networkPage()],
  [/^\/sub-networks$/, 'sub-networks', () => subNetworksPage()],
  [/^\/sub-networks\/([^/]+)$/, 'sub-networks', ([name]) => subNetworkPage(decodeURIComponent(name ?? ''))],
  [/^\/map$/, 'map', async () => (await import('./explorer/map')).mapPage()],
  [/^\/devices$/, 'devices', () => devicesPage()],
  [/^\/devices\/([^/]+)$/, 'devices', ([id]) => devicePage(decodeURIComponent(id ?? ''))],
  [/^\/wallet$/, 'wallet', async () => (await import('./wallet/page')).walletPage()],
];

let rendering = 0;

async function render(): Promise<void> {
  const app = document.getElementById('app');
  if (!app) return;
  const path = location.hash.replace(/^#/, '').split('?')[0] ?? '';
  const found = routes.find(([pattern]) => pattern.test(path));
  const turn = ++rendering;
  document.querySelectorAll<HTMLAnchorElement>('nav a').forEach((a) => a.classList.toggle('active', a.dataset.nav === found?.[1]));
  app.setAttribute('aria-busy', 'true');
  let content: Node;
  try {
    content = found ? await found[2](path.match(found[0])?.slice(1) ?? []) : h('p', {}, `No page ${path}`);
  } catch (e) {
    content = errorBox(e instanceof Error ? e.message : String(e), 'page-error');
  }
  if (turn !== rendering) return;
  app.replaceChildren(content);
  app.removeAttribute('aria-busy');
  app.dataset.page = found?.[1] ?? 'none';
}

window.addEventListener('hashchange', () => void render());
void render();
