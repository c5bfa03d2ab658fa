//! `count`: counts to a number, one step a second, logging each step to the session's
//! standalone stream (and reporting progress on the call's own stream when asked).

use std::{borrow::Cow, time::Duration};

use rmcp::model::ToolAnnotations;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Tool, ToolResult, text_result};
use crate::protocol::LogLevel;

/// The `count` tool.
#[derive(Debug, Clone, Copy, Default)]
pub struct Count;

// `count`'s arguments (field docs become the schema's descriptions).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CountInput {
    /// Number to count to
    number: serde_json::Number,
}

impl Tool for Count {
    type Input = CountInput;

    fn name(&self) -> Cow<'static, str> {
        "count".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "A tool that counts to a given number".into()
    }

    fn annotations(&self) -> Option<ToolAnnotations> {
        Some(
            ToolAnnotations::with_title("Counting Tool")
                .read_only(true)
                .open_world(false),
        )
    }

    async fn call(&self, input: CountInput, context: Context) -> ToolResult {
        // JSON numbers always fit an f64 (large integers lose precision, as in JavaScript).
        let number = input.number.as_f64().unwrap_or(f64::MAX);
        // Counts 1, 2, ... while i <= number, as the original did (2.5 counts to 2, 0 not at all).
        let mut step = 1.0;
        while step <= number {
            let text = format!("Counted to {}", format_number(step));
            context.log_to_session(LogLevel::Info, text.clone()).await;
            context.progress(step, Some(number), Some(text)).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            step += 1.0;
        }
        Ok(text_result(format!(
            "Counting to {}",
            format_number(number)
        )))
    }
}

/// Formats a number the way JavaScript prints it for the values users type: `5`, `2.5`.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_the_original() {
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(0.0), "0");
    }
}
