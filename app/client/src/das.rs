//! A client of the Digital Asset Standard (DAS) JSON-RPC read API (`getAsset`,
//! `getAssetProof`), as civnet's indexer serves it and public DAS providers do: what a wallet
//! needs to prove it holds a device cNFT without rescanning the tree's history.
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use std::time::Duration;

/// A cNFT's leaf as DAS describes it (`compression` and `ownership` of `getAsset`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DasAsset {
    pub id: Pubkey,
    pub owner: Pubkey,
    /// The leaf delegate (the owner when none is set).
    pub delegate: Pubkey,
    pub tree: Pubkey,
    pub leaf_id: u32,
    pub data_hash: [u8; 32],
    pub creator_hash: [u8; 32],
    pub burnt: bool,
}

/// `getAssetProof`: the leaf, its sibling nodes leaf to root (the tree's full depth), the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DasProof {
    pub root: [u8; 32],
    pub leaf: [u8; 32],
    pub proof: Vec<[u8; 32]>,
    pub node_index: u64,
    pub tree: Pubkey,
}

/// One JSON-RPC call to the DAS endpoint at `url`; its error message when it answers one.
pub fn call(url: &str, method: &str, params: Value) -> Result<Value, String> {
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response: Value = match ureq::post(url).timeout(Duration::from_secs(30)).send_json(request) {
        Ok(response) => response.into_json().map_err(|e| format!("{url}: not JSON: {e}"))?,
        Err(ureq::Error::Status(code, response)) => response.into_json().map_err(|_| format!("{url}: HTTP {code}"))?,
        Err(e) => return Err(format!("cannot reach the DAS endpoint {url}: {e}")),
    };
    if let Some(error) = response.get("error") {
        return Err(format!("{method}: {} (DAS error {})", error["message"].as_str().unwrap_or("?"), error["code"]));
    }
    Ok(response["result"].clone())
}

fn key(value: &Value, what: &str) -> Result<Pubkey, String> {
    value.as_str().and_then(|k| k.parse().ok()).ok_or_else(|| format!("the DAS answer's {what} is not a public key: {value}"))
}

fn hash(value: &Value, what: &str) -> Result<[u8; 32], String> {
    value.as_str().and_then(|h| bs58::decode(h).into_vec().ok()).and_then(|b| b.try_into().ok()).ok_or_else(|| format!("the DAS answer's {what} is not a 32-byte base58 hash: {value}"))
}

pub fn get_asset(url: &str, id: &Pubkey) -> Result<DasAsset, String> {
    let asset = call(url, "getAsset", json!({"id": id.to_string()}))?;
    let compression = &asset["compression"];
    let owner = key(&asset["ownership"]["owner"], "owner")?;
    Ok(DasAsset {
        id: key(&asset["id"], "id")?,
        owner,
        delegate: if asset["ownership"]["delegate"].is_null() { owner } else { key(&asset["ownership"]["delegate"], "delegate")? },
        tree: key(&compression["tree"], "tree")?,
        leaf_id: compression["leaf_id"].as_u64().and_then(|l| u32::try_from(l).ok()).ok_or("the DAS answer has no leaf_id")?,
        data_hash: hash(&compression["data_hash"], "data_hash")?,
        creator_hash: hash(&compression["creator_hash"], "creator_hash")?,
        burnt: asset["burnt"].as_bool().unwrap_or(false),
    })
}

pub fn get_asset_proof(url: &str, id: &Pubkey) -> Result<DasProof, String> {
    let answer = call(url, "getAssetProof", json!({"id": id.to_string()}))?;
    Ok(DasProof {
        root: hash(&answer["root"], "root")?,
        leaf: hash(&answer["leaf"], "leaf")?,
        proof: answer["proof"].as_array().ok_or("the DAS answer has no proof")?.iter().map(|n| hash(n, "proof node")).collect::<Result<_, _>>()?,
        node_index: answer["node_index"].as_u64().ok_or("the DAS answer has no node_index")?,
        tree: key(&answer["tree_id"], "tree_id")?,
    })
}

/// What `owner` needs to prove it holds cNFT `id`: the leaf fields civnet's instructions take
/// and the proof nodes below a canopy of `canopy_depth` levels, from `asset` and `proof` (of
/// the same asset, as DAS answered). Checks that the answer is self-consistent (the leaf DAS
/// sent is the hash of the fields it sent, the proof leads to its root) and that `owner`
/// holds the asset.
pub fn ownership(asset: &DasAsset, proof: &DasProof, owner: &Pubkey, canopy_depth: u32) -> Result<(emissions::cnft::CnftLeaf, Vec<[u8; 32]>), String> {
    if asset.burnt {
        return Err(format!("asset {} was burnt", asset.id));
    }
    if asset.owner != *owner {
        return Err(format!("{owner} does not hold the cNFT {} (DAS says its owner is {})", asset.id, asset.owner));
    }
    if proof.tree != asset.tree {
        return Err(format!("the proof is of tree {}, the asset is in {}", proof.tree, asset.tree));
    }
    let leaf = emissions::cnft::CnftLeaf {
        root: proof.root,
        delegate: asset.delegate,
        nonce: u64::from(asset.leaf_id),
        index: asset.leaf_id,
        data_hash: asset.data_hash,
        creator_hash: asset.creator_hash,
    };
    if crate::registry::leaf_hash(&asset.id, owner, &leaf) != proof.leaf {
        return Err(format!("the DAS leaf of {} is not the hash of its fields (the endpoint's asset and proof disagree)", asset.id));
    }
    let depth = proof.proof.len() as u32;
    let computed = proof.proof.iter().enumerate().fold(proof.leaf, |node, (level, sibling)| {
        if (u64::from(asset.leaf_id) >> level) & 1 == 0 { solana_keccak_hasher::hashv(&[&node, sibling]).to_bytes() } else { solana_keccak_hasher::hashv(&[sibling, &node]).to_bytes() }
    });
    if computed != proof.root || proof.node_index != (1u64 << depth) + u64::from(asset.leaf_id) {
        return Err(format!("the DAS proof of {} does not lead from its leaf to its root", asset.id));
    }
    let mut nodes = proof.proof.clone();
    nodes.truncate(depth.saturating_sub(canopy_depth) as usize);
    Ok((leaf, nodes))
}
