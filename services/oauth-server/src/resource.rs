//! Resource indicators (RFC 8707): which protected resources tokens may be issued for, and the
//! audience a token gets.

use url::Url;

use crate::error::{ErrorCode, OAuthError};

/// The resources this server issues tokens for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    /// Only these (as configured; the first is the default audience).
    Listed(Vec<String>),
    /// Any absolute URI without a fragment (for trying clients out); no default audience.
    Any,
}

impl Resources {
    /// Reads `OAUTH_RESOURCES`: `*`, or a comma list of absolute URIs without fragments.
    pub fn parse(setting: &str) -> Result<Self, String> {
        if setting.trim() == "*" {
            return Ok(Self::Any);
        }
        let mut listed = Vec::new();
        for item in setting
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            absolute(item).ok_or_else(|| {
                format!("OAUTH_RESOURCES: {item:?} is not an absolute URI without a fragment")
            })?;
            listed.push(item.to_owned());
        }
        if listed.is_empty() {
            return Err("OAUTH_RESOURCES: list at least one resource URI, or `*`".to_owned());
        }
        Ok(Self::Listed(listed))
    }

    /// The audience of tokens requested without a `resource`.
    pub fn default_audience(&self) -> Option<&str> {
        match self {
            Self::Listed(listed) => listed.first().map(String::as_str),
            Self::Any => None,
        }
    }

    /// Checks the `resource` parameters of a request (at most one) and returns the resource
    /// as this server names it.
    pub fn check(&self, requested: &[String]) -> Result<Option<String>, OAuthError> {
        let resource = match requested {
            [] => return Ok(None),
            [one] => one,
            _ => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidTarget,
                    "only one resource per request is supported",
                ));
            }
        };
        let Some(url) = absolute(resource) else {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "resource must be an absolute URI without a fragment (RFC 8707)",
            ));
        };
        match self {
            Self::Any => Ok(Some(resource.clone())),
            Self::Listed(listed) => listed
                .iter()
                .find(|known| absolute(known).is_some_and(|known| known == url))
                .map(|known| Some(known.clone()))
                .ok_or_else(|| {
                    OAuthError::new(
                        ErrorCode::InvalidTarget,
                        format!("resource {resource:?} is not served by this authorization server"),
                    )
                }),
        }
    }
}

fn absolute(text: &str) -> Option<Url> {
    Url::parse(text)
        .ok()
        .filter(|url| url.fragment().is_none() && url.has_host())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed() -> Resources {
        Resources::parse("http://localhost:3000/mcp, https://mcp.example.com/mcp").unwrap()
    }

    #[test]
    fn known_resources_pass_in_their_configured_spelling() {
        let resources = listed();
        assert_eq!(resources.check(&[]), Ok(None));
        assert_eq!(
            resources.check(&["http://LOCALHOST:3000/mcp".to_owned()]),
            Ok(Some("http://localhost:3000/mcp".to_owned()))
        );
        assert_eq!(
            resources.default_audience(),
            Some("http://localhost:3000/mcp")
        );
    }

    #[test]
    fn unknown_relative_fragmented_or_repeated_resources_are_invalid_targets() {
        let resources = listed();
        for bad in [
            vec!["http://localhost:3000/other".to_owned()],
            vec!["/mcp".to_owned()],
            vec!["http://localhost:3000/mcp#x".to_owned()],
            vec![
                "http://localhost:3000/mcp".to_owned(),
                "https://mcp.example.com/mcp".to_owned(),
            ],
        ] {
            let error = resources.check(&bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidTarget, "{bad:?}");
        }
        assert_eq!(
            Resources::Any.check(&["https://any.example/x".to_owned()]),
            Ok(Some("https://any.example/x".to_owned()))
        );
        assert!(Resources::parse("not a uri").is_err());
    }
}
