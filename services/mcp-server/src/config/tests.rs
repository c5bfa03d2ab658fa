use super::*;

/// The configuration from `pairs`, with the introspection client credentials every
/// introspection-mode configuration needs.
fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let credentials = [
        ("OAUTH_CLIENT_ID", "mcp-server"),
        ("OAUTH_CLIENT_SECRET", "secret"),
    ];
    Config::from_pairs(credentials.into_iter().chain(pairs.iter().copied()))
}

#[test]
fn defaults_follow_the_original_project() {
    let config = config(&[]).unwrap();
    assert_eq!(config.listen.port(), 3000);
    assert_eq!(config.public_url.as_str(), "http://localhost:3000/mcp");
    match config.auth {
        AuthConfig::Introspection(settings) => {
            assert_eq!(settings.server_url.as_str(), "http://localhost:3001/");
            assert_eq!(
                settings.introspect_url.as_str(),
                "http://localhost:3001/introspect"
            );
            assert_eq!(settings.client_id, "mcp-server");
            assert_eq!(settings.cache_ttl, Duration::from_secs(60));
            assert_eq!(settings.negative_ttl, Duration::from_secs(10));
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
            AuthConfig::Introspection(_)
        ));
    }
    let error = config(&[("DISABLE_AUTH", "ture")]).unwrap_err();
    assert!(error.to_string().contains("DISABLE_AUTH"), "{error}");
}

#[test]
fn introspection_url_derives_from_the_server_url_path() {
    let config = config(&[("OAUTH_SERVER_URL", "https://idp.example.com/tenant")]).unwrap();
    let AuthConfig::Introspection(settings) = config.auth else {
        panic!()
    };
    assert_eq!(
        settings.introspect_url.as_str(),
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
    let AuthConfig::Jwt(settings) = config.auth else {
        panic!()
    };
    assert_eq!(settings.issuer, "https://tenant.example.com/");
    assert_eq!(
        settings.audience.as_deref(),
        Some("https://api.example.com")
    );
    assert_eq!(
        settings.jwks_url.as_str(),
        "https://tenant.example.com/.well-known/jwks.json"
    );
    assert!(
        !settings
            .algorithms
            .contains(&jsonwebtoken::Algorithm::HS256)
    );
    assert_eq!(
        settings.token_types,
        Some(vec!["at+jwt".to_owned(), "application/at+jwt".to_owned()])
    );
}

#[test]
fn introspection_without_client_credentials_is_refused_with_the_remedy() {
    let error = Config::from_pairs([("OAUTH_CLIENT_ID", "mcp-server")]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("OAUTH_CLIENT_SECRET"), "{message}");
    assert!(message.contains("DISABLE_AUTH"), "{message}");
    assert_eq!(
        Config::from_pairs([("DISABLE_AUTH", "1")]).unwrap().auth,
        AuthConfig::Disabled
    );
}

#[test]
fn jwt_algorithms_are_asymmetric_only_and_token_types_can_be_relaxed() {
    let jwt = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("AUTH_TOKEN_MODE", "jwt"),
            ("JWT_ISSUER", "https://idp.example.com"),
        ];
        pairs.extend_from_slice(extra);
        config(&pairs)
    };
    let error = jwt(&[("JWT_ALGORITHMS", "RS256,HS256")]).unwrap_err();
    assert!(error.to_string().contains("HS256"), "{error}");
    assert!(jwt(&[("JWT_ALGORITHMS", "none")]).is_err());
    let AuthConfig::Jwt(settings) = jwt(&[("JWT_ALGORITHMS", "ES256"), ("JWT_TOKEN_TYPES", "*")])
        .unwrap()
        .auth
    else {
        panic!()
    };
    assert_eq!(settings.algorithms, vec![jsonwebtoken::Algorithm::ES256]);
    assert_eq!(settings.token_types, None);
}

#[test]
fn required_scopes_default_to_mcp_tools_and_accept_spaces_or_commas() {
    assert_eq!(config(&[]).unwrap().required_scopes, vec!["mcp:tools"]);
    assert_eq!(
        config(&[("MCP_REQUIRED_SCOPES", "mcp:tools profile,email")])
            .unwrap()
            .required_scopes,
        vec!["mcp:tools", "profile", "email"]
    );
    assert!(
        config(&[("MCP_REQUIRED_SCOPES", "")])
            .unwrap()
            .required_scopes
            .is_empty()
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

#[test]
fn client_limits_are_off_by_default_and_the_burst_defaults_to_a_second() {
    assert_eq!(config(&[]).unwrap().limits, LimitSettings::OFF);
    let limits = config(&[
        ("MCP_RATE_LIMIT_PER_SECOND", "20"),
        ("MCP_CONCURRENCY_LIMIT", "8"),
    ])
    .unwrap()
    .limits;
    assert_eq!(limits.rate_per_second, NonZeroU32::new(20));
    assert_eq!(limits.burst.get(), 20);
    assert_eq!(limits.concurrency, NonZeroU32::new(8));
    let burst = config(&[
        ("MCP_RATE_LIMIT_PER_SECOND", "20"),
        ("MCP_RATE_LIMIT_BURST", "100"),
    ])
    .unwrap()
    .limits;
    assert_eq!(burst.burst.get(), 100);
    let error = config_error(&[("MCP_RATE_LIMIT_BURST", "10")]);
    assert!(error.contains("MCP_RATE_LIMIT_PER_SECOND"), "{error}");
    let error = config_error(&[
        ("MCP_RATE_LIMIT_PER_SECOND", "5"),
        ("MCP_RATE_LIMIT_BURST", "0"),
    ]);
    assert!(error.contains("MCP_RATE_LIMIT_BURST"), "{error}");
}
