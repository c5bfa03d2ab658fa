//! `/metrics` on its own port: token requests counted by grant type and outcome, from zero.

use service_kit::testing::series_value as value;

use crate::helpers::{PRESET_ID, PRESET_SECRET, TestAs, spawn_as_with};

async fn scrape(app: &TestAs) -> String {
    service_kit::testing::scrape(app.metrics_url.as_ref().expect("AUTH_METRICS_PORT was set")).await
}

fn token_requests(grant_type: &str, outcome: &str) -> String {
    format!(r#"oauth_server_token_requests_total{{grant_type="{grant_type}",outcome="{outcome}"}}"#)
}

#[tokio::test]
async fn token_requests_are_counted_by_grant_type_and_outcome() {
    let app = spawn_as_with(&[("AUTH_METRICS_PORT", "0")]).await;
    let before = scrape(&app).await;
    for name in [
        "oauth_server_token_requests_total",
        "db_client_operation_duration_seconds",
    ] {
        assert!(
            before.contains(&format!("# HELP {name} ")),
            "{name}:\n{before}"
        );
    }
    let issued = token_requests("client_credentials", "issued");
    let bad_secret = token_requests("client_credentials", "invalid_client");
    let not_its_grant = token_requests("authorization_code", "unauthorized_client");
    let unsupported = token_requests("other", "unsupported_grant_type");
    assert!(before.contains(&issued), "registered at zero:\n{before}");

    let ask = |secret: &'static str, form: &'static [(&'static str, &'static str)]| {
        app.http
            .post(app.url("/token"))
            .basic_auth(PRESET_ID, Some(secret))
            .form(form)
            .send()
    };
    let credentials: &[(&str, &str)] = &[("grant_type", "client_credentials")];
    assert_eq!(ask(PRESET_SECRET, credentials).await.unwrap().status(), 200);
    assert_eq!(ask("wrong", credentials).await.unwrap().status(), 401);
    let code: &[(&str, &str)] = &[
        ("grant_type", "authorization_code"),
        ("code", "forged"),
        ("redirect_uri", "http://127.0.0.1/callback"),
        (
            "code_verifier",
            "0123456789012345678901234567890123456789abc",
        ),
    ];
    assert_eq!(ask(PRESET_SECRET, code).await.unwrap().status(), 400);
    let password: &[(&str, &str)] = &[("grant_type", "password")];
    assert_eq!(ask(PRESET_SECRET, password).await.unwrap().status(), 400);

    let after = scrape(&app).await;
    for series in [&issued, &bad_secret, &not_its_grant, &unsupported] {
        assert!(
            value(&after, series) >= value(&before, series) + 1.0,
            "{series} did not move:\n{after}"
        );
    }
    let http = r#"http_server_request_duration_seconds_count{http_request_method="POST",http_route="/token",http_response_status_code="200"}"#;
    assert!(value(&after, http) >= 1.0, "{after}");
}
