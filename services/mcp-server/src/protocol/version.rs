//! Protocol versions: which ones this server speaks, and how `initialize` picks one.

use rmcp::model::ProtocolVersion;

/// Versions served with the initialize handshake and sessions, oldest first.
pub const HANDSHAKE_VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V_2024_11_05,
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
];

/// The stateless-era version (no handshake, no sessions).
pub const STATELESS_VERSION: ProtocolVersion = ProtocolVersion::V_2026_07_28;

/// The newest handshake-era version: the answer to an `initialize` asking for one we lack.
pub const LATEST_HANDSHAKE: ProtocolVersion = ProtocolVersion::V_2025_11_25;

/// The version `initialize` agrees to: the client's, if we speak it, otherwise our latest
/// (the client then decides whether it can continue).
pub fn negotiate(requested: &ProtocolVersion) -> ProtocolVersion {
    if HANDSHAKE_VERSIONS.contains(requested) {
        requested.clone()
    } else {
        LATEST_HANDSHAKE
    }
}

/// Whether `raw` names a handshake-era version (requests naming anything else, or carrying
/// `_meta`, belong to the stateless era).
pub fn is_handshake(raw: &str) -> bool {
    HANDSHAKE_VERSIONS
        .iter()
        .any(|version| version.as_str() == raw.trim())
}

/// Parses an `MCP-Protocol-Version` header value; `None` for versions this server does not
/// speak in the handshake era (and for garbage).
pub fn parse_header(raw: &str) -> Option<ProtocolVersion> {
    HANDSHAKE_VERSIONS
        .iter()
        .find(|version| version.as_str() == raw.trim())
        .cloned()
}

/// Whether JSON-RPC batches are allowed (only 2025-03-26 had them).
pub fn allows_batches(version: &ProtocolVersion) -> bool {
    *version == ProtocolVersion::V_2025_03_26
}

/// Whether SSE streams start with a priming event and a `retry` hint (2025-11-25 and later).
pub fn primes_streams(version: &ProtocolVersion) -> bool {
    version.as_str() >= ProtocolVersion::V_2025_11_25.as_str()
}

/// Whether elicitation requests carry a `mode` (form or URL), from 2025-11-25 on.
pub fn has_elicitation_modes(version: &ProtocolVersion) -> bool {
    version.as_str() >= ProtocolVersion::V_2025_11_25.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_versions_are_echoed_and_others_get_the_latest() {
        for version in HANDSHAKE_VERSIONS {
            assert_eq!(negotiate(&version), version);
        }
        for raw in ["2099-01-01", "1.0", "2026-07-28", ""] {
            let requested: ProtocolVersion =
                serde_json::from_value(serde_json::json!(raw)).unwrap();
            assert_eq!(negotiate(&requested), LATEST_HANDSHAKE, "{raw}");
        }
    }

    #[test]
    fn headers_must_name_a_supported_version() {
        assert_eq!(
            parse_header("2025-03-26"),
            Some(ProtocolVersion::V_2025_03_26)
        );
        assert_eq!(
            parse_header(" 2025-11-25 "),
            Some(ProtocolVersion::V_2025_11_25)
        );
        assert_eq!(parse_header("garbage"), None);
        assert_eq!(parse_header("2025-13-01"), None);
    }

    #[test]
    fn batches_and_priming_follow_the_revision() {
        assert!(allows_batches(&ProtocolVersion::V_2025_03_26));
        assert!(!allows_batches(&ProtocolVersion::V_2025_06_18));
        assert!(!allows_batches(&ProtocolVersion::V_2024_11_05));
        assert!(primes_streams(&ProtocolVersion::V_2025_11_25));
        assert!(!primes_streams(&ProtocolVersion::V_2025_06_18));
    }
}
