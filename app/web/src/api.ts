// The services' HTTP APIs: the indexer's JSON routes and DAS read API (same origin: `civnet
// index --serve` serves this page) and the rewards oracle's. Everything shown is what these
// services computed; the page adds no business formula of its own.

export interface Config {
  rpc: string;
  oracle: string | null;
  das: string;
}

let config: Config | null = null;

export async function loadConfig(): Promise<Config> {
  if (!config) {
    const answer = await fetch('config.json');
    if (!answer.ok) throw new Error(`config.json: ${answer.status}`);
    config = (await answer.json()) as Config;
  }
  return config;
}

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const answer = await fetch(url);
  const body = (await answer.json().catch(() => ({}))) as { error?: string };
  if (!answer.ok) throw new ApiError(answer.status, body.error ?? `${url}: HTTP ${answer.status}`);
  return body as T;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ScheduleStep {
  start_epoch: number;
  tokens_per_epoch: number;
}

export interface NetworkOverview {
  address: string;
  authority: string;
  token_mint: string;
  epoch_length_secs: number;
  start_epoch: number;
  max_issuance_per_epoch: number;
  total_issued: number;
  emission_schedule: ScheduleStep[];
  now: number;
  current_epoch: number;
  epoch_ends_at: number;
  emission_now: number;
  next_change: { epoch: number; tokens_per_epoch: number; starts_at: number } | null;
  totals: {
    issued: number;
    claimed: number;
    dc_minted: number | null;
    tokens_burned_for_dc: number | null;
    dc_burned_for_usage: number;
    dc_burned_for_fees: number;
    dc_burned: number;
    devices: number;
    active_devices: number;
    sub_networks: number;
  };
  dc_config: { address: string; dc_mint: string; network_mint_decimals: number } | null;
}

export interface FlywheelEpoch {
  epoch: number;
  scored: boolean;
  emission: number;
  tokens_issued: number;
  tokens_burned_for_dc: number;
  net_emission: number | string;
  dc_minted: number;
  dc_burned: number;
  devices_added: number;
}

export interface SubNetwork {
  address: string;
  network: string;
  idx: number;
  name: string;
  rewards_oracle: string;
  rewards_escrow: string;
  onboarding_fee_dc: number;
  location_fee_dc: number;
  total_issued: number;
  total_claimed: number;
  active_devices: number | null;
  total_dc_burned: number | null;
  fees_dc_burned: number | null;
  devices_onboarded: number | null;
  sub_network_devices: string | null;
  sub_network_burns: string | null;
  rewards_root: string | null;
}

export interface SubNetworkEpoch {
  epoch: number;
  active_devices: number;
  dc_burned: number;
  utility_score: string;
  issued: number;
}

export interface Maker {
  address: string;
  name: string;
  authority: string;
  approved: boolean;
  merkle_tree: string | null;
  devices_issued: number;
  tree_devices: number;
}

export interface Device {
  address: string;
  asset_id: string;
  device_key: string | null;
  owner: string | null;
  maker: string | null;
  maker_name: string | null;
  sub_network: string | null;
  sub_network_name: string | null;
  location: string | null;
  active: boolean;
  elevation: number;
  gain: number;
  total_claimed: number | null;
}

export interface Cell {
  location: string;
  devices: number;
  active_devices: number;
}

export const indexer = {
  networks: () => getJson<{ items: NetworkOverview[]; now: number }>('networks'),
  flywheel: (network: string) => getJson<{ items: FlywheelEpoch[] }>(`networks/${network}/epochs`),
  subNetworks: (network: string) => getJson<Page<SubNetwork>>(`sub-networks?network=${network}&limit=1000`),
  subNetworkEpochs: (name: string, network: string) => getJson<Page<SubNetworkEpoch>>(`sub-networks/${encodeURIComponent(name)}/epochs?network=${network}&limit=1000`),
  makers: (network: string) => getJson<Page<Maker>>(`makers?network=${network}&limit=1000`),
  devices: (offset = 0) => getJson<Page<Device>>(`devices?limit=100&offset=${offset}`),
  device: (id: string) => getJson<Device>(`devices/${encodeURIComponent(id)}`),
  cells: (network: string, subNetwork?: string) => getJson<Page<Cell>>(`cells?network=${network}${subNetwork ? `&sub_network=${encodeURIComponent(subNetwork)}` : ''}`),
};

/** The oracle's proof of a device's cumulative reward (`GET /v1/rewards/{id}`). */
export interface RewardProof {
  sub_network: string;
  epoch: number;
  asset_id: string;
  device_key: string;
  cumulative_amount: number;
  root: string;
  leaf_index: number;
  proof: string[];
  claimed: number;
  claimable: number;
}

/** The device's reward proof, or null when the oracle has none for it (it never earned). */
export async function rewardProof(id: string): Promise<RewardProof | null> {
  const { oracle } = await loadConfig();
  if (!oracle) throw new ApiError(0, 'no oracle configured (civnet index --oracle URL)');
  try {
    return await getJson<RewardProof>(`${oracle.replace(/\/$/, '')}/v1/rewards/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

// DAS (Metaplex Digital Asset Standard) JSON-RPC: the read API wallets use for cNFTs.

export interface DasAsset {
  id: string;
  content: { json_uri: string; metadata: { name: string; symbol: string } };
  compression: { data_hash: string; creator_hash: string; asset_hash: string; tree: string; leaf_id: number; seq: number; compressed: boolean };
  ownership: { owner: string; delegate: string | null; delegated: boolean };
  burnt: boolean;
}

export interface DasProof {
  root: string;
  proof: string[];
  node_index: number;
  leaf: string;
  tree_id: string;
}

let dasId = 0;

async function das<T>(method: string, params: unknown): Promise<T> {
  const { das: url } = await loadConfig();
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++dasId, method, params }) });
  const body = (await answer.json()) as { result?: T; error?: { message: string } };
  if (body.error || body.result === undefined) throw new ApiError(answer.status, `${method}: ${body.error?.message ?? 'no result'}`);
  return body.result;
}

export const dasApi = {
  assetsByOwner: (owner: string) => das<{ total: number; items: DasAsset[] }>('getAssetsByOwner', { ownerAddress: owner, page: 1, limit: 1000 }),
  asset: (id: string) => das<DasAsset>('getAsset', { id }),
  assetProof: (id: string) => das<DasProof>('getAssetProof', { id }),
};
