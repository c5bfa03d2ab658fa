//! The ES256 keys that sign JWT access tokens: loaded from PEM files named in configuration
//! (the first signs, all are published, so a new key can be put first while the old one stays
//! published until its tokens expire), or generated once and kept in the store so that every
//! replica, and the next start, signs with the same key.

use std::path::PathBuf;

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header,
    jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash},
};
use p256::{
    SecretKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding},
};
use serde::{Deserialize, Serialize};

use crate::store::{Key, Kind, Store, StoreError};

/// A key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A configured file could not be read.
    #[error("OAUTH_SIGNING_KEYS: cannot read {path}: {error}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Not a P-256 private key in PEM (PKCS#8 or SEC1).
    #[error(
        "OAUTH_SIGNING_KEYS: key {kid:?} is not a P-256 private key in PEM (make one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`)"
    )]
    NotP256 {
        /// The key id.
        kid: String,
    },
    /// The crypto library refused the key.
    #[error("signing key {kid:?}: {error}")]
    Crypto {
        /// The key id.
        kid: String,
        /// Why.
        error: jsonwebtoken::errors::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One key pair.
#[derive(Clone)]
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    public: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn new(kid: Option<String>, secret: &SecretKey) -> Result<Self, KeyError> {
        let crypto = |kid: &str, error| KeyError::Crypto {
            kid: kid.to_owned(),
            error,
        };
        let label = kid.clone().unwrap_or_default();
        let der = secret
            .to_pkcs8_der()
            .map_err(|_| KeyError::NotP256 { kid: label.clone() })?;
        let encoding = EncodingKey::from_ec_der(der.as_bytes());
        let mut public = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
            .map_err(|error| crypto(&label, error))?;
        let kid = match kid {
            Some(kid) => kid,
            None => public
                .thumbprint(ThumbprintHash::SHA256)
                .map_err(|error| crypto(&label, error))?,
        };
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        public.common.key_algorithm = Some(KeyAlgorithm::ES256);
        Ok(Self {
            kid,
            encoding,
            public,
        })
    }
}

/// A generated key as kept in the store.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    pkcs8_pem: String,
}

/// The signing key and every published key.
#[derive(Debug, Clone)]
pub struct KeySet {
    signing: SigningKey,
    published: Vec<SigningKey>,
}

impl KeySet {
    /// Loads the configured keys (`kid`, PEM file), the first signing.
    pub fn from_files(files: &[(String, PathBuf)]) -> Result<Option<Self>, KeyError> {
        let mut keys = Vec::new();
        for (kid, path) in files {
            let pem = std::fs::read_to_string(path).map_err(|error| KeyError::Unreadable {
                path: path.clone(),
                error,
            })?;
            let secret = SecretKey::from_pkcs8_pem(&pem)
                .or_else(|_| SecretKey::from_sec1_pem(&pem))
                .map_err(|_| KeyError::NotP256 { kid: kid.clone() })?;
            keys.push(SigningKey::new(Some(kid.clone()), &secret)?);
        }
        Ok(keys.first().cloned().map(|signing| Self {
            signing,
            published: keys,
        }))
    }

    /// The key kept in `store`, generating and storing one if there is none yet (if two
    /// replicas race, both end up with the one stored first).
    pub async fn load_or_generate(store: &Store) -> Result<Self, KeyError> {
        let key = Key::new(Kind::SigningKeys, "generated");
        let fresh = loop {
            if let Ok(secret) = SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break secret;
            }
        };
        let pem = fresh
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| KeyError::NotP256 {
                kid: "generated".into(),
            })?;
        store
            .insert(
                &key,
                &StoredKey {
                    pkcs8_pem: pem.to_string(),
                },
                None,
            )
            .await?;
        let stored: StoredKey = store
            .get(&key)
            .await?
            .ok_or_else(|| StoreError("the generated signing key vanished".into()))?;
        let secret =
            SecretKey::from_pkcs8_pem(&stored.pkcs8_pem).map_err(|_| KeyError::NotP256 {
                kid: "generated".into(),
            })?;
        let signing = SigningKey::new(None, &secret)?;
        Ok(Self {
            published: vec![signing.clone()],
            signing,
        })
    }

    /// The public keys, for `/jwks`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .published
                .iter()
                .map(|key| key.public.clone())
                .collect(),
        }
    }

    /// Signs `claims` as an RFC 9068 access token (`typ: at+jwt`, ES256, `kid`).
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(self.signing.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing.encoding)
    }

    /// The verification key for `kid`, if published.
    pub fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        self.published
            .iter()
            .find(|key| key.kid == kid)
            .and_then(|key| DecodingKey::from_jwk(&key.public).ok())
    }

    /// The id of the signing key.
    pub fn signing_kid(&self) -> &str {
        &self.signing.kid
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jsonwebtoken::{Validation, decode, decode_header};
    use serde_json::{Value, json};

    use super::*;
    use crate::store::MemoryRecords;

    #[tokio::test]
    async fn a_generated_key_is_kept_and_shared() {
        let store = Store::new(Arc::new(MemoryRecords::new()));
        let first = KeySet::load_or_generate(&store).await.unwrap();
        let second = KeySet::load_or_generate(&store).await.unwrap();
        assert_eq!(first.signing_kid(), second.signing_kid());
        let jwks = serde_json::to_value(first.jwks()).unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "EC");
        assert_eq!(jwks["keys"][0]["crv"], "P-256");
        assert_eq!(jwks["keys"][0]["alg"], "ES256");
        assert!(
            jwks["keys"][0].get("d").is_none(),
            "no private part is published"
        );
    }

    #[tokio::test]
    async fn signed_tokens_verify_with_the_published_key() {
        let store = Store::new(Arc::new(MemoryRecords::new()));
        let keys = KeySet::load_or_generate(&store).await.unwrap();
        let token = keys
            .sign(&json!({"sub": "x", "exp": 4_000_000_000u64}))
            .unwrap();
        let header = decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let kid = header.kid.unwrap();
        let key = keys.decoding_key(&kid).unwrap();
        let claims = decode::<Value>(&token, &key, &Validation::new(Algorithm::ES256)).unwrap();
        assert_eq!(claims.claims["sub"], "x");
    }

    #[test]
    fn configured_keys_keep_their_ids_and_order() {
        let dir = std::env::temp_dir().join(format!("keys-{:x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = Vec::new();
        for kid in ["new", "old"] {
            let secret = SecretKey::from_slice(&[7u8; 32]).unwrap();
            let path = dir.join(format!("{kid}.pem"));
            std::fs::write(
                &path,
                secret.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
            )
            .unwrap();
            files.push((kid.to_owned(), path));
        }
        let keys = KeySet::from_files(&files).unwrap().unwrap();
        assert_eq!(keys.signing_kid(), "new");
        let kids: Vec<_> = keys
            .jwks()
            .keys
            .iter()
            .map(|k| k.common.key_id.clone().unwrap())
            .collect();
        assert_eq!(kids, ["new", "old"]);
        std::fs::write(dir.join("bad.pem"), "not a key").unwrap();
        let bad = KeySet::from_files(&[("bad".into(), dir.join("bad.pem"))]);
        assert!(matches!(bad, Err(KeyError::NotP256 { .. })));
        assert!(KeySet::from_files(&[]).unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
