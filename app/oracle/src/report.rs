//! What devices and routers send: reports as Borsh bodies, signed over a domain prefix per
//! kind followed by the body, so a report of one kind can never pass as another and one
//! body has exactly one encoding.
//!
//! | kind | signed by | message |
//! |---|---|---|
//! | heartbeat | the device key | `civnet/v1/heartbeat` ‖ borsh(Heartbeat) |
//! | usage receipt | the device key | `civnet/v1/usage/device` ‖ borsh(UsageReceipt) |
//! | usage receipt | the router key (countersigns) | `civnet/v1/usage/router` ‖ borsh(UsageReceipt) ‖ device signature |
//!
//! The router's countersignature covers the device's signature, so a router vouches for one
//! device-signed receipt, not for a body it could pair with any signature. On the wire a
//! report is the Borsh encoding of [`SignedReport`]; `POST /v1/reports` takes them base64
//! encoded in a JSON list.
use borsh::{BorshDeserialize, BorshSerialize};
// Device and router keys are Solana keypairs (the device key is the one proven at `issue_device`).
use civnet_client::{Keypair, Signer};

pub const REPORT_VERSION: u8 = 1;
pub const HEARTBEAT_DOMAIN: &[u8] = b"civnet/v1/heartbeat";
pub const USAGE_DEVICE_DOMAIN: &[u8] = b"civnet/v1/usage/device";
pub const USAGE_ROUTER_DOMAIN: &[u8] = b"civnet/v1/usage/router";
/// The largest report accepted (a usage receipt is 1 + 186 + 128 bytes).
pub const MAX_REPORT_BYTES: usize = 400;
/// Reports per `POST /v1/reports`.
pub const MAX_BATCH_REPORTS: usize = 10_000;
/// Bytes per `POST /v1/reports` body (base64 and JSON around 10,000 receipts).
pub const MAX_BATCH_BYTES: usize = 6 * 1024 * 1024;

/// "This device is up": one counts per device and slice of the epoch.
#[derive(BorshSerialize, BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub version: u8,
    pub sub_network: [u8; 32],
    pub device_key: [u8; 32],
    /// The device's clock (unix seconds); must be near the oracle's receive time.
    pub timestamp: i64,
    /// From `GET /v1/entropy`: proves the heartbeat was made after that entropy existed.
    pub entropy: [u8; 32],
}

/// Customer traffic a device carried for a router, paid from the router's DC escrow.
#[derive(BorshSerialize, BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageReceipt {
    pub version: u8,
    pub sub_network: [u8; 32],
    pub device_key: [u8; 32],
    pub router_key: [u8; 32],
    /// The data_credits `DelegatedEscrow` the router burns from (router key = the router's
    /// public key in base58).
    pub payer: [u8; 32],
    /// Unique per sub-network, across routers.
    pub session_id: [u8; 16],
    pub bytes: u64,
    pub dc: u64,
    pub started_at: i64,
    pub ended_at: i64,
}

#[derive(BorshSerialize, BorshDeserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedReport {
    Heartbeat { body: Heartbeat, signature: [u8; 64] },
    Usage { body: UsageReceipt, device_signature: [u8; 64], router_signature: [u8; 64] },
}

impl SignedReport {
    pub fn encode(&self) -> Vec<u8> {
        borsh::to_vec(self).expect("a report serializes")
    }

    pub fn kind(&self) -> &'static str {
        match self {
            SignedReport::Heartbeat { .. } => "heartbeat",
            SignedReport::Usage { .. } => "usage",
        }
    }

    pub fn device_key(&self) -> [u8; 32] {
        match self {
            SignedReport::Heartbeat { body, .. } => body.device_key,
            SignedReport::Usage { body, .. } => body.device_key,
        }
    }

    pub fn sub_network(&self) -> [u8; 32] {
        match self {
            SignedReport::Heartbeat { body, .. } => body.sub_network,
            SignedReport::Usage { body, .. } => body.sub_network,
        }
    }

    pub fn version(&self) -> u8 {
        match self {
            SignedReport::Heartbeat { body, .. } => body.version,
            SignedReport::Usage { body, .. } => body.version,
        }
    }
}

