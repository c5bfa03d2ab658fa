//! Reading the bearer token of a request (RFC 6750 §2.1: the `Authorization` header only;
//! tokens in the query or the body are not accepted).

use axum::http::{HeaderMap, header};

use super::AuthError;

/// The token of `Authorization: Bearer <token>`.
pub(super) fn token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::Missing);
    };
    if values.next().is_some() {
        return Err(AuthError::Malformed(
            "send exactly one Authorization header",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::Malformed("the Authorization header is not ASCII"))?;
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Err(AuthError::Missing);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme carries no bearer token: treated like no credentials at all.
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    // token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding.
    let body = token.trim_end_matches('=');
    let well_formed = !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    if !well_formed {
        return Err(AuthError::Malformed(
            "the bearer token is not a valid token68 string",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn bearer_tokens_are_read_strictly() {
        assert_eq!(
            token(&headers(&["Bearer abc.DEF-_~+/=="])),
            Ok("abc.DEF-_~+/==")
        );
        assert_eq!(token(&headers(&["bearer  tok"])), Ok("tok"));
        assert_eq!(token(&headers(&[])), Err(AuthError::Missing));
        assert_eq!(token(&headers(&["Basic YTpi"])), Err(AuthError::Missing));
        assert!(matches!(
            token(&headers(&["Bearer a b"])),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            token(&headers(&["Bearer ==="])),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            token(&headers(&["Bearer a", "Bearer b"])),
            Err(AuthError::Malformed(_))
        ));
    }
}
