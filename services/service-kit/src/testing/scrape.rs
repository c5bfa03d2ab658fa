//! Reading a Prometheus `/metrics` page the way a test needs it.

/// Fetches `url` (a `/metrics` page) and returns its text.
///
/// # Panics
///
/// If it does not answer 200 with the Prometheus text format.
pub async fn scrape(url: &str) -> String {
    let response = reqwest::get(url).await.expect("/metrics answers");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.expect("a text body")
}

/// The value of the series `name{labels}` (labels as rendered, in order) in `scrape`; 0 when
/// absent.
pub fn series_value(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}
