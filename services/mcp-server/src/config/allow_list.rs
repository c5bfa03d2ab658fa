//! Allow-lists for the `Origin` and `Host` request headers (DNS-rebinding protection).
//!
//! Defaults cover a local run (`localhost`, `127.0.0.1`, `[::1]` on any port) plus the host and
//! origin of `MCP_PUBLIC_URL`, which is what an ingress forwards. `*` allows anything.

use service_kit::config::{ConfigError, split_list};
use url::Url;

const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// A host name, exact (`mcp.example.com`) or a subdomain wildcard (`*.example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this name (case-insensitive).
    Exact(String),
    /// Any name ending in this suffix (stored with its leading dot).
    Subdomain(String),
}

impl HostPattern {
    fn parse(raw: &str) -> Self {
        let raw = raw.to_ascii_lowercase();
        match raw.strip_prefix("*.") {
            Some(suffix) => Self::Subdomain(format!(".{suffix}")),
            None => Self::Exact(raw),
        }
    }

    fn matches(&self, host: &str) -> bool {
        match self {
            Self::Exact(name) => name.eq_ignore_ascii_case(host),
            Self::Subdomain(suffix) => {
                host.len() > suffix.len() && host.to_ascii_lowercase().ends_with(suffix.as_str())
            }
        }
    }
}

/// Accepted `Host` header names (`MCP_ALLOWED_HOSTS`); the port is not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostAllowList {
    /// `*`: no Host check.
    Any,
    /// Only these names.
    Only(Vec<HostPattern>),
}

impl HostAllowList {
    pub(super) fn from_setting(
        setting: Option<&str>,
        public_url: &Url,
    ) -> Result<Self, ConfigError> {
        let items = split_list(setting.unwrap_or(""));
        if items.iter().any(|item| item == "*") {
            return Ok(Self::Any);
        }
        let mut patterns: Vec<HostPattern> = if setting.is_some_and(|s| !s.trim().is_empty()) {
            items.iter().map(|item| HostPattern::parse(item)).collect()
        } else {
            LOOPBACK_HOSTS
                .iter()
                .map(|host| HostPattern::parse(host))
                .collect()
        };
        if let Some(host) = public_url.host_str() {
            patterns.push(HostPattern::parse(host));
        }
        Ok(Self::Only(patterns))
    }

    /// Whether a `Host` header value (`name[:port]`) names an allowed host.
    pub fn allows(&self, host_header: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(patterns) => {
                let name = host_without_port(host_header);
                !name.is_empty() && patterns.iter().any(|pattern| pattern.matches(name))
            }
        }
    }
}

/// `example.com:8080` → `example.com`, `[::1]:3000` → `[::1]`.
fn host_without_port(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// One allowed browser origin: scheme, host pattern and port (or any port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: HostPattern,
    port: Option<u16>,
}

impl OriginPattern {
    fn parse(raw: &str) -> Result<Self, ConfigError> {
        let invalid = || {
            ConfigError::new(format!(
                "MCP_ALLOWED_ORIGINS entries look like https://app.example.com, http://localhost:* or https://*.example.com (got {raw:?})"
            ))
        };
        let (scheme, rest) = raw.split_once("://").ok_or_else(invalid)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme.is_empty() || rest.is_empty() || rest.contains('/') {
            return Err(invalid());
        }
        let (host, port) = if rest.starts_with('[') {
            let end = rest.find(']').ok_or_else(invalid)?;
            let port = rest[end + 1..].strip_prefix(':');
            (&rest[..=end], port)
        } else {
            match rest.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        let port = match port {
            Some("*") => None,
            Some(port) => Some(port.parse::<u16>().map_err(|_| invalid())?),
            None => Some(default_port(&scheme).ok_or_else(invalid)?),
        };
        Ok(Self {
            scheme,
            host: HostPattern::parse(host),
            port,
        })
    }

    fn matches(&self, origin: &Url) -> bool {
        origin.scheme() == self.scheme
            && origin
                .host_str()
                .is_some_and(|host| self.host.matches(host))
            && self
                .port
                .is_none_or(|port| origin.port_or_known_default() == Some(port))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Accepted `Origin` header values (`MCP_ALLOWED_ORIGINS`). Requests without `Origin` (every
/// non-browser client) are not affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginAllowList {
    /// `*`: any origin.
    Any,
    /// Only these origins.
    Only(Vec<OriginPattern>),
}

impl OriginAllowList {
    pub(super) fn from_setting(
        setting: Option<&str>,
        public_url: &Url,
    ) -> Result<Self, ConfigError> {
        let items = split_list(setting.unwrap_or(""));
        if items.iter().any(|item| item == "*") {
            return Ok(Self::Any);
        }
        let mut patterns = if setting.is_some_and(|s| !s.trim().is_empty()) {
            items
                .iter()
                .map(|item| OriginPattern::parse(item))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            let mut defaults = Vec::new();
            for scheme in ["http", "https"] {
                for host in LOOPBACK_HOSTS {
                    defaults.push(OriginPattern::parse(&format!("{scheme}://{host}:*"))?);
                }
            }
            defaults
        };
        patterns.push(OriginPattern::parse(
            &public_url.origin().ascii_serialization(),
        )?);
        Ok(Self::Only(patterns))
    }

    /// Whether an `Origin` header value is allowed (`null` only with `*`).
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(patterns) => Url::parse(origin.trim())
                .ok()
                .is_some_and(|url| patterns.iter().any(|pattern| pattern.matches(&url))),
        }
    }
}
