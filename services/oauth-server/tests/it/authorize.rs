//! `/authorize`: the happy path, and every refusal, shown to the user or redirected to the
//! client as RFC 6749 §4.1.2.1 says.

use crate::helpers::*;

#[tokio::test]
async fn a_valid_request_redirects_back_with_code_state_and_issuer() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let code = app.code(&client, &pkce, &[("scope", "mcp:tools")]).await;
    assert!(code.len() >= 32);
    // Loopback redirect URIs match on any port (RFC 8252 §7.3).
    let params = TestAs::authorization_params(
        &client,
        &pkce,
        &[("redirect_uri", "http://127.0.0.1:55123/callback")],
    );
    let response = app.authorize(&params).await;
    assert_eq!(response.status(), 302);
    assert!(location(&response).starts_with("http://127.0.0.1:55123/callback?code="));
}

#[tokio::test]
async fn post_authorize_works_like_get() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let params = TestAs::authorization_params(&client, &pkce, &[]);
    let response = app
        .http
        .post(app.url("/authorize"))
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert!(query_param(&location(&response), "code").is_some());
}

#[tokio::test]
async fn an_untrusted_client_or_redirect_is_never_redirected_to() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let cases: Vec<Vec<(&str, &str)>> = vec![
        TestAs::authorization_params(&client, &pkce, &[("client_id", "unknown")]),
        TestAs::authorization_params(
            &client,
            &pkce,
            &[("redirect_uri", "https://attacker.example/cb")],
        ),
        TestAs::authorization_params(
            &client,
            &pkce,
            &[("redirect_uri", "http://127.0.0.1/other")],
        ),
        vec![
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1/callback"),
        ],
    ];
    for params in cases {
        let response = app.authorize(&params).await;
        assert_eq!(response.status(), 400, "{params:?}");
        assert!(response.headers().get("location").is_none());
    }
    let browser = app
        .http
        .get(app.url("/authorize"))
        .query(&[("client_id", "unknown")])
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 400);
    assert!(browser.text().await.unwrap().contains("unknown client_id"));
}

#[tokio::test]
async fn other_errors_are_redirected_with_state_and_issuer() {
    let app = spawn_as().await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            TestAs::authorization_params(&client, &pkce, &[("code_challenge", "")]),
            "invalid_request",
        ),
        (
            TestAs::authorization_params(&client, &pkce, &[("code_challenge_method", "plain")]),
            "invalid_request",
        ),
        (
            TestAs::authorization_params(&client, &pkce, &[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (
            TestAs::authorization_params(&client, &pkce, &[("scope", "admin")]),
            "invalid_scope",
        ),
        (
            TestAs::authorization_params(
                &client,
                &pkce,
                &[("resource", "https://elsewhere.example/mcp")],
            ),
            "invalid_target",
        ),
        (
            TestAs::authorization_params(&client, &pkce, &[("resource", "relative/path")]),
            "invalid_target",
        ),
    ];
    for (params, error) in cases {
        let response = app.authorize(&params).await;
        assert_eq!(response.status(), 302, "{params:?}");
        let location = location(&response);
        assert_eq!(
            query_param(&location, "error").as_deref(),
            Some(error),
            "{location}"
        );
        assert!(query_param(&location, "error_description").is_some());
        assert_eq!(query_param(&location, "state").as_deref(), Some("st4te"));
        assert_eq!(
            query_param(&location, "iss").as_deref(),
            Some(app.issuer.as_str())
        );
        assert!(query_param(&location, "code").is_none());
    }
    let mut repeated = TestAs::authorization_params(&client, &pkce, &[]);
    repeated.push(("scope", "mcp:tools"));
    repeated.push(("scope", "email"));
    let response = app.authorize(&repeated).await;
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn a_client_without_the_code_grant_is_unauthorized() {
    let app = spawn_as().await;
    let service = app
        .register("client_secret_basic", &["client_credentials"])
        .await;
    let pkce = pkce();
    let params = TestAs::authorization_params(&service, &pkce, &[]);
    let response = app.authorize(&params).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("unauthorized_client")
    );
}
