//! Sealing values the client must carry back untouched (the stateless era's `requestState`):
//! authenticated encryption (XChaCha20-Poly1305) under a key ring shared by every replica.
//!
//! A sealed value is `v1.<kid>.<base64url(nonce ‖ ciphertext)>`. The first key of the ring
//! seals; every key opens, so keys rotate without breaking values in flight: add the new key
//! first, keep the old one until everything it sealed has expired. The plaintext carries an
//! expiry, and the caller's *binding* (what the value belongs to: method, target, principal)
//! is authenticated as associated data, so a value presented elsewhere does not open.
//!
//! Confidentiality matters here, not only integrity: a request state carries the user's earlier
//! answers (elicited form data, sampled text).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    Key, XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use service_kit::config::ConfigError;

const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;

/// Why a sealed value was refused. The distinction is for logs; clients get one error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// Not something this server produces.
    #[error("malformed sealed value")]
    Malformed,
    /// Sealed under a key this ring does not hold (rotated out, or another deployment).
    #[error("sealed under an unknown key")]
    UnknownKey,
    /// Tampered with, or presented for something it was not sealed for.
    #[error("sealed value failed authentication")]
    Forged,
    /// Past its expiry.
    #[error("sealed value expired")]
    Expired,
}

/// One named 256-bit key.
#[derive(Clone)]
struct NamedKey {
    kid: String,
    cipher: XChaCha20Poly1305,
}

/// The keys of `MCP_STATE_KEYS`: the first seals, all open.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<NamedKey>,
    /// Whether the ring was generated in this process (valid for this replica only).
    ephemeral: bool,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|key| key.kid.as_str()).collect();
        f.debug_struct("KeyRing")
            .field("kids", &kids)
            .field("ephemeral", &self.ephemeral)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    /// Expiry, seconds since the Unix epoch.
    exp: u64,
    value: T,
}

impl KeyRing {
    /// Parses `kid:base64-32-byte-key[,kid:key…]` (standard or URL-safe base64).
    pub fn parse(setting: &str) -> Result<Self, ConfigError> {
        let mut keys: Vec<NamedKey> = Vec::new();
        for item in setting
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let invalid = |why: &str| {
                ConfigError::new(format!(
                    "MCP_STATE_KEYS: {why} (entries are kid:base64-of-32-bytes)"
                ))
            };
            let (kid, encoded) = item
                .split_once(':')
                .ok_or_else(|| invalid("an entry has no ':'"))?;
            let kid_ok = !kid.is_empty()
                && kid.len() <= 32
                && kid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !kid_ok {
                return Err(invalid("key ids are 1-32 letters, digits, '-' or '_'"));
            }
            if keys.iter().any(|key| key.kid == kid) {
                return Err(invalid("a key id appears twice"));
            }
            let bytes = decode_key(encoded.trim())
                .ok_or_else(|| invalid("a key is not base64 of exactly 32 bytes"))?;
            keys.push(NamedKey {
                kid: kid.to_owned(),
                cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
            });
        }
        if keys.is_empty() {
            return Err(ConfigError::new("MCP_STATE_KEYS: no keys given"));
        }
        Ok(Self {
            keys,
            ephemeral: false,
        })
    }

    /// A ring with one random key, for a single process.
    pub fn ephemeral() -> Self {
        let bytes: [u8; 32] = rand::random();
        let kid = format!("local-{:08x}", rand::random::<u32>());
        Self {
            keys: vec![NamedKey {
                kid,
                cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
            }],
            ephemeral: true,
        }
    }

    /// Whether the ring was generated in this process (other replicas cannot open its values).
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }

    /// Seals `value` for `ttl`, bound to `binding`.
    pub fn seal<T: Serialize>(&self, value: &T, binding: &[u8], ttl: Duration) -> String {
        self.seal_at(value, binding, now_secs() + ttl.as_secs())
    }

    fn seal_at<T: Serialize>(&self, value: &T, binding: &[u8], exp: u64) -> String {
        let key = &self.keys[0];
        let plaintext = serde_json::to_vec(&Envelope { exp, value }).unwrap_or_default();
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated_data(&key.kid, binding);
        let payload = Payload {
            msg: &plaintext,
            aad: &aad,
        };
        let Ok(ciphertext) = key.cipher.encrypt(XNonce::from_slice(&nonce), payload) else {
            // Encryption with a valid key and nonce does not fail.
            unreachable!("XChaCha20-Poly1305 encryption failed");
        };
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{VERSION}.{}.{}", key.kid, URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens a sealed value, checking its key, integrity, binding and expiry.
    pub fn open<T: DeserializeOwned>(&self, sealed: &str, binding: &[u8]) -> Result<T, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(kid), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::Malformed);
        };
        let key = self
            .keys
            .iter()
            .find(|key| key.kid == kid)
            .ok_or(SealError::UnknownKey)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let aad = associated_data(kid, binding);
        let plaintext = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Forged)?;
        let envelope: Envelope<T> =
            serde_json::from_slice(&plaintext).map_err(|_| SealError::Malformed)?;
        if envelope.exp <= now_secs() {
            return Err(SealError::Expired);
        }
        Ok(envelope.value)
    }
}

fn associated_data(kid: &str, binding: &[u8]) -> Vec<u8> {
    let mut aad = format!("mcp-request-state/{VERSION}/{kid}/").into_bytes();
    aad.extend_from_slice(binding);
    aad
}

fn decode_key(encoded: &str) -> Option<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
        .ok()?;
    bytes.try_into().ok()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
