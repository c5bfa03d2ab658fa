//! Tools the conformance suite uses to probe protocol rules: a tool that needs a capability, a
//! tool that would ask for input mid-stream, a tool that logs only when asked, tools that
//! change the lists, and a tool whose argument is mirrored in a header.

use std::borrow::Cow;

use rmcp::model::{ElicitationSchema, JsonObject, PrimitiveSchemaDefinition, StringSchema};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    context::Capability,
    protocol::{ListKind, LogLevel},
    tools::{Context, NoArguments, Tool, ToolError, ToolResult, text_result},
};

/// `test_missing_capability`: needs `sampling`; without it the request fails (-32021 in the
/// stateless era, a tool error in a session).
#[derive(Debug)]
pub(super) struct MissingCapability;

impl Tool for MissingCapability {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_missing_capability".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Requires the sampling capability".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.require(Capability::Sampling)?;
        Ok(text_result("Success"))
    }
}

/// `test_streaming_elicitation`: asks for a confirmation; in a session the question travels on
/// the call's stream, in the stateless era it becomes an `InputRequiredResult` (never a request
/// on the stream).
#[derive(Debug)]
pub(super) struct StreamingElicitation;

impl Tool for StreamingElicitation {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_streaming_elicitation".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks for a confirmation while running".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context
            .progress(0.0, Some(1.0), Some("Asking for confirmation".to_owned()))
            .await;
        let schema = ElicitationSchema::builder()
            .required_property(
                "confirm",
                PrimitiveSchemaDefinition::String(StringSchema::new()),
            )
            .build()
            .map_err(ToolError::new)?;
        context.elicit("confirm", "Continue?", schema).await?;
        Ok(text_result("Streaming complete"))
    }
}

/// `test_logging_tool`: logs only if the request asked for a log level.
#[derive(Debug)]
pub(super) struct Logging;

impl Tool for Logging {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_logging_tool".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Logs a message at info level (sent only when the request asks for logs)".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.log(LogLevel::Info, "Logging tool ran").await;
        Ok(text_result("Logging evaluated"))
    }
}

/// `test_trigger_tool_change`: announces that the tool list changed.
#[derive(Debug)]
pub(super) struct TriggerToolChange;

impl Tool for TriggerToolChange {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_trigger_tool_change".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Announces a change of the tool list to subscribers".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.notify_list_changed(ListKind::Tools).await;
        Ok(text_result("Tool list change announced"))
    }
}

/// `test_trigger_prompt_change`: announces that the prompt list changed.
#[derive(Debug)]
pub(super) struct TriggerPromptChange;

impl Tool for TriggerPromptChange {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_trigger_prompt_change".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Announces a change of the prompt list to subscribers".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.notify_list_changed(ListKind::Prompts).await;
        Ok(text_result("Prompt list change announced"))
    }
}

// `test_header_param`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct RegionInput {
    /// Region to report on; sent as the Mcp-Param-Region header too
    region: String,
}

/// `test_header_param`: its `region` argument is mirrored in the `Mcp-Param-Region` header.
#[derive(Debug)]
pub(super) struct HeaderParam;

impl Tool for HeaderParam {
    type Input = RegionInput;

    fn name(&self) -> Cow<'static, str> {
        "test_header_param".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Echoes its region argument, which gateways can route on (Mcp-Param-Region)".into()
    }

    fn input_schema(&self) -> JsonObject {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": { "type": "string", "description": "Region to report on", "x-mcp-header": "Region" }
            },
            "required": ["region"]
        });
        match schema {
            Value::Object(object) => object,
            _ => JsonObject::new(),
        }
    }

    async fn call(&self, input: RegionInput, _context: Context) -> ToolResult {
        Ok(text_result(format!("Region: {}", input.region)))
    }
}
