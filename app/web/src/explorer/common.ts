import { indexer, type NetworkOverview } from '../api';

/** The network the pages show: `?network=` in the hash, else the first one indexed. */
export async function currentNetwork(): Promise<NetworkOverview> {
  const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('network');
  const { items } = await indexer.networks();
  const network = wanted ? items.find((n) => n.address === wanted) : items[0];
  if (!network) throw new Error(wanted ? `network ${wanted} is not indexed` : 'no network indexed yet: is `civnet index` following the right cluster?');
  return network;
}

export function decimalsOf(network: NetworkOverview): number {
  return network.dc_config?.network_mint_decimals ?? 0;
}
