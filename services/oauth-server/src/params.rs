//! Request parameters as OAuth reads them: from a query string or a form body, where each
//! parameter may appear at most once (RFC 6749 §3.1), except the ones that are lists by design
//! (`resource`, RFC 8707).

use axum::http::{HeaderMap, header};

use crate::error::OAuthError;

/// Decoded `name=value` pairs in order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a query string or a form body).
    pub fn parse(encoded: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(encoded)
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// Parses a POST body, which must be form-encoded.
    pub fn from_form(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|kind| {
                kind.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        Ok(Self::parse(body))
    }

    /// The value of `name`, if present once; an empty value counts as absent. Repeated:
    /// `invalid_request`.
    pub fn one(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name);
        match (values.next(), values.next()) {
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(OAuthError::invalid_request(format!(
                "parameter {name} must not be repeated"
            ))),
            (Some((_, value)), None) => Ok(Some(value.as_str()).filter(|value| !value.is_empty())),
        }
    }

    /// The value of `name`, which must be present once.
    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.one(name)?
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter {name} is required")))
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_repeated_and_list_parameters() {
        let params = Params::parse(b"a=1&b=&c=x%20y&c=z&resource=r1&resource=r2");
        assert_eq!(params.one("a").unwrap(), Some("1"));
        assert_eq!(params.one("b").unwrap(), None);
        assert!(params.one("c").is_err());
        assert!(params.required("missing").is_err());
        assert_eq!(params.all("resource"), ["r1", "r2"]);
    }

    #[test]
    fn bodies_must_be_forms() {
        let mut headers = HeaderMap::new();
        assert!(Params::from_form(&headers, b"a=1").is_err());
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            Params::from_form(&headers, b"a=1")
                .unwrap()
                .one("a")
                .unwrap(),
            Some("1")
        );
    }
}
