//! The two protocol eras: which methods each one has.
//!
//! The handshake era (2024-11-05 to 2025-11-25) has `initialize`, sessions, `ping`,
//! `logging/setLevel` and `resources/(un)subscribe`. The stateless era (2026-07-28) removed
//! those and added `server/discover`, `subscriptions/listen` and (with the tasks extension)
//! `tasks/get`, `tasks/update` and `tasks/cancel`.

/// Methods only the handshake era has.
const HANDSHAKE_ONLY: [&str; 5] = [
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Methods only the stateless era has.
const STATELESS_ONLY: [&str; 5] = [
    "server/discover",
    "subscriptions/listen",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
];

/// Whether a request of the given era may call `method` (unknown methods are decided later).
pub(super) fn offers(stateless: bool, method: &str) -> bool {
    if stateless {
        !HANDSHAKE_ONLY.contains(&method)
    } else {
        !STATELESS_ONLY.contains(&method)
    }
}

/// Methods that may answer with an `InputRequiredResult` in the stateless era.
pub(super) fn may_need_input(method: &str) -> bool {
    matches!(method, "tools/call" | "prompts/get" | "resources/read")
}

/// The cache hints (`ttlMs`, `cacheScope`) a stateless-era result of `method` carries, if it is
/// cacheable. Lists and discovery depend on the deployment, not on the caller; reads may.
pub(super) fn cache_hints(method: &str) -> Option<(u64, &'static str)> {
    const FIVE_MINUTES: u64 = 300_000;
    match method {
        "server/discover"
        | "tools/list"
        | "prompts/list"
        | "resources/list"
        | "resources/templates/list" => Some((FIVE_MINUTES, "public")),
        "resources/read" => Some((0, "private")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_era_has_its_own_methods() {
        for method in HANDSHAKE_ONLY {
            assert!(offers(false, method) && !offers(true, method), "{method}");
        }
        for method in STATELESS_ONLY {
            assert!(offers(true, method) && !offers(false, method), "{method}");
        }
        for method in [
            "tools/call",
            "resources/read",
            "prompts/get",
            "completion/complete",
        ] {
            assert!(offers(true, method) && offers(false, method), "{method}");
        }
    }

    #[test]
    fn only_listings_reads_and_discovery_are_cacheable() {
        assert_eq!(cache_hints("tools/list"), Some((300_000, "public")));
        assert_eq!(cache_hints("resources/read"), Some((0, "private")));
        assert_eq!(cache_hints("tools/call"), None);
    }
}
