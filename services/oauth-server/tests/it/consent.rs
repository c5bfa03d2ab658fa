//! The consent page over HTTP (the browser test drives it in Chromium): the page, the
//! cookie-bound form, approve, deny, forgery and replay.

use crate::helpers::*;

struct Page {
    request_id: String,
    csrf: String,
    cookie: String,
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn open(app: &TestAs, client: &Registered, pkce: &Pkce) -> Page {
    let params = TestAs::authorization_params(client, pkce, &[]);
    let response = app.authorize(&params).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = response.text().await.unwrap();
    assert!(
        html.contains("test client") && html.contains("127.0.0.1") && html.contains("mcp:tools")
    );
    Page {
        request_id: hidden(&html, "request_id"),
        csrf: hidden(&html, "csrf"),
        cookie,
    }
}

async fn decide(
    app: &TestAs,
    page: &Page,
    decision: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = app.http.post(app.url("/authorize/decision")).form(&[
        ("request_id", page.request_id.as_str()),
        ("csrf", page.csrf.as_str()),
        ("decision", decision),
    ]);
    if let Some(cookie) = cookie {
        request = request
            .header("cookie", cookie)
            .header("sec-fetch-site", "same-origin");
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn approving_issues_a_code_and_denying_tells_the_client() {
    let app = spawn_as_with(&[("AUTHORIZE_MODE", "consent")]).await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let page = open(&app, &client, &pkce).await;
    let approved = decide(&app, &page, "approve", Some(&page.cookie)).await;
    assert_eq!(approved.status(), 302);
    let approved_at = location(&approved);
    let code = query_param(&approved_at, "code").unwrap();
    assert_eq!(query_param(&approved_at, "state").as_deref(), Some("st4te"));
    assert_eq!(app.exchange(&client, &code, &pkce).await.status(), 200);

    let again = decide(&app, &page, "approve", Some(&page.cookie)).await;
    assert_eq!(again.status(), 400, "a page answers once");

    let page = open(&app, &client, &pkce).await;
    let denied = decide(&app, &page, "deny", Some(&page.cookie)).await;
    assert_eq!(denied.status(), 302);
    let location = location(&denied);
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("st4te"));
    assert!(query_param(&location, "code").is_none());
}

#[tokio::test]
async fn a_forged_or_cross_site_answer_is_forbidden() {
    let app = spawn_as_with(&[("AUTHORIZE_MODE", "consent")]).await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let page = open(&app, &client, &pkce).await;
    assert_eq!(
        decide(&app, &page, "approve", None).await.status(),
        403,
        "no cookie"
    );
    let other_browser = format!("oauth_consent_{}=someone-else", page.request_id);
    assert_eq!(
        decide(&app, &page, "approve", Some(&other_browser))
            .await
            .status(),
        403
    );
    let cross_site = app
        .http
        .post(app.url("/authorize/decision"))
        .header("cookie", &page.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("request_id", page.request_id.as_str()),
            ("csrf", page.csrf.as_str()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let bad_token = app
        .http
        .post(app.url("/authorize/decision"))
        .header("cookie", &page.cookie)
        .form(&[
            ("request_id", page.request_id.as_str()),
            ("csrf", "forged"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 403);
    // The genuine answer still works after the failed forgeries.
    assert_eq!(
        decide(&app, &page, "approve", Some(&page.cookie))
            .await
            .status(),
        302
    );
}

#[tokio::test]
async fn prompt_none_cannot_be_answered_without_asking() {
    let app = spawn_as_with(&[("AUTHORIZE_MODE", "consent")]).await;
    let client = app.register("none", &["authorization_code"]).await;
    let pkce = pkce();
    let params = TestAs::authorization_params(&client, &pkce, &[("prompt", "none")]);
    let response = app.authorize(&params).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        query_param(&location(&response), "error").as_deref(),
        Some("consent_required")
    );
}
