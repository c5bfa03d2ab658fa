//! Tools: the [`Tool`] trait a tool implements, and the registry the server lists and calls.
//!
//! Adding a tool is one file: a type implementing [`Tool`] (its input is a Rust type deriving
//! `Deserialize` and `JsonSchema`, from which the input schema is generated), then one
//! `register` line in [`crate::features::Features::with_defaults`] or in a feature pack.
//! The wire types are rmcp's `model` types.
//!
//! ```
//! use std::borrow::Cow;
//!
//! use mcp_server::tools::{Context, Tool, ToolResult, text_result};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! pub struct Shout;
//!
//! #[derive(Deserialize, JsonSchema)]
//! pub struct ShoutInput {
//!     /// Text to shout
//!     text: String,
//! }
//!
//! impl Tool for Shout {
//!     type Input = ShoutInput;
//!
//!     fn name(&self) -> Cow<'static, str> {
//!         "shout".into()
//!     }
//!
//!     fn description(&self) -> Cow<'static, str> {
//!         "Repeats the text in capitals".into()
//!     }
//!
//!     async fn call(&self, input: ShoutInput, context: Context) -> ToolResult {
//!         context.progress(1.0, Some(1.0), None).await;
//!         Ok(text_result(input.text.to_uppercase()))
//!     }
//! }
//!
//! let mut registry = mcp_server::tools::ToolRegistry::default();
//! registry.register(Shout).unwrap();
//! assert_eq!(registry.definitions()[0].name, "shout");
//! ```

mod count;
mod greet;
mod registry;
mod schema;

use std::{borrow::Cow, future::Future};

use rmcp::model::{CallToolResult, ContentBlock, Icon, JsonObject, ToolAnnotations};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

pub use self::{
    count::Count,
    greet::Greet,
    registry::{HeaderParam, ToolLookup, ToolRegistry},
    schema::schema_for,
};
pub use crate::context::Context;

/// A tool failure: by default reported to the model as an `isError` result (the model can
/// react to it); an [`internal`](ToolError::internal) one is a protocol-level error instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    message: String,
    internal: bool,
}

impl ToolError {
    /// A failure the model is told about (`isError: true`).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            internal: false,
        }
    }

    /// A failure of the server rather than of the tool's job: a JSON-RPC error (-32603) for a
    /// direct call, a `failed` task for a task.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            internal: true,
        }
    }

    /// What the model or client is told.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the failure is the server's.
    pub fn is_internal(&self) -> bool {
        self.internal
    }
}

/// Whether a tool can run as a task (the stateless era's tasks extension).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskSupport {
    /// Always answers directly.
    #[default]
    Forbidden,
    /// Runs as a task when the client declared the extension, directly otherwise.
    Optional,
    /// Needs a client that declared the extension (others get -32021).
    Required,
}

/// Any error (a failed client request, a failed I/O call) fails the tool with its message.
impl<E: std::error::Error> From<E> for ToolError {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

/// The outcome of a tool call.
pub type ToolResult = Result<CallToolResult, ToolError>;

/// One tool: its description for `tools/list`, and what `tools/call` runs.
pub trait Tool: Send + Sync + 'static {
    /// The arguments, deserialized from `tools/call`'s `arguments`; their JSON Schema is the
    /// tool's `inputSchema` unless [`Tool::input_schema`] says otherwise.
    type Input: DeserializeOwned + JsonSchema + Send;

    /// The unique name clients call the tool by.
    fn name(&self) -> Cow<'static, str>;

    /// What the tool does, for the model.
    fn description(&self) -> Cow<'static, str>;

    /// A human-readable title for user interfaces.
    fn title(&self) -> Option<String> {
        None
    }

    /// Hints about the tool's behaviour (read-only, destructive, open world...).
    fn annotations(&self) -> Option<ToolAnnotations> {
        None
    }

    /// Icons for user interfaces.
    fn icons(&self) -> Option<Vec<Icon>> {
        None
    }

    /// The `inputSchema`; by default generated from [`Tool::Input`]. Override to publish a
    /// hand-written schema unchanged.
    fn input_schema(&self) -> JsonObject {
        schema_for::<Self::Input>()
    }

    /// Whether the tool can run as a task; such a tool calls [`Context::run_as_task`] where its
    /// long-running part begins.
    fn task_support(&self) -> TaskSupport {
        TaskSupport::Forbidden
    }

    /// The `outputSchema` of `structuredContent`, if the tool returns structured results.
    fn output_schema(&self) -> Option<JsonObject> {
        None
    }

    /// Runs the tool. `Err` becomes an `isError` result carrying the message.
    fn call(&self, input: Self::Input, context: Context)
    -> impl Future<Output = ToolResult> + Send;
}

/// The input of a tool that takes no arguments (its schema is an empty object).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct NoArguments {}

/// A one-line text result, the most common success.
pub fn text_result(text: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text)])
}
