//! Log levels of MCP log notifications (`notifications/message`), in RFC 5424 order.

use serde::{Deserialize, Serialize};

/// Severity of a log notification; a session receives those at or above the level it set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Detailed debugging information.
    Debug,
    /// Normal operational messages.
    Info,
    /// Normal but significant events.
    Notice,
    /// Warning conditions.
    Warning,
    /// Error conditions.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// Whether a message at `self` passes a session filter of `minimum` (no filter: everything).
    pub fn passes(self, minimum: Option<LogLevel>) -> bool {
        minimum.is_none_or(|minimum| self >= minimum)
    }
}

#[expect(
    deprecated,
    reason = "logging is part of every protocol version we serve"
)]
impl From<LogLevel> for rmcp::model::LoggingLevel {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Debug => Self::Debug,
            LogLevel::Info => Self::Info,
            LogLevel::Notice => Self::Notice,
            LogLevel::Warning => Self::Warning,
            LogLevel::Error => Self::Error,
            LogLevel::Critical => Self::Critical,
            LogLevel::Alert => Self::Alert,
            LogLevel::Emergency => Self::Emergency,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_by_severity_and_filter() {
        assert!(LogLevel::Debug < LogLevel::Emergency);
        assert!(LogLevel::Info.passes(None));
        assert!(LogLevel::Info.passes(Some(LogLevel::Info)));
        assert!(!LogLevel::Info.passes(Some(LogLevel::Warning)));
        assert_eq!(
            serde_json::to_string(&LogLevel::Warning).unwrap(),
            "\"warning\""
        );
        assert!(serde_json::from_str::<LogLevel>("\"verbose\"").is_err());
    }
}
