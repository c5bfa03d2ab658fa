//! The stateless era's request headers (SEP-2243): `Mcp-Method`, `Mcp-Name` and the
//! `Mcp-Param-*` headers of tool arguments marked `x-mcp-header`. They repeat what the body
//! says, for load balancers and gateways; a request whose headers disagree with its body is
//! refused (400, -32020) before anything runs.
//!
//! Values are compared after trimming optional whitespace; a value written `=?base64?…?=`
//! carries non-ASCII text and is decoded strictly (standard alphabet, canonical padding).

use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Map, Value};

use crate::tools::HeaderParam;

/// Why a request's headers were refused; the message is for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mismatch(pub(super) String);

/// The single value of header `name`, trimmed; `Err` if it is sent more than once or is not
/// visible ASCII.
fn single<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Mismatch> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Mismatch(format!("{name} header sent more than once")));
    }
    let value = value
        .to_str()
        .map_err(|_| Mismatch(format!("{name} header is not visible ASCII")))?;
    Ok(Some(value.trim_matches([' ', '\t'])))
}

/// Decodes a header value: `=?base64?…?=` strictly, anything else as written.
fn decode(value: &str) -> Result<String, Mismatch> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|rest| rest.strip_suffix("?="))
    {
        Some(encoded) => {
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| Mismatch("invalid base64 in a header value".to_owned()))?;
            String::from_utf8(bytes)
                .map_err(|_| Mismatch("a base64 header value is not UTF-8".to_owned()))
        }
        None => Ok(value.to_owned()),
    }
}

/// The `Mcp-Name` a request of `method` must carry, from its params.
fn expected_name<'a>(method: &str, params: Option<&'a Map<String, Value>>) -> Option<&'a str> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return None,
    };
    params?.get(field)?.as_str()
}

