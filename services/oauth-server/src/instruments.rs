//! The authorization server's metrics (Prometheus names), described and registered at zero at
//! start: token requests by grant type and outcome, plus the shared HTTP and Redis metrics.

use metrics::{counter, describe_counter};

/// Token endpoint requests, by `grant_type` and `outcome` (`issued`, or the OAuth error code).
pub const TOKEN_REQUESTS: &str = "oauth_server_token_requests_total";

/// The grant types counted by name; any other is `other`.
const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];

/// Outcomes registered at zero (the OAuth errors a token request can end with).
const OUTCOMES: [&str; 8] = [
    "issued",
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "invalid_scope",
    "invalid_target",
    "temporarily_unavailable",
];

/// Describes every metric and registers its series at zero.
pub fn register() {
    service_kit::http_telemetry::describe();
    service_kit::redis::describe_metrics();
    describe_counter!(
        TOKEN_REQUESTS,
        "Token endpoint requests, by grant type and outcome"
    );
    for grant_type in GRANT_TYPES {
        for outcome in OUTCOMES {
            counter!(TOKEN_REQUESTS, "grant_type" => grant_type, "outcome" => outcome).absolute(0);
        }
    }
    counter!(TOKEN_REQUESTS, "grant_type" => "other", "outcome" => "unsupported_grant_type")
        .absolute(0);
}

/// The bounded label value for a requested grant type.
pub fn grant_label(grant_type: Option<&str>) -> &'static str {
    grant_type
        .and_then(|given| GRANT_TYPES.iter().find(|known| **known == given))
        .copied()
        .unwrap_or("other")
}

/// Counts one token request.
pub fn token_request(grant_type: &'static str, outcome: &'static str) {
    counter!(TOKEN_REQUESTS, "grant_type" => grant_type, "outcome" => outcome).increment(1);
}
