//! Redirect URIs: which ones a client may register (https, loopback http per RFC 8252, or a
//! private-use scheme), and whether a URI in an authorization request matches a registered one:
//! by simple string comparison (OAuth 2.1 §4.1.1, RFC 3986 §6.2.1), so no case, encoding, dot
//! segment or default port variation passes, except that a loopback `http` URI matches on any
//! port (RFC 8252 §7.3).

use url::{Host, Url};

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    /// Not an absolute URI.
    #[error("redirect URI {0:?} is not an absolute URI")]
    NotAbsolute(String),
    /// Has a fragment (RFC 6749 §3.1.2).
    #[error("redirect URI {0:?} must not have a fragment")]
    Fragment(String),
    /// `http` on a host other than a loopback one.
    #[error(
        "redirect URI {0:?}: http is allowed only on loopback hosts (127.0.0.1, [::1], localhost); use https"
    )]
    InsecureHttp(String),
    /// A scheme that could run code or read files in the browser.
    #[error("redirect URI {0:?} uses a forbidden scheme")]
    ForbiddenScheme(String),
}

/// A redirect URI a client registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    url: Url,
    registered: String,
}

impl RedirectUri {
    /// Checks a URI for registration.
    pub fn parse(uri: &str) -> Result<Self, RedirectUriError> {
        let url = Url::parse(uri).map_err(|_| RedirectUriError::NotAbsolute(uri.to_owned()))?;
        if url.fragment().is_some() {
            return Err(RedirectUriError::Fragment(uri.to_owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(RedirectUriError::InsecureHttp(uri.to_owned())),
            "javascript" | "data" | "file" | "vbscript" | "blob" | "about" | "ws" | "wss" => {
                return Err(RedirectUriError::ForbiddenScheme(uri.to_owned()));
            }
            _ => {}
        }
        Ok(Self {
            url,
            registered: uri.to_owned(),
        })
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        &self.registered
    }

    /// Whether `requested` (from an authorization or token request) designates this URI:
    /// the same string, or for a loopback `http` URI the same string but for the port.
    pub fn matches(&self, requested: &str) -> bool {
        if requested == self.registered {
            return true;
        }
        if self.url.scheme() != "http" || !is_loopback(&self.url) {
            return false;
        }
        let Ok(parsed) = Url::parse(requested) else {
            return false;
        };
        let mut on_that_port = self.url.clone();
        on_that_port.set_port(parsed.port()).is_ok() && on_that_port.as_str() == requested
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_uris() {
        for ok in [
            "https://oauth.pstmn.io/v1/callback",
            "http://127.0.0.1/callback",
            "http://[::1]:8080/cb",
            "http://localhost:3000/callback",
            "com.example.app:/oauth2redirect",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            RedirectUri::parse("/relative"),
            Err(RedirectUriError::NotAbsolute(_))
        ));
        assert!(matches!(
            RedirectUri::parse("https://a.example/cb#x"),
            Err(RedirectUriError::Fragment(_))
        ));
        assert!(matches!(
            RedirectUri::parse("http://app.example.com/cb"),
            Err(RedirectUriError::InsecureHttp(_))
        ));
        assert!(matches!(
            RedirectUri::parse("javascript:alert(1)"),
            Err(RedirectUriError::ForbiddenScheme(_))
        ));
    }

    #[test]
    fn matching_is_exact_except_loopback_ports() {
        let web = RedirectUri::parse("https://app.example.com/cb").unwrap();
        assert!(web.matches("https://app.example.com/cb"));
        assert!(!web.matches("https://app.example.com/cb/"));
        assert!(!web.matches("https://app.example.com:8443/cb"));
        assert!(!web.matches("https://app.example.com/cb?x=1"));
        for variation in [
            "HTTPS://app.example.com/cb",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com:443/cb",
            "https://app.example.com/x/../cb",
            "https://app.example.com/%63b",
            "https://app.example.com/cb#frag",
            "https://evil@app.example.com/cb",
            "https://app.example.com.evil.example/cb",
            "https://app.example.com/cb/../../evil",
        ] {
            assert!(!web.matches(variation), "{variation}");
        }
        let loopback = RedirectUri::parse("http://127.0.0.1/callback").unwrap();
        assert!(loopback.matches("http://127.0.0.1:51234/callback"));
        assert!(loopback.matches("http://127.0.0.1/callback"));
        assert!(!loopback.matches("http://127.0.0.1:51234/other"));
        assert!(!loopback.matches("http://localhost:51234/callback"));
        assert!(!loopback.matches("https://127.0.0.1:51234/callback"));
        assert!(!loopback.matches("http://127.0.0.1:51234/Callback"));
        assert!(!loopback.matches("http://127.0.0.1:51234/callback?next=https://evil.example"));
        assert!(!loopback.matches("http://127.0.0.1:51234/callback#x"));
        assert!(!loopback.matches("http://evil@127.0.0.1:51234/callback"));
        assert!(!loopback.matches("http://127.0.0.1:51234/x/../callback"));
    }
}
