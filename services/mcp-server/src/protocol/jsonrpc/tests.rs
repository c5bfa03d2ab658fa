use proptest::prelude::*;
use rmcp::model::ErrorCode;
use serde_json::json;

use super::*;

fn single(value: serde_json::Value) -> Parsed {
    match parse_body(value.to_string().as_bytes()).unwrap() {
        Body::Single(parsed) => parsed,
        Body::Batch(_) => panic!("expected a single message"),
    }
}

#[test]
fn requests_notifications_and_responses_are_told_apart() {
    let request = single(json!({"jsonrpc":"2.0","id":1,"method":"ping"})).unwrap();
    assert_eq!(
        request,
        Message::Request(RequestMessage {
            id: RequestId::Number(1),
            method: "ping".into(),
            params: None
        })
    );
    let notification =
        single(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).unwrap();
    assert!(
        matches!(notification, Message::Notification(n) if n.method == "notifications/initialized")
    );
    let response = single(json!({"jsonrpc":"2.0","id":"s1","result":{}})).unwrap();
    assert!(matches!(
        response,
        Message::Response(ResponseMessage { outcome: Ok(_), .. })
    ));
    let error =
        single(json!({"jsonrpc":"2.0","id":"s1","error":{"code":-1,"message":"x"}})).unwrap();
    assert!(matches!(
        error,
        Message::Response(ResponseMessage {
            outcome: Err(_),
            ..
        })
    ));
}

#[test]
fn malformed_json_is_a_parse_error() {
    let error = parse_body(b"{\"jsonrpc\":").unwrap_err();
    assert_eq!(error.code, ErrorCode::PARSE_ERROR);
    let error = parse_body(b"").unwrap_err();
    assert_eq!(error.code, ErrorCode::PARSE_ERROR);
}

#[test]
fn envelope_mistakes_are_invalid_requests_that_keep_the_id() {
    let cases = [
        (
            json!({"jsonrpc":"1.0","id":7,"method":"ping"}),
            Some(RequestId::Number(7)),
        ),
        (json!({"id":7,"method":"ping"}), Some(RequestId::Number(7))),
        (
            json!({"jsonrpc":"2.0","id":7,"method":42}),
            Some(RequestId::Number(7)),
        ),
        (json!({"jsonrpc":"2.0","id":null,"method":"ping"}), None),
        (json!({"jsonrpc":"2.0","id":1.5,"method":"ping"}), None),
        (json!({"jsonrpc":"2.0","id":{"a":1},"method":"ping"}), None),
        (json!({"jsonrpc":"2.0","id":3}), Some(RequestId::Number(3))),
    ];
    for (value, id) in cases {
        let invalid = single(value.clone()).unwrap_err();
        assert_eq!(invalid.error.code, ErrorCode::INVALID_REQUEST, "{value}");
        assert_eq!(invalid.id, id, "{value}");
    }
}

#[test]
fn non_object_params_are_invalid_params() {
    let invalid =
        single(json!({"jsonrpc":"2.0","id":"a","method":"tools/list","params":[1]})).unwrap_err();
    assert_eq!(invalid.error.code, ErrorCode::INVALID_PARAMS);
    assert_eq!(invalid.id, Some(RequestId::String("a".into())));
}

#[test]
fn batches_and_their_edge_cases() {
    let Body::Batch(items) =
        parse_body(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]"#).unwrap()
    else {
        panic!("expected a batch")
    };
    assert!(items[0].is_ok());
    assert!(items[1].is_err());
    assert_eq!(
        parse_body(b"[]").unwrap_err().code,
        ErrorCode::INVALID_REQUEST
    );
    assert_eq!(
        parse_body(b"\"ping\"").unwrap_err().code,
        ErrorCode::INVALID_REQUEST
    );
}

#[test]
fn serialized_errors_carry_a_null_id_when_unknown() {
    let text = error_response(None, &ErrorData::parse_error("Parse error", None));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value,
        json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_body(&bytes);
    }

    #[test]
    fn integer_and_string_ids_survive(id in any::<i64>(), text in "[ -~]{0,20}") {
        let parsed = single(json!({"jsonrpc":"2.0","id":id,"method":"m"})).unwrap();
        let is_same = matches!(parsed, Message::Request(RequestMessage { id: RequestId::Number(n), .. }) if n == id);
        prop_assert!(is_same);
        let parsed = single(json!({"jsonrpc":"2.0","id":text.clone(),"method":"m"})).unwrap();
        let is_same = matches!(&parsed, Message::Request(RequestMessage { id: RequestId::String(s), .. }) if **s == *text);
        prop_assert!(is_same);
    }
}
