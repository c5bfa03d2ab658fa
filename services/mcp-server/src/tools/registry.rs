//! The set of tools a server offers: definitions for `tools/list`, dispatch for `tools/call`.

use std::{collections::HashMap, fmt, sync::Arc};

use futures::{FutureExt, future::BoxFuture};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool as ToolDefinition};
use serde_json::Value;

use super::{Context, Tool};
use crate::features::DuplicateName;

/// Tools by name, in registration order.
#[derive(Default)]
pub struct ToolRegistry {
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
}

struct Entry {
    definition: ToolDefinition,
    handler: Arc<dyn ErasedTool>,
}

/// What `tools/call` found under a name.
pub enum ToolLookup {
    /// The tool's call, ready to run.
    Found(BoxFuture<'static, CallToolResult>),
    /// No tool has that name.
    Unknown,
}

impl fmt::Debug for ToolLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Found(_) => "Found",
            Self::Unknown => "Unknown",
        })
    }
}

impl ToolRegistry {
    /// Adds a tool.
    pub fn register<T: Tool>(&mut self, tool: T) -> Result<&mut Self, DuplicateName> {
        let mut definition = ToolDefinition::new_with_raw(
            tool.name(),
            Some(tool.description()),
            Arc::new(tool.input_schema()),
        );
        definition.title = tool.title();
        definition.annotations = tool.annotations();
        definition.icons = tool.icons();
        definition.output_schema = tool.output_schema().map(Arc::new);
        let name = definition.name.to_string();
        if self.by_name.contains_key(&name) {
            return Err(DuplicateName { kind: "tool", name });
        }
        self.by_name.insert(name, self.entries.len());
        self.entries.push(Entry {
            definition,
            handler: Arc::new(Erased(Arc::new(tool))),
        });
        Ok(self)
    }

    /// Whether no tool is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every tool's definition, in registration order.
    pub fn definitions(&self) -> Vec<ToolDefinition> {
        self.entries
            .iter()
            .map(|entry| entry.definition.clone())
            .collect()
    }

    /// Prepares a call of the tool `name` with `arguments`.
    pub fn call(&self, name: &str, arguments: Option<JsonObject>, context: Context) -> ToolLookup {
        match self.by_name.get(name) {
            Some(&index) => ToolLookup::Found(self.entries[index].handler.call(arguments, context)),
            None => ToolLookup::Unknown,
        }
    }
}

impl fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|entry| &entry.definition.name))
            .finish()
    }
}

/// A [`Tool`] with its input type erased, so tools of different types share one registry.
trait ErasedTool: Send + Sync {
    fn call(
        &self,
        arguments: Option<JsonObject>,
        context: Context,
    ) -> BoxFuture<'static, CallToolResult>;
}

struct Erased<T>(Arc<T>);

impl<T: Tool> ErasedTool for Erased<T> {
    fn call(
        &self,
        arguments: Option<JsonObject>,
        context: Context,
    ) -> BoxFuture<'static, CallToolResult> {
        let tool = Arc::clone(&self.0);
        async move {
            let input = match serde_json::from_value::<T::Input>(Value::Object(
                arguments.unwrap_or_default(),
            )) {
                Ok(input) => input,
                Err(error) => {
                    // Bad arguments are the model's to fix: an isError result, not a protocol error.
                    let message = format!("Invalid arguments for tool {}: {error}", tool.name());
                    return CallToolResult::error(vec![ContentBlock::text(message)]);
                }
            };
            match tool.call(input, context).await {
                Ok(result) => result,
                Err(error) => CallToolResult::error(vec![ContentBlock::text(error.message())]),
            }
        }
        .boxed()
    }
}
