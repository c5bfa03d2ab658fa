//! Session identifiers: 128 random bits, written as 32 lowercase hex digits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The value of the `Mcp-Session-Id` header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

impl SessionId {
    /// A fresh id from the operating system's random source.
    pub fn generate() -> Self {
        Self(format!("{:032x}", rand::random::<u128>()))
    }

    /// Accepts only ids this server could have issued; anything else is an unknown session.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SessionId {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).ok_or_else(|| format!("not a session id: {raw:?}"))
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_differ() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(SessionId::parse(a.as_str()), Some(a.clone()));
        assert!(a.as_str().bytes().all(|b| (0x21..=0x7e).contains(&b)));
    }

    #[test]
    fn foreign_shapes_are_refused() {
        for raw in [
            "",
            "abc",
            "ABCDEF0123456789ABCDEF0123456789",
            "g".repeat(32).as_str(),
            "0".repeat(33).as_str(),
        ] {
            assert_eq!(SessionId::parse(raw), None, "{raw}");
        }
    }
}