/// Checks `Mcp-Method` (always) and `Mcp-Name` (for the methods that name a target).
pub(super) fn check_routing(
    headers: &HeaderMap,
    method: &str,
    params: Option<&Map<String, Value>>,
) -> Result<(), Mismatch> {
    match single(headers, "mcp-method")? {
        None => return Err(Mismatch("Mcp-Method header is required".to_owned())),
        Some(value) if value != method => {
            return Err(Mismatch(format!(
                "Mcp-Method header {value:?} does not match the method {method:?}"
            )));
        }
        Some(_) => {}
    }
    if let Some(expected) = expected_name(method, params) {
        match single(headers, "mcp-name")? {
            None => {
                return Err(Mismatch(
                    "Mcp-Name header is required for this method".to_owned(),
                ));
            }
            Some(value) if decode(value)? != expected => {
                return Err(Mismatch(
                    "Mcp-Name header does not match the request".to_owned(),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Checks the `Mcp-Param-*` headers of a tool call against its arguments.
pub(super) fn check_params(
    headers: &HeaderMap,
    params: &[HeaderParam],
    arguments: Option<&Map<String, Value>>,
) -> Result<(), Mismatch> {
    for param in params {
        let Some(value) = arguments
            .and_then(|arguments| arguments.get(&param.argument))
            .filter(|v| !v.is_null())
        else {
            continue;
        };
        let header = format!("mcp-param-{}", param.header.to_ascii_lowercase());
        let Some(sent) = single(headers, &header)? else {
            return Err(Mismatch(format!(
                "Mcp-Param-{} header is required",
                param.header
            )));
        };
        let sent = decode(sent)?;
        let matches = match value {
            Value::String(text) => sent == *text,
            Value::Bool(flag) => sent == flag.to_string(),
            Value::Number(number) => sent
                .parse::<f64>()
                .ok()
                .zip(number.as_f64())
                .is_some_and(|(a, b)| a == b),
            _ => false,
        };
        if !matches {
            return Err(Mismatch(format!(
                "Mcp-Param-{} header does not match the argument",
                param.header
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn method_and_name_must_match_the_body() {
        let call = params(json!({"name": "greet"}));
        assert!(
            check_routing(
                &headers(&[("mcp-method", "tools/call"), ("mcp-name", "  greet\t")]),
                "tools/call",
                Some(&call)
            )
            .is_ok()
        );
        for pairs in [
            vec![("mcp-method", "tools/list")],
            vec![("mcp-method", "TOOLS/CALL"), ("mcp-name", "greet")],
            vec![("mcp-method", "tools/call")],
            vec![("mcp-method", "tools/call"), ("mcp-name", "other")],
            vec![
                ("mcp-method", "tools/call"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "greet"),
            ],
        ] {
            assert!(
                check_routing(&headers(&pairs), "tools/call", Some(&call)).is_err(),
                "{pairs:?}"
            );
        }
        assert!(
            check_routing(&HeaderMap::new(), "tools/list", None).is_err(),
            "Mcp-Method is always required"
        );
        assert!(
            check_routing(
                &headers(&[("mcp-method", "tools/list")]),
                "tools/list",
                None
            )
            .is_ok()
        );
        let read = params(json!({"uri": "test://x"}));
        assert!(
            check_routing(
                &headers(&[("mcp-method", "resources/read"), ("mcp-name", "test://x")]),
                "resources/read",
                Some(&read)
            )
            .is_ok()
        );
        let task = params(json!({"taskId": "t1"}));
        assert!(
            check_routing(
                &headers(&[("mcp-method", "tasks/get"), ("mcp-name", "t2")]),
                "tasks/get",
                Some(&task)
            )
            .is_err()
        );
    }

    #[test]
    fn names_may_be_base64_encoded() {
        let call = params(json!({"name": "grüß"}));
        let encoded = format!("=?base64?{}?=", STANDARD.encode("grüß"));
        assert!(
            check_routing(
                &headers(&[("mcp-method", "tools/call"), ("mcp-name", &encoded)]),
                "tools/call",
                Some(&call)
            )
            .is_ok()
        );
    }

    #[test]
    fn base64_is_strict_and_only_with_both_markers() {
        assert_eq!(decode("=?base64?SGVsbG8=?="), Ok("Hello".to_owned()));
        assert!(decode("=?base64?SGVsbG8?=").is_err(), "padding is required");
        assert!(decode("=?base64?SGVs!!!bG8=?=").is_err());
        assert_eq!(
            decode("=?base64?SGVsbG8="),
            Ok("=?base64?SGVsbG8=".to_owned()),
            "no suffix: literal"
        );
        assert_eq!(decode("SGVsbG8="), Ok("SGVsbG8=".to_owned()));
    }

    #[test]
    fn parameter_headers_follow_the_arguments() {
        let region = [HeaderParam {
            argument: "region".into(),
            header: "Region".into(),
        }];
        let args = params(json!({"region": "Hello"}));
        assert!(
            check_params(
                &headers(&[("mcp-param-region", "=?base64?SGVsbG8=?=")]),
                &region,
                Some(&args)
            )
            .is_ok()
        );
        assert!(
            check_params(
                &headers(&[("mcp-param-region", "Hello")]),
                &region,
                Some(&args)
            )
            .is_ok()
        );
        assert!(
            check_params(
                &headers(&[("mcp-param-region", "Bye")]),
                &region,
                Some(&args)
            )
            .is_err()
        );
        assert!(
            check_params(&HeaderMap::new(), &region, Some(&args)).is_err(),
            "missing header"
        );
        assert!(
            check_params(&HeaderMap::new(), &region, Some(&params(json!({})))).is_ok(),
            "absent argument"
        );
        let count = [HeaderParam {
            argument: "n".into(),
            header: "N".into(),
        }];
        assert!(
            check_params(
                &headers(&[("mcp-param-n", "42")]),
                &count,
                Some(&params(json!({"n": 42.0})))
            )
            .is_ok()
        );
        let flag = [HeaderParam {
            argument: "f".into(),
            header: "F".into(),
        }];
        assert!(
            check_params(
                &headers(&[("mcp-param-f", "true")]),
                &flag,
                Some(&params(json!({"f": true})))
            )
            .is_ok()
        );
    }
}
