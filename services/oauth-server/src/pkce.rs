//! PKCE (RFC 7636) with the S256 method only: checking a `code_verifier` against the
//! `code_challenge` the authorization request carried. `plain` is refused (OAuth 2.1).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A valid S256 `code_challenge`: the base64url (no padding) SHA-256 of a verifier, 43 chars.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CodeChallenge(String);

/// Why an authorization request's PKCE parameters are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No `code_challenge`.
    #[error("code_challenge is required (PKCE)")]
    Missing,
    /// A method other than S256.
    #[error("code_challenge_method must be S256")]
    UnsupportedMethod,
    /// Not 43 base64url characters.
    #[error("code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)")]
    Malformed,
}

impl CodeChallenge {
    /// Reads `code_challenge` and `code_challenge_method` (which defaults to `plain` in RFC 7636,
    /// and is therefore required to be `S256` here).
    pub fn parse(challenge: Option<&str>, method: Option<&str>) -> Result<Self, ChallengeError> {
        let challenge = challenge
            .filter(|c| !c.is_empty())
            .ok_or(ChallengeError::Missing)?;
        if method != Some("S256") {
            return Err(ChallengeError::UnsupportedMethod);
        }
        let well_formed = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(ChallengeError::Malformed);
        }
        Ok(Self(challenge.to_owned()))
    }

    /// The challenge for `verifier` (what a client computes).
    pub fn for_verifier(verifier: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
    }

    /// Whether `verifier` is a well-formed RFC 7636 verifier (43–128 unreserved characters)
    /// whose S256 transform is this challenge. Compared in constant time.
    pub fn verify(&self, verifier: &str) -> bool {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        well_formed
            && Self::for_verifier(verifier)
                .0
                .as_bytes()
                .ct_eq(self.0.as_bytes())
                .into()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_rfc_example_verifies() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = CodeChallenge::parse(
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            Some("S256"),
        )
        .unwrap();
        assert!(challenge.verify(verifier));
        assert!(!challenge.verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"));
    }

    #[test]
    fn plain_missing_and_malformed_challenges_are_refused() {
        let good = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(
            CodeChallenge::parse(Some(good), Some("plain")),
            Err(ChallengeError::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::parse(Some(good), None),
            Err(ChallengeError::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::parse(None, Some("S256")),
            Err(ChallengeError::Missing)
        );
        assert_eq!(
            CodeChallenge::parse(Some("short"), Some("S256")),
            Err(ChallengeError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn a_verifier_matches_its_own_challenge_only(
            verifier in "[A-Za-z0-9._~-]{43,128}",
            other in "[A-Za-z0-9._~-]{43,128}",
        ) {
            let challenge = CodeChallenge::for_verifier(&verifier);
            prop_assert!(CodeChallenge::parse(Some(&challenge.0), Some("S256")).is_ok());
            prop_assert!(challenge.verify(&verifier));
            prop_assert_eq!(challenge.verify(&other), verifier == other);
        }

        #[test]
        fn short_or_odd_verifiers_never_verify(verifier in "[^A-Za-z0-9._~-]{1,60}|[A-Za-z0-9]{1,42}") {
            let challenge = CodeChallenge::for_verifier(&verifier);
            prop_assert!(!challenge.verify(&verifier));
        }
    }
}
