use super::*;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_pairs(pairs.iter().copied())
}

#[test]
fn defaults_follow_the_original_project() {
    let config = config(&[]).unwrap();
    assert_eq!(config.listen.port(), 3000);
    assert_eq!(config.public_url.as_str(), "http://localhost:3000/mcp");
    match config.auth {
        AuthConfig::Introspection {
            server_url,
            introspect_url,
        } => {
            assert_eq!(server_url.as_str(), "http://localhost:3001/");
            assert_eq!(introspect_url.as_str(), "http://localhost:3001/introspect");
        }
        other => panic!("expected introspection, got {other:?}"),
    }
    assert!(config.redis_url.is_none());
    assert!(config.feature_packs.is_empty());
}

#[test]
fn disable_auth_accepts_true_and_one_and_refuses_typos() {
    for value in ["true", "1", "TRUE"] {
        assert_eq!(
            config(&[("DISABLE_AUTH", value)]).unwrap().auth,
            AuthConfig::Disabled
        );
    }
    for value in ["false", "0", ""] {
        assert!(matches!(
            config(&[("DISABLE_AUTH", value)]).unwrap().auth,
            AuthConfig::Introspection { .. }
        ));
    }
    let error = config(&[("DISABLE_AUTH", "ture")]).unwrap_err();
    assert!(error.to_string().contains("DISABLE_AUTH"), "{error}");
}

#[test]
fn introspection_url_derives_from_the_server_url_path() {
    let config = config(&[("OAUTH_SERVER_URL", "https://idp.example.com/tenant")]).unwrap();
    let AuthConfig::Introspection { introspect_url, .. } = config.auth else {
        panic!()
    };
    assert_eq!(
        introspect_url.as_str(),
        "https://idp.example.com/tenant/introspect"
    );
}

#[test]
fn jwt_mode_needs_an_issuer_and_derives_the_jwks_url() {
    let error = config(&[("AUTH_TOKEN_MODE", "jwt")]).unwrap_err();
    assert!(error.to_string().contains("JWT_ISSUER"), "{error}");
    let config = config(&[
        ("AUTH_TOKEN_MODE", "jwt"),
        ("JWT_ISSUER", "https://tenant.example.com/"),
        ("JWT_AUDIENCE", "https://api.example.com"),
    ])
    .unwrap();
    let AuthConfig::Jwt {
        issuer,
        audience,
        jwks_url,
        ..
    } = config.auth
    else {
        panic!()
    };
    assert_eq!(issuer, "https://tenant.example.com/");
    assert_eq!(audience.as_deref(), Some("https://api.example.com"));
    assert_eq!(
        jwks_url.as_str(),
        "https://tenant.example.com/.well-known/jwks.json"
    );
}

#[test]
fn unknown_auth_mode_and_bad_numbers_are_named() {
    let error = config(&[("AUTH_TOKEN_MODE", "saml")]).unwrap_err();
    assert!(error.to_string().contains("AUTH_TOKEN_MODE"), "{error}");
    let error = config(&[("PORT", "http")]).unwrap_err();
    assert!(error.to_string().contains("PORT"), "{error}");
    let error = config(&[("MCP_SSE_KEEPALIVE_SECS", "0")]).unwrap_err();
    assert!(
        error.to_string().contains("MCP_SSE_KEEPALIVE_SECS"),
        "{error}"
    );
    let error = config(&[("MCP_FEATURE_PACKS", "nonsense")]).unwrap_err();
    assert!(error.to_string().contains("nonsense"), "{error}");
    assert!(
        error.to_string().contains("conformance"),
        "known packs are listed: {error}"
    );
    let error = config(&[("MCP_PUBLIC_URL", "ftp://x/mcp")]).unwrap_err();
    assert!(error.to_string().contains("MCP_PUBLIC_URL"), "{error}");
}

#[test]
fn default_allow_lists_cover_loopback_and_the_public_url() {
    let config = config(&[("MCP_PUBLIC_URL", "https://mcp.example.com/mcp")]).unwrap();
    for host in [
        "localhost:3000",
        "127.0.0.1",
        "[::1]:8080",
        "mcp.example.com",
        "MCP.example.com:443",
    ] {
        assert!(config.allowed_hosts.allows(host), "{host}");
    }
    for host in [
        "evil.example.com",
        "evil.example.com:3000",
        "",
        "localhost.evil.com",
    ] {
        assert!(!config.allowed_hosts.allows(host), "{host}");
    }
    for origin in [
        "http://localhost:5173",
        "https://127.0.0.1",
        "http://[::1]:3000",
        "https://mcp.example.com",
    ] {
        assert!(config.allowed_origins.allows(origin), "{origin}");
    }
    for origin in [
        "http://evil.example.com",
        "null",
        "http://mcp.example.com",
        "https://mcp.example.com:8443",
    ] {
        assert!(!config.allowed_origins.allows(origin), "{origin}");
    }
}

#[test]
fn explicit_allow_lists_support_wildcards() {
    let explicit = config(&[
        (
            "MCP_ALLOWED_ORIGINS",
            "https://*.example.com, http://app.test:*",
        ),
        ("MCP_ALLOWED_HOSTS", "*.example.com"),
    ])
    .unwrap();
    assert!(explicit.allowed_origins.allows("https://a.example.com"));
    assert!(!explicit.allowed_origins.allows("https://example.com"));
    assert!(explicit.allowed_origins.allows("http://app.test:9999"));
    assert!(!explicit.allowed_origins.allows("http://localhost:5173"));
    assert!(explicit.allowed_hosts.allows("x.example.com:443"));
    assert!(
        explicit.allowed_hosts.allows("localhost:3000"),
        "public URL host is always allowed"
    );
    assert!(!explicit.allowed_hosts.allows("127.0.0.1"));

    let open = config(&[("MCP_ALLOWED_HOSTS", "*")]).unwrap();
    assert!(open.allowed_hosts.allows("anything.example"));
    let error = config_error(&[("MCP_ALLOWED_ORIGINS", "example.com")]);
    assert!(error.contains("MCP_ALLOWED_ORIGINS"), "{error}");
}

fn config_error(pairs: &[(&str, &str)]) -> String {
    config(pairs).unwrap_err().to_string()
}

#[test]
fn feature_packs_are_named_case_insensitively() {
    let config = config(&[("MCP_FEATURE_PACKS", " Conformance ,")]).unwrap();
    assert_eq!(config.feature_packs, vec![FeaturePack::Conformance]);
}
