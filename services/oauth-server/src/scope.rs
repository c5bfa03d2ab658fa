//! Scopes (RFC 6749 §3.3): a set of space-separated tokens, parsed strictly and printed in a
//! stable order.

use std::{collections::BTreeSet, fmt};

/// A set of scope tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(BTreeSet<String>);

/// A scope string with a character RFC 6749 does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scope {0:?} has a character that is not allowed in a scope token")]
pub struct ScopeError(String);

impl Scope {
    /// Parses a space-separated scope string (repeated spaces and duplicates are tolerated).
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let mut tokens = BTreeSet::new();
        for token in text.split(' ').filter(|token| !token.is_empty()) {
            // %x21 / %x23-5B / %x5D-7E: printable ASCII without space, '"' and '\'.
            let allowed = token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !allowed {
                return Err(ScopeError(text.to_owned()));
            }
            tokens.insert(token.to_owned());
        }
        Ok(Self(tokens))
    }

    /// Whether no token is present.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every token of `self` is in `other`.
    pub fn is_subset(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Whether `token` is in the set.
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// The tokens of `self` not in `other`.
    pub fn difference(&self, other: &Scope) -> Scope {
        Scope(self.0.difference(&other.0).cloned().collect())
    }

    /// The tokens, in order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for token in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(token)?;
            first = false;
        }
        Ok(())
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> Self {
        scope.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_in_order() {
        let scope = Scope::parse("  profile mcp:tools  openid profile").unwrap();
        assert_eq!(scope.to_string(), "mcp:tools openid profile");
        assert!(Scope::parse("mcp:tools").unwrap().is_subset(&scope));
        assert!(!Scope::parse("email").unwrap().is_subset(&scope));
        assert!(Scope::parse("").unwrap().is_empty());
        assert!(Scope::parse("bad\"quote").is_err());
        assert!(Scope::parse("back\\slash").is_err());
    }
}
