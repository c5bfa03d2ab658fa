//! The JSON-RPC 2.0 envelope: turning a POST body into messages, and messages into JSON.
//!
//! Parsing is strict about the envelope (version, id type, method type) and leaves `params`
//! untouched for the method handlers, which know their shapes. Pure functions, no I/O.

use std::sync::Arc;

use rmcp::model::{ErrorCode, ErrorData, RequestId};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A POST body: one message or (2025-03-26 only) a batch.
#[derive(Debug)]
pub enum Body {
    /// A single JSON object.
    Single(Parsed),
    /// A JSON array of messages.
    Batch(Vec<Parsed>),
}

/// One element of a body: a valid message, or why it is not one.
pub type Parsed = Result<Message, Invalid>;

/// A message that is not valid JSON-RPC; answered with `error` and the id, when one was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The message's id, if it had a usable one.
    pub id: Option<RequestId>,
    /// What is wrong (-32600, or -32602 for non-object params).
    pub error: Box<ErrorData>,
}

/// A valid JSON-RPC message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Expects a response.
    Request(RequestMessage),
    /// Expects nothing.
    Notification(NotificationMessage),
    /// Answers a request the server sent.
    Response(ResponseMessage),
}

/// A request: method, id and (object) params.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMessage {
    /// The id to answer with.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The params object, if any.
    pub params: Option<Map<String, Value>>,
}

/// A notification: method and (object) params.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationMessage {
    /// The method name.
    pub method: String,
    /// The params object, if any.
    pub params: Option<Map<String, Value>>,
}

/// A response to a server-to-client request.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseMessage {
    /// The id of the server's request (absent on some error responses).
    pub id: Option<RequestId>,
    /// `Ok(result)` or `Err(error object)`.
    pub outcome: Result<Value, Value>,
}

impl Body {
    /// Whether any element is a request (so the POST needs a response body).
    pub fn has_requests(&self) -> bool {
        let is_request = |parsed: &Parsed| matches!(parsed, Ok(Message::Request(_)));
        match self {
            Self::Single(parsed) => is_request(parsed),
            Self::Batch(items) => items.iter().any(is_request),
        }
    }
}

/// Parses a POST body. `Err` is the error for the whole body: -32700 for bad JSON, -32600 for
/// an empty batch or a body that is neither an object nor an array.
pub fn parse_body(bytes: &[u8]) -> Result<Body, ErrorData> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|error| ErrorData::parse_error(format!("Parse error: {error}"), None))?;
    match value {
        Value::Array(items) if items.is_empty() => Err(ErrorData::invalid_request(
            "Invalid Request: empty batch",
            None,
        )),
        Value::Array(items) => Ok(Body::Batch(items.into_iter().map(parse_message).collect())),
        value @ Value::Object(_) => Ok(Body::Single(parse_message(value))),
        _ => Err(ErrorData::invalid_request(
            "Invalid Request: expected a JSON-RPC object or batch array",
            None,
        )),
    }
}

/// Validates one message of a body.
pub fn parse_message(value: Value) -> Parsed {
    let Value::Object(mut object) = value else {
        return Err(invalid(
            None,
            "Invalid Request: a message must be a JSON object",
        ));
    };
    let raw_id = object.remove("id");
    let null_id = matches!(raw_id, Some(Value::Null));
    let id =
        match raw_id {
            None | Some(Value::Null) => None,
            Some(raw) => Some(parse_id(raw).ok_or_else(|| {
                invalid(None, "Invalid Request: id must be a string or an integer")
            })?),
        };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "Invalid Request: jsonrpc must be \"2.0\""));
    }
    match object.remove("method") {
        Some(Value::String(_)) if null_id => Err(invalid(
            None,
            "Invalid Request: id must be a string or an integer",
        )),
        Some(Value::String(method)) => {
            let params = match object.remove("params") {
                None | Some(Value::Null) => None,
                Some(Value::Object(params)) => Some(params),
                Some(_) => {
                    return Err(Invalid {
                        id,
                        error: Box::new(ErrorData::invalid_params(
                            "Invalid params: params must be an object",
                            None,
                        )),
                    });
                }
            };
            Ok(match id {
                Some(id) => Message::Request(RequestMessage { id, method, params }),
                None => Message::Notification(NotificationMessage { method, params }),
            })
        }
        Some(_) => Err(invalid(id, "Invalid Request: method must be a string")),
        None => match (object.remove("result"), object.remove("error")) {
            (Some(result), None) if id.is_some() => Ok(Message::Response(ResponseMessage {
                id,
                outcome: Ok(result),
            })),
            (None, Some(error)) => Ok(Message::Response(ResponseMessage {
                id,
                outcome: Err(error),
            })),
            _ => Err(invalid(
                id,
                "Invalid Request: expected method, result or error",
            )),
        },
    }
}

/// MCP ids are strings or integers (never null, never fractional).
fn parse_id(raw: Value) -> Option<RequestId> {
    match raw {
        Value::String(id) => Some(RequestId::String(Arc::from(id))),
        Value::Number(number) => number.as_i64().map(RequestId::Number),
        _ => None,
    }
}

fn invalid(id: Option<RequestId>, message: &'static str) -> Invalid {
    Invalid {
        id,
        error: Box::new(ErrorData::invalid_request(message, None)),
    }
}

/// A response as written: serialized in one pass, without building a JSON object first.
#[derive(Serialize)]
struct Envelope<'a, Id> {
    jsonrpc: &'static str,
    id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorData>,
}

impl<Id: Serialize> Envelope<'_, Id> {
    fn to_text(&self) -> Arc<str> {
        // Ids, values and error data always serialize: their map keys are strings.
        Arc::from(serde_json::to_string(self).unwrap_or_default())
    }
}

/// Serializes a successful response.
pub fn response(id: &RequestId, result: Value) -> Arc<str> {
    Envelope {
        jsonrpc: "2.0",
        id,
        result: Some(&result),
        error: None,
    }
    .to_text()
}

/// Serializes an error response. `id` is `null` when the request's id could not be read, as
/// JSON-RPC 2.0 requires.
pub fn error_response(id: Option<&RequestId>, error: &ErrorData) -> Arc<str> {
    Envelope {
        jsonrpc: "2.0",
        id,
        result: None,
        error: Some(error),
    }
    .to_text()
}

/// Serializes a notification from the server, carrying the current trace context when spans
/// are exported.
pub fn notification(method: &str, mut params: Value) -> Arc<str> {
    super::trace::stamp(&mut params);
    Arc::from(json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string())
}

/// The JSON-RPC code of an error, for logs and metrics.
pub fn code_of(error: &ErrorData) -> i32 {
    let ErrorCode(code) = error.code;
    code
}

#[cfg(test)]
mod tests;
