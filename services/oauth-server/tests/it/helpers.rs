//! `spawn_as` and typed helpers over a running authorization server.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use oauth_server::{App, Config};
use serde_json::{Value, json};
use service_kit::config::Configuration;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

pub const PRESET_ID: &str = "mcp-server";
pub const PRESET_SECRET: &str = "preset-secret-0123456789";
pub const RESOURCE: &str = "http://localhost:3000/mcp";

pub struct TestAs {
    /// Where requests go.
    pub base: String,
    /// The issuer the server names itself by (the base, unless configured otherwise).
    pub issuer: String,
    pub http: reqwest::Client,
    /// `/metrics`, when `AUTH_METRICS_PORT` was given.
    pub metrics_url: Option<String>,
    shutdown: CancellationToken,
}

impl Drop for TestAs {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_as() -> TestAs {
    spawn_as_with(&[]).await
}

pub async fn spawn_as_with(extra: &[(&str, &str)]) -> TestAs {
    service_kit::telemetry::init_for_test();
    service_kit::tls::install_crypto_provider();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = format!("http://127.0.0.1:{port}");
    let issuer = extra
        .iter()
        .find(|(name, _)| *name == "ISSUER_URL")
        .map_or_else(|| base.clone(), |(_, value)| (*value).to_owned());
    let preset = format!("{PRESET_ID}:{PRESET_SECRET}");
    let mut pairs = vec![
        ("AUTH_PORT", port.to_string()),
        ("BIND_ADDRESS", "127.0.0.1".to_owned()),
        ("ISSUER_URL", issuer.clone()),
        ("OAUTH_PRESET_CLIENTS", preset),
    ];
    for (name, value) in extra {
        pairs.retain(|(known, _)| known != name);
        pairs.push((name, (*value).to_owned()));
    }
    let config = Config::from_pairs(pairs).expect("test configuration is valid");
    let shutdown = CancellationToken::new();
    let app = App::build(config, shutdown.clone())
        .await
        .expect("the server builds");
    let metrics_url = app
        .metrics_addr()
        .map(|address| format!("http://{address}/metrics"));
    tokio::spawn(app.run());
    TestAs {
        base,
        issuer,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        metrics_url,
        shutdown,
    }
}

/// A PKCE pair.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// A registered client, as the registration response described it.
#[derive(Debug, Clone)]
pub struct Registered {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

impl TestAs {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    pub async fn register_raw(&self, metadata: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/register"))
            .json(metadata)
            .send()
            .await
            .unwrap()
    }

    /// Registers a client; `auth` is its `token_endpoint_auth_method`.
    pub async fn register(&self, auth: &str, grants: &[&str]) -> Registered {
        let redirect_uri = "http://127.0.0.1/callback".to_owned();
        let metadata = json!({
            "client_name": "test client",
            "redirect_uris": [redirect_uri],
            "grant_types": grants,
            "token_endpoint_auth_method": auth,
        });
        let response = self.register_raw(&metadata).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        Registered {
            id: body["client_id"].as_str().unwrap().to_owned(),
            secret: body["client_secret"].as_str().map(str::to_owned),
            redirect_uri,
        }
    }

    /// `GET /authorize` with `params`, not following the redirect.
    pub async fn authorize(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url("/authorize"))
            .query(params)
            .send()
            .await
            .unwrap()
    }

    /// The standard authorization request of `client` with `pkce`, plus `extra` parameters.
    pub fn authorization_params<'a>(
        client: &'a Registered,
        pkce: &'a Pkce,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("state", "st4te"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            params.retain(|(known, _)| known != name);
            params.push((name, value));
        }
        params
    }

    /// Runs `/authorize` for `client` and returns the code.
    pub async fn code(&self, client: &Registered, pkce: &Pkce, extra: &[(&str, &str)]) -> String {
        let params = Self::authorization_params(client, pkce, extra);
        let response = self.authorize(&params).await;
        assert_eq!(response.status(), 302);
        let location = location(&response);
        let code =
            query_param(&location, "code").unwrap_or_else(|| panic!("no code in {location}"));
        assert_eq!(query_param(&location, "state").as_deref(), Some("st4te"));
        assert_eq!(
            query_param(&location, "iss").as_deref(),
            Some(self.issuer.as_str())
        );
        code
    }

    /// `POST /token` with `form`, authenticating `client` as it registered.
    pub async fn token_as(
        &self,
        client: &Registered,
        auth: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        let mut request = self.http.post(self.url("/token"));
        match auth {
            "client_secret_basic" => {
                request = request.basic_auth(&client.id, client.secret.as_deref());
            }
            "client_secret_post" => {
                form.push(("client_id", &client.id));
                form.push(("client_secret", client.secret.as_deref().unwrap()));
            }
            _ => form.push(("client_id", &client.id)),
        }
        request.form(&form).send().await.unwrap()
    }

    /// Exchanges `code` for tokens (public client).
    pub async fn exchange(
        &self,
        client: &Registered,
        code: &str,
        pkce: &Pkce,
    ) -> reqwest::Response {
        self.token_as(
            client,
            "none",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("code_verifier", &pkce.verifier),
                ("redirect_uri", &client.redirect_uri),
            ],
        )
        .await
    }

    /// Introspects `token` as the preset resource server.
    pub async fn introspect(&self, token: &str) -> Value {
        let response = self
            .http
            .post(self.url("/introspect"))
            .basic_auth(PRESET_ID, Some(PRESET_SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The body of an OAuth error response, checking its status and caching headers.
pub async fn oauth_error(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    body["error"].as_str().unwrap().to_owned()
}

/// Registers a public client and runs the whole code flow; returns (client, token response).
pub async fn public_tokens(
    app: &TestAs,
    grants: &[&str],
    extra: &[(&str, &str)],
) -> (Registered, Value) {
    let client = app.register("none", grants).await;
    let pkce = pkce();
    let code = app.code(&client, &pkce, extra).await;
    let response = app.exchange(&client, &code, &pkce).await;
    assert_eq!(response.status(), 200);
    (client, response.json().await.unwrap())
}
