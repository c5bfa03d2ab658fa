//! Reading the request headers the Streamable HTTP transport cares about.

use axum::http::{HeaderMap, header};
use rmcp::model::ProtocolVersion;

use super::TransportError;
use crate::{bus::EventId, protocol::version};

/// `Mcp-Session-Id`.
pub const SESSION_ID: &str = "mcp-session-id";
/// `MCP-Protocol-Version`.
pub const PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// `Last-Event-ID`.
pub const LAST_EVENT_ID: &str = "last-event-id";

/// What the client's `Accept` header allows among the two types the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepts {
    /// `application/json` (or a wildcard covering it).
    pub json: bool,
    /// `text/event-stream` (or a wildcard covering it).
    pub sse: bool,
}

impl Accepts {
    /// Reads `Accept`; a missing header allows anything (RFC 9110 §12.5.1). Media ranges with
    /// `q=0` are refusals.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut accepts = Self {
            json: false,
            sse: false,
        };
        let values: Vec<&str> = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        if values.is_empty() {
            return Self {
                json: true,
                sse: true,
            };
        }
        for range in values.iter().flat_map(|value| value.split(',')) {
            let Ok(media) = range.trim().parse::<mime::Mime>() else {
                continue;
            };
            let refused = media
                .get_param("q")
                .and_then(|q| q.as_str().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0);
            if refused {
                continue;
            }
            let (kind, sub) = (media.type_(), media.subtype());
            let any = kind == mime::STAR;
            accepts.json |=
                any || (kind == mime::APPLICATION && (sub == mime::STAR || sub == mime::JSON));
            accepts.sse |=
                any || (kind == mime::TEXT && (sub == mime::STAR || sub == mime::EVENT_STREAM));
        }
        accepts
    }
}

/// Refuses bodies that are not JSON (415). `application/json` with parameters (charset) is fine.
pub fn require_json(headers: &HeaderMap) -> Result<(), TransportError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|media| media.type_() == mime::APPLICATION && media.subtype() == mime::JSON);
    if is_json {
        Ok(())
    } else {
        Err(TransportError::UnsupportedMediaType)
    }
}

/// Validates `MCP-Protocol-Version` when present: it must be a version this server speaks
/// (400 otherwise). Absent is allowed: the session's negotiated version applies.
pub fn protocol_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, TransportError> {
    let Some(value) = headers.get(PROTOCOL_VERSION) else {
        return Ok(None);
    };
    let raw = value.to_str().unwrap_or("<non-ASCII>");
    version::parse_header(raw)
        .map(Some)
        .ok_or_else(|| TransportError::UnsupportedProtocolVersion(raw.chars().take(64).collect()))
}

/// The raw `Mcp-Session-Id`, if sent.
pub fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(SESSION_ID)
        .map(|value| value.to_str().unwrap_or(""))
}

/// `Last-Event-ID`, if sent; 400 if it is not an id this server issues.
pub fn last_event_id(headers: &HeaderMap) -> Result<Option<EventId>, TransportError> {
    let Some(value) = headers.get(LAST_EVENT_ID) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(EventId::parse)
        .map(Some)
        .ok_or(TransportError::BadLastEventId)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accepts(value: &str) -> Accepts {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Accepts::from_headers(&headers)
    }

    #[test]
    fn accept_ranges_and_wildcards() {
        assert_eq!(
            accepts("application/json, text/event-stream"),
            Accepts {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            accepts("text/event-stream"),
            Accepts {
                json: false,
                sse: true
            }
        );
        assert_eq!(
            accepts("application/json;q=0.9"),
            Accepts {
                json: true,
                sse: false
            }
        );
        assert_eq!(
            accepts("*/*"),
            Accepts {
                json: true,
                sse: true
            }
        );
        assert_eq!(
            accepts("application/*, text/*;q=0"),
            Accepts {
                json: true,
                sse: false
            }
        );
        assert_eq!(
            accepts("text/html"),
            Accepts {
                json: false,
                sse: false
            }
        );
        assert_eq!(
            accepts("nonsense"),
            Accepts {
                json: false,
                sse: false
            }
        );
        assert_eq!(
            Accepts::from_headers(&HeaderMap::new()),
            Accepts {
                json: true,
                sse: true
            }
        );
    }

    #[test]
    fn content_type_must_be_json() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            require_json(&headers),
            Err(TransportError::UnsupportedMediaType)
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(require_json(&headers), Ok(()));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(
            require_json(&headers),
            Err(TransportError::UnsupportedMediaType)
        );
    }
}
