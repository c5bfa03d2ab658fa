use super::*;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_pairs(pairs.iter().copied())
}

#[test]
fn defaults_match_the_original_demo() {
    let config = config(&[]).unwrap();
    assert_eq!(config.listen.port(), 3001);
    assert_eq!(config.issuer, "http://localhost:3001");
    assert_eq!(config.authorize_mode, AuthorizeMode::Auto);
    assert_eq!(config.token_format, TokenFormat::Opaque);
    assert_eq!(config.access_token_ttl, Duration::from_secs(3600));
    assert_eq!(config.code_ttl, Duration::from_secs(300));
    assert_eq!(
        config.refresh_token_ttl,
        Duration::from_secs(30 * 24 * 3600)
    );
    assert_eq!(config.scopes.to_string(), "email mcp:tools openid profile");
    assert!(config.preset_clients.is_empty(), "no built-in secret");
    assert_eq!(
        config.resources.default_audience(),
        Some("http://localhost:3000/mcp")
    );
}

#[test]
fn the_issuer_follows_the_port_and_loses_a_trailing_slash() {
    assert_eq!(
        config(&[("AUTH_PORT", "4001")]).unwrap().issuer,
        "http://localhost:4001"
    );
    assert_eq!(
        config(&[("ISSUER_URL", "https://auth.example.com/")])
            .unwrap()
            .issuer,
        "https://auth.example.com"
    );
    assert!(config(&[("ISSUER_URL", "ftp://x")]).is_err());
    assert!(config(&[("ISSUER_URL", "https://a.example/?q=1")]).is_err());
}

#[test]
fn bad_values_name_their_variable() {
    for (name, value) in [
        ("AUTHORIZE_MODE", "sometimes"),
        ("ACCESS_TOKEN_FORMAT", "paseto"),
        ("OAUTH_ACCESS_TOKEN_TTL_SECS", "0"),
        ("OAUTH_PRESET_CLIENTS", "no-secret"),
        ("OAUTH_PRESET_CLIENTS", "svc:short"),
        (
            "OAUTH_PRESET_CLIENTS",
            "a:0123456789abcdef,a:0123456789abcdef",
        ),
        ("OAUTH_DEFAULT_SCOPE", "admin"),
        ("OAUTH_RESOURCES", "relative/path"),
        ("OAUTH_SIGNING_KEYS", "no-path"),
        ("OAUTH_CIMD_ALLOW_PRIVATE", "perhaps"),
    ] {
        let error = config(&[(name, value)]).unwrap_err().to_string();
        assert!(error.contains(name), "{name}={value}: {error}");
    }
}

#[test]
fn lists_are_read() {
    let config = config(&[
        (
            "OAUTH_PRESET_CLIENTS",
            "mcp-server:0123456789abcdef, svc:fedcba9876543210",
        ),
        ("OAUTH_SIGNING_KEYS", "k2=/keys/new.pem,k1=/keys/old.pem"),
        ("AUTHORIZE_MODE", "consent"),
        ("ACCESS_TOKEN_FORMAT", "jwt"),
    ])
    .unwrap();
    assert_eq!(config.preset_clients.len(), 2);
    assert_eq!(config.signing_keys[0].0, "k2");
    assert_eq!(config.authorize_mode, AuthorizeMode::Consent);
    assert_eq!(config.token_format, TokenFormat::Jwt);
}
