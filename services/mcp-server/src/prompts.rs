//! Prompts: the [`Prompt`] trait, and the registry behind `prompts/list`, `prompts/get` and
//! the completion of prompt arguments.
//!
//! A prompt is one file implementing [`Prompt`]: its definition (name, arguments) and `get`,
//! which receives the arguments as strings (required ones are checked before it runs) and
//! returns the messages, which may embed resources and images.

mod registry;

use std::{collections::HashMap, future::Future};

use rmcp::model::{GetPromptResult, Prompt as PromptDefinition};

pub use self::registry::{PromptLookup, PromptRegistry};
pub use crate::context::Context;

/// Why `prompts/get` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// The arguments are unusable (-32602); the message says why.
    #[error("{0}")]
    InvalidArguments(String),
    /// Building the prompt failed; the message is shown to the client.
    #[error("{0}")]
    Failed(String),
}

/// A prompt template the client can fill in and use.
pub trait Prompt: Send + Sync + 'static {
    /// What `prompts/list` shows (name, title, description, arguments).
    fn definition(&self) -> PromptDefinition;

    /// Builds the prompt's messages from its arguments.
    fn get(
        &self,
        arguments: HashMap<String, String>,
        context: Context,
    ) -> impl Future<Output = Result<GetPromptResult, PromptError>> + Send;

    /// Values for the argument `argument` starting from what the user typed (`value`), for
    /// `completion/complete`; `resolved` holds arguments already chosen (default: none).
    fn complete(
        &self,
        _argument: String,
        _value: String,
        _resolved: HashMap<String, String>,
        _context: Context,
    ) -> impl Future<Output = Vec<String>> + Send {
        async { Vec::new() }
    }
}
