//! The set of prompts a server offers.

use std::{collections::HashMap, fmt, sync::Arc};

use futures::{FutureExt, future::BoxFuture};
use rmcp::model::{GetPromptResult, Prompt as PromptDefinition};

use super::{Context, Prompt, PromptError};
use crate::features::DuplicateName;

/// Prompts by name, in registration order.
#[derive(Default)]
pub struct PromptRegistry {
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
}

struct Entry {
    definition: PromptDefinition,
    handler: Arc<dyn ErasedPrompt>,
}

/// What `prompts/get` found under a name.
pub enum PromptLookup {
    /// The prompt's `get`, ready to run.
    Found(BoxFuture<'static, Result<GetPromptResult, PromptError>>),
    /// No prompt has that name.
    Unknown,
}

impl fmt::Debug for PromptLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Found(_) => "Found",
            Self::Unknown => "Unknown",
        })
    }
}

impl PromptRegistry {
    /// Adds a prompt.
    pub fn register<P: Prompt>(&mut self, prompt: P) -> Result<&mut Self, DuplicateName> {
        let definition = prompt.definition();
        if self.by_name.contains_key(&definition.name) {
            return Err(DuplicateName {
                kind: "prompt",
                name: definition.name,
            });
        }
        self.by_name
            .insert(definition.name.clone(), self.entries.len());
        self.entries.push(Entry {
            definition,
            handler: Arc::new(Erased(Arc::new(prompt))),
        });
        Ok(self)
    }

    /// Whether no prompt is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every prompt's definition, in registration order.
    pub fn definitions(&self) -> Vec<PromptDefinition> {
        self.entries
            .iter()
            .map(|entry| entry.definition.clone())
            .collect()
    }

    /// Prepares `prompts/get`; required arguments missing from `arguments` fail it at once.
    pub fn get(
        &self,
        name: &str,
        arguments: HashMap<String, String>,
        context: Context,
    ) -> PromptLookup {
        let Some(&index) = self.by_name.get(name) else {
            return PromptLookup::Unknown;
        };
        let entry = &self.entries[index];
        let missing: Vec<&str> = entry
            .definition
            .arguments
            .iter()
            .flatten()
            .filter(|argument| {
                argument.required == Some(true) && !arguments.contains_key(&argument.name)
            })
            .map(|argument| argument.name.as_str())
            .collect();
        if !missing.is_empty() {
            let message = format!("Missing required arguments: {}", missing.join(", "));
            return PromptLookup::Found(
                async move { Err(PromptError::InvalidArguments(message)) }.boxed(),
            );
        }
        PromptLookup::Found(entry.handler.get(arguments, context))
    }

    /// Completes an argument of the prompt `name`; `None` if there is no such prompt.
    pub fn complete(
        &self,
        name: &str,
        argument: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> Option<BoxFuture<'static, Vec<String>>> {
        let index = *self.by_name.get(name)?;
        Some(
            self.entries[index]
                .handler
                .complete(argument, value, resolved, context),
        )
    }
}

impl fmt::Debug for PromptRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|entry| &entry.definition.name))
            .finish()
    }
}

trait ErasedPrompt: Send + Sync {
    fn get(
        &self,
        arguments: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Result<GetPromptResult, PromptError>>;
    fn complete(
        &self,
        argument: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Vec<String>>;
}

struct Erased<P>(Arc<P>);

impl<P: Prompt> ErasedPrompt for Erased<P> {
    fn get(
        &self,
        arguments: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Result<GetPromptResult, PromptError>> {
        let prompt = Arc::clone(&self.0);
        async move { prompt.get(arguments, context).await }.boxed()
    }

    fn complete(
        &self,
        argument: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Vec<String>> {
        let prompt = Arc::clone(&self.0);
        async move { prompt.complete(argument, value, resolved, context).await }.boxed()
    }
}