pub fn heartbeat_message(body: &Heartbeat) -> Vec<u8> {
    [HEARTBEAT_DOMAIN, &borsh::to_vec(body).expect("serializes")].concat()
}

pub fn usage_device_message(body: &UsageReceipt) -> Vec<u8> {
    [USAGE_DEVICE_DOMAIN, &borsh::to_vec(body).expect("serializes")].concat()
}

pub fn usage_router_message(body: &UsageReceipt, device_signature: &[u8; 64]) -> Vec<u8> {
    [USAGE_ROUTER_DOMAIN, &borsh::to_vec(body).expect("serializes"), device_signature.as_slice()].concat()
}

fn sign(keypair: &Keypair, message: &[u8]) -> [u8; 64] {
    *keypair.sign_message(message).as_array()
}

/// A heartbeat signed by `device`.
pub fn signed_heartbeat(device: &Keypair, sub_network: [u8; 32], timestamp: i64, entropy: [u8; 32]) -> SignedReport {
    let body = Heartbeat { version: REPORT_VERSION, sub_network, device_key: device.pubkey().to_bytes(), timestamp, entropy };
    SignedReport::Heartbeat { body, signature: sign(device, &heartbeat_message(&body)) }
}

/// A usage receipt signed by `device` and countersigned by `router`.
pub fn signed_usage(device: &Keypair, router: &Keypair, body: UsageReceipt) -> SignedReport {
    let device_signature = sign(device, &usage_device_message(&body));
    let router_signature = sign(router, &usage_router_message(&body, &device_signature));
    SignedReport::Usage { body, device_signature, router_signature }
}

/// Why a report's bytes are not a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    Oversized,
    Malformed,
    UnsupportedVersion,
}

/// Size first, then Borsh (every byte consumed), then the version.
pub fn decode(bytes: &[u8]) -> Result<SignedReport, DecodeError> {
    if bytes.len() > MAX_REPORT_BYTES {
        return Err(DecodeError::Oversized);
    }
    let report: SignedReport = borsh::from_slice(bytes).map_err(|_| DecodeError::Malformed)?;
    if report.version() != REPORT_VERSION {
        return Err(DecodeError::UnsupportedVersion);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_and_trailing_or_missing_bytes_are_malformed() {
        let device = Keypair::new();
        let report = signed_heartbeat(&device, [7; 32], 1_000, [9; 32]);
        let bytes = report.encode();
        assert_eq!(decode(&bytes), Ok(report));
        assert_eq!(decode(&[bytes.as_slice(), &[0]].concat()), Err(DecodeError::Malformed));
        assert_eq!(decode(&bytes[..bytes.len() - 1]), Err(DecodeError::Malformed));
        assert_eq!(decode(&vec![0; MAX_REPORT_BYTES + 1]), Err(DecodeError::Oversized));
        let SignedReport::Heartbeat { mut body, signature } = report else { unreachable!() };
        body.version = 2;
        assert_eq!(decode(&SignedReport::Heartbeat { body, signature }.encode()), Err(DecodeError::UnsupportedVersion));
    }

    #[test]
    fn each_kind_signs_under_its_own_domain() {
        let body = UsageReceipt { version: 1, sub_network: [1; 32], device_key: [2; 32], router_key: [3; 32], payer: [4; 32], session_id: [5; 16], bytes: 6, dc: 7, started_at: 8, ended_at: 9 };
        let device = usage_device_message(&body);
        let router = usage_router_message(&body, &[0; 64]);
        assert!(device.starts_with(USAGE_DEVICE_DOMAIN) && router.starts_with(USAGE_ROUTER_DOMAIN));
        assert_ne!(device, router[..device.len()], "the device's message is no prefix of the router's");
        assert!(SignedReport::Usage { body, device_signature: [0; 64], router_signature: [0; 64] }.encode().len() <= MAX_REPORT_BYTES);
    }
}
