//! JWT mode (RFC 9068): tokens signed by a test issuer whose JWKS this test serves and rotates,
//! every way a token can be wrong, and the real demo authorization server issuing JWTs.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{Json, extract::State, routing::get};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet, KeyAlgorithm},
};
use p256::{
    SecretKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding},
};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::{
    helpers::{TestApp, spawn_app_with},
    oauth::{ALICE, RESOURCE, challenge, free_port, serve, spawn_as},
};

/// An ES256 signing key and its public half.
struct Key {
    kid: String,
    encoding: EncodingKey,
    public: Jwk,
    public_pem: String,
}

fn key(kid: &str) -> Key {
    let secret = SecretKey::from_slice(&rand::random::<[u8; 32]>()).unwrap();
    let encoding = EncodingKey::from_ec_der(secret.to_pkcs8_der().unwrap().as_bytes());
    let mut public = Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    public.common.key_id = Some(kid.to_owned());
    public.common.key_algorithm = Some(KeyAlgorithm::ES256);
    Key {
        kid: kid.to_owned(),
        encoding,
        public,
        public_pem: secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

/// A token issuer: a JWKS endpoint serving whatever keys the test publishes, counting fetches.
struct Issuer {
    base: String,
    published: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
    shutdown: CancellationToken,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[derive(Clone)]
struct Published {
    keys: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

async fn jwks(State(published): State<Published>) -> Json<JwkSet> {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = published.keys.lock().unwrap().clone();
    Json(JwkSet { keys })
}

async fn issuer(keys: &[&Key]) -> Issuer {
    let published = Published {
        keys: Arc::new(Mutex::new(
            keys.iter().map(|key| key.public.clone()).collect(),
        )),
        fetches: Arc::new(AtomicUsize::new(0)),
    };
    let app = axum::Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(published.clone());
    let (base, shutdown) = serve(app).await;
    Issuer {
        base,
        published: published.keys,
        fetches: published.fetches,
        shutdown,
    }
}

impl Issuer {
    fn publish(&self, key: &Key) {
        self.published.lock().unwrap().push(key.public.clone());
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Claims of a good access token from this issuer for the MCP server.
    fn claims(&self) -> Value {
        let now = now();
        json!({
            "iss": self.base,
            "aud": RESOURCE,
            "sub": "user-1",
            "client_id": "app-1",
            "scope": "mcp:tools profile",
            "iat": now,
            "exp": now + 300,
            "jti": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>()),
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `claims` signed by `key` with `typ`.
fn sign_typed(key: &Key, typ: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    header.typ = Some(typ.to_owned());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

fn sign(key: &Key, claims: &Value) -> String {
    sign_typed(key, "at+jwt", claims)
}

/// The MCP server in JWT mode trusting `issuer`, plus `extra` settings.
async fn spawn_verifying(issuer: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut pairs = vec![
        ("DISABLE_AUTH", "false"),
        ("AUTH_TOKEN_MODE", "jwt"),
        ("JWT_ISSUER", issuer),
        ("MCP_PUBLIC_URL", RESOURCE),
    ];
    pairs.extend_from_slice(extra);
    spawn_app_with(&pairs).await
}

/// The status and `WWW-Authenticate` of a `/mcp` request carrying `token`.
async fn outcome(app: &TestApp, token: &str) -> (u16, String) {
    let response = app.list_tools_with(Some(&format!("Bearer {token}"))).await;
    (response.status().as_u16(), challenge(&response))
}

#[tokio::test]
async fn a_well_formed_token_reaches_the_tools() {
    let signing = key("k1");
    let issuer = issuer(&[&signing]).await;
    let app = spawn_verifying(&issuer.base, &[]).await;
    let token = sign(&signing, &issuer.claims());
    let session = app.initialize_as(&token).await;
    assert_eq!(app.greet_as(&token, &session, "Jay").await, "Hello, Jay!");
    // `JWT_AUDIENCE` names a second accepted audience.
    let app = spawn_verifying(&issuer.base, &[("JWT_AUDIENCE", "api://mcp")]).await;
    let mut claims = issuer.claims();
    claims["aud"] = json!(["api://mcp", "https://elsewhere.example"]);
    let token = sign(&signing, &claims);
    let session = app.initialize_as(&token).await;
    assert_eq!(app.greet_as(&token, &session, "Kim").await, "Hello, Kim!");
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_as_invalid() {
    let signing = key("k1");
    let stranger = key("k-stranger");
    let issuer = issuer(&[&signing]).await;
    let app = spawn_verifying(&issuer.base, &[]).await;
    let changed = |field: &str, value: Value| {
        let mut claims = issuer.claims();
        claims[field] = value;
        claims
    };
    let without = |field: &str| {
        let mut claims = issuer.claims();
        claims.as_object_mut().unwrap().remove(field);
        claims
    };
    let good = sign(&signing, &issuer.claims());
    let (header, _) = good.split_once('.').unwrap();
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let payload = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&changed("sub", json!("someone-else"))).unwrap());
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#),
        URL_SAFE_NO_PAD.encode(issuer.claims().to_string())
    );
    // The public key used as an HMAC secret: the classic algorithm confusion.
    let confused = {
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some("k1".into());
        hs.typ = Some("at+jwt".into());
        jsonwebtoken::encode(
            &hs,
            &issuer.claims(),
            &EncodingKey::from_secret(signing.public_pem.as_bytes()),
        )
        .unwrap()
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            sign(&signing, &changed("exp", json!(now() - 120))),
        ),
        (
            "not yet valid",
            sign(&signing, &changed("nbf", json!(now() + 600))),
        ),
        (
            "for another audience",
            sign(&signing, &changed("aud", json!("http://other.example/mcp"))),
        ),
        (
            "from another issuer",
            sign(&signing, &changed("iss", json!("https://evil.example"))),
        ),
        ("without exp", sign(&signing, &without("exp"))),
        ("without aud", sign(&signing, &without("aud"))),
        (
            "an ID token (typ JWT)",
            sign_typed(&signing, "JWT", &issuer.claims()),
        ),
        (
            "signed by an unpublished key",
            sign(&stranger, &issuer.claims()),
        ),
        ("tampered", tampered),
        ("alg none", unsigned),
        ("HS256 keyed with the public key", confused),
        ("not a JWT", format!("{header}.garbage")),
    ];
    for (case, token) in cases {
        let (status, www_authenticate) = outcome(&app, &token).await;
        assert_eq!(status, 401, "{case}");
        assert!(
            www_authenticate.contains(r#"error="invalid_token""#),
            "{case}: {www_authenticate}"
        );
    }
    let (status, www_authenticate) =
        outcome(&app, &sign(&signing, &changed("scope", json!("profile")))).await;
    assert_eq!(status, 403);
    assert!(www_authenticate.contains(r#"scope="mcp:tools""#));
    // `scp` as a list, as some identity providers write it, counts as the scope.
    let mut listed = without("scope");
    listed["scp"] = json!(["mcp:tools"]);
    assert_ne!(outcome(&app, &sign(&signing, &listed)).await.0, 401);
}

#[tokio::test]
async fn a_new_signing_key_is_picked_up_and_unknown_key_ids_cannot_flood_the_issuer() {
    let first = key("k1");
    let issuer = issuer(&[&first]).await;
    let app = spawn_verifying(&issuer.base, &[("JWT_JWKS_REFRESH_MIN_SECS", "1")]).await;
    let (status, _) = outcome(&app, &sign(&first, &issuer.claims())).await;
    assert_ne!(status, 401);
    assert_eq!(issuer.fetches(), 1);
    let (status, _) = outcome(&app, &sign(&first, &issuer.claims())).await;
    assert_ne!(status, 401);
    assert_eq!(issuer.fetches(), 1, "known keys are not fetched again");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = key("k2");
    issuer.publish(&second);
    let (status, _) = outcome(&app, &sign(&second, &issuer.claims())).await;
    assert_ne!(status, 401, "the rotated-in key is fetched on first sight");
    assert_eq!(issuer.fetches(), 2);

    for n in 0..5 {
        let unknown = key(&format!("unknown-{n}"));
        let (status, _) = outcome(&app, &sign(&unknown, &issuer.claims())).await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        issuer.fetches(),
        2,
        "unknown key ids within the interval fetch nothing"
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_not_401() {
    let signing = key("k1");
    let closed = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_verifying(&closed, &[]).await;
    let claims = json!({"iss": closed, "aud": RESOURCE, "sub": "u", "scope": "mcp:tools", "exp": now() + 300});
    let response = app
        .list_tools_with(Some(&format!("Bearer {}", sign(&signing, &claims))))
        .await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn jwt_access_tokens_of_the_demo_authorization_server_are_accepted() {
    let authorization_server = spawn_as(&[("ACCESS_TOKEN_FORMAT", "jwt")]).await;
    let app = spawn_verifying(&authorization_server.base, &[]).await;
    let token = authorization_server.alice().await;
    assert_eq!(token.split('.').count(), 3);
    let session = app.initialize_as(&token).await;
    assert_eq!(app.greet_as(&token, &session, "Lou").await, "Hello, Lou!");
    let (status, _) = outcome(
        &app,
        &authorization_server
            .token(ALICE, "mcp:tools", "http://other.example/mcp")
            .await,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_verified_token_is_remembered_but_never_past_its_expiry() {
    let key = key("k1");
    let issuer = issuer(&[&key]).await;
    for cache in ["60", "0"] {
        let app = spawn_verifying(
            &issuer.base,
            &[("JWT_LEEWAY_SECS", "0"), ("JWT_CACHE_SECS", cache)],
        )
        .await;
        let mut claims = issuer.claims();
        claims["exp"] = json!(now() + 2);
        let token = sign(&key, &claims);
        let session = app.initialize_as(&token).await;
        for name in ["A", "B", "C"] {
            assert_eq!(
                app.greet_as(&token, &session, name).await,
                format!("Hello, {name}!")
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
        let (status, challenge) = outcome(&app, &token).await;
        assert_eq!(status, 401, "JWT_CACHE_SECS={cache}");
        assert!(challenge.contains("expired"), "{challenge}");
        // A tampered copy of a remembered token is verified on its own, and refused.
        let fresh = sign(&key, &issuer.claims());
        // Past authentication, a request without a session gets 400 from the MCP layer.
        assert_eq!(outcome(&app, &fresh).await.0, 400, "authenticated");
        let tampered = format!("{}x", &fresh[..fresh.len() - 1]);
        assert_eq!(outcome(&app, &tampered).await.0, 401);
    }
}

#[tokio::test]
async fn with_the_jwks_down_keys_already_fetched_keep_working() {
    let signing = key("k1");
    let issuer = issuer(&[&signing]).await;
    // No verified-token cache: every token below is checked against the kept keys.
    let app = spawn_verifying(&issuer.base, &[("JWT_CACHE_SECS", "0")]).await;
    let (first, later) = (issuer.claims(), issuer.claims());
    assert_eq!(outcome(&app, &sign(&signing, &first)).await.0, 400);
    issuer.shutdown.cancel();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, challenge) = outcome(&app, &sign(&signing, &later)).await;
    assert_eq!(status, 400, "a new token signed by a kept key: {challenge}");
    assert_eq!(issuer.fetches(), 1);
}
