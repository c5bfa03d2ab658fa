//! Client authentication at the token endpoint: only as registered, 401 with
//! `WWW-Authenticate` otherwise.

use crate::helpers::*;

async fn code_form(app: &TestAs, client: &Registered) -> (String, Pkce) {
    let pkce = pkce();
    (app.code(client, &pkce, &[]).await, pkce)
}

#[tokio::test]
async fn each_client_authenticates_as_it_registered() {
    let app = spawn_as().await;
    for method in ["client_secret_post", "client_secret_basic"] {
        let client = app.register(method, &["authorization_code"]).await;
        let (code, pkce) = code_form(&app, &client).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", pkce.verifier.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
        ];
        let other = if method == "client_secret_post" {
            "client_secret_basic"
        } else {
            "client_secret_post"
        };
        let wrong_way = app.token_as(&client, other, &form).await;
        assert_eq!(wrong_way.status(), 401, "{method} used as {other}");
        let (code, pkce) = code_form(&app, &client).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", pkce.verifier.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
        ];
        assert_eq!(
            app.token_as(&client, method, &form).await.status(),
            200,
            "{method}"
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_is_401_with_a_challenge() {
    let app = spawn_as().await;
    let mut client = app
        .register("client_secret_basic", &["authorization_code"])
        .await;
    client.secret = Some("wrong-secret".into());
    let response = app
        .token_as(
            &client,
            "client_secret_basic",
            &[("grant_type", "authorization_code"), ("code", "x")],
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(oauth_error(response, 401).await, "invalid_client");
}

#[tokio::test]
async fn missing_unknown_or_mixed_credentials_are_refused() {
    let app = spawn_as().await;
    let anonymous = app
        .http
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(anonymous, 401).await, "invalid_client");
    let unknown = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "nobody"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(unknown, 401).await, "invalid_client");
    let public = app.register("none", &["authorization_code"]).await;
    let with_secret = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", public.id.as_str()),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(with_secret, 401).await, "invalid_client");
    let both = app
        .http
        .post(app.url("/token"))
        .basic_auth(PRESET_ID, Some(PRESET_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", PRESET_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(both, 400).await, "invalid_request");
}

#[tokio::test]
async fn guessing_a_secret_is_throttled_even_for_the_right_secret_then_allowed_again() {
    let app = spawn_as_with(&[
        ("OAUTH_CLIENT_AUTH_MAX_FAILURES", "3"),
        ("OAUTH_CLIENT_AUTH_LOCKOUT_SECS", "2"),
    ])
    .await;
    let client = app
        .register("client_secret_basic", &["authorization_code"])
        .await;
    let bystander = app
        .register("client_secret_basic", &["authorization_code"])
        .await;
    let mut guesser = client.clone();
    let form = [("grant_type", "authorization_code"), ("code", "x")];
    for guess in 0..3 {
        guesser.secret = Some(format!("guess-{guess}"));
        let wrong = app.token_as(&guesser, "client_secret_basic", &form).await;
        assert_eq!(oauth_error(wrong, 401).await, "invalid_client");
    }
    let right = app.token_as(&client, "client_secret_basic", &form).await;
    assert_eq!(
        right.status(),
        429,
        "no answer while throttled, even for the right secret"
    );
    let retry: u64 = right.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_eq!(oauth_error(right, 429).await, "too_many_attempts");
    let other = app.token_as(&bystander, "client_secret_basic", &form).await;
    // Authenticated (the made-up code is what is refused): another client is not affected.
    assert_eq!(oauth_error(other, 400).await, "invalid_request");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let later = app.token_as(&client, "client_secret_basic", &form).await;
    assert_eq!(
        oauth_error(later, 400).await,
        "invalid_request",
        "authenticated again"
    );
}
