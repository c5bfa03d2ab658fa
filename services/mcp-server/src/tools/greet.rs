//! `greet`: says hello. The smallest complete tool, kept exactly as the original project had it.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Context, Tool, ToolResult, text_result};

/// The `greet` tool.
#[derive(Debug, Clone, Copy, Default)]
pub struct Greet;

// `greet`'s arguments (field docs become the schema's descriptions).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GreetInput {
    /// Name to greet
    name: String,
}

impl Tool for Greet {
    type Input = GreetInput;

    fn name(&self) -> Cow<'static, str> {
        "greet".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Say hello".into()
    }

    fn title(&self) -> Option<String> {
        Some("Greeting Tool".to_owned())
    }

    async fn call(&self, input: GreetInput, _context: Context) -> ToolResult {
        Ok(text_result(format!("Hello, {}!", input.name)))
    }
}
