//! SSE event ids: which stream of the session an event belongs to, and its position there.
//!
//! Written `<stream>.<position>`, where the standalone GET stream is `g` and a request stream is
//! 16 hex digits. A client's `Last-Event-ID` is parsed back into the same parts, so any replica
//! can tell which log to resume and from where.

use std::fmt;

use super::Position;

/// One of a session's SSE streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum StreamId {
    /// The session's standalone stream (`GET /mcp`).
    Standalone,
    /// The stream answering one POST.
    Request(u64),
}

impl StreamId {
    /// A fresh, random id for the stream of a POST.
    pub fn new_request() -> Self {
        Self::Request(rand::random())
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Standalone => f.write_str("g"),
            Self::Request(id) => write!(f, "{id:016x}"),
        }
    }
}

/// The `id:` of an SSE event, and the value of `Last-Event-ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventId {
    /// The stream the event was sent on.
    pub stream: StreamId,
    /// Its position there (0 for a priming event sent before any message).
    pub position: Position,
}

impl EventId {
    /// Parses a `Last-Event-ID` value; `None` if this server could not have sent it.
    pub fn parse(raw: &str) -> Option<Self> {
        let (stream, position) = raw.trim().split_once('.')?;
        let stream = match stream {
            "g" => StreamId::Standalone,
            hex if hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                StreamId::Request(u64::from_str_radix(hex, 16).ok()?)
            }
            _ => return None,
        };
        if position.is_empty() || !position.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            stream,
            position: position.parse().ok()?,
        })
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.stream, self.position)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn request_ids_round_trip(stream: u64, position: u64) {
            let id = EventId { stream: StreamId::Request(stream), position };
            prop_assert_eq!(EventId::parse(&id.to_string()), Some(id));
        }

        #[test]
        fn standalone_ids_round_trip(position: u64) {
            let id = EventId { stream: StreamId::Standalone, position };
            prop_assert_eq!(EventId::parse(&id.to_string()), Some(id));
        }

        #[test]
        fn arbitrary_text_never_panics(raw in ".*") {
            let _ = EventId::parse(&raw);
        }
    }

    #[test]
    fn foreign_ids_are_refused() {
        for raw in [
            "",
            "g",
            "g.",
            ".1",
            "x.1",
            "g.-1",
            "g.1.2",
            "0123.4",
            "g.99999999999999999999999",
            "g.+1",
        ] {
            assert_eq!(EventId::parse(raw), None, "{raw}");
        }
    }
}
