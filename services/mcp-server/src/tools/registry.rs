//! The set of tools a server offers: definitions for `tools/list`, dispatch for `tools/call`.

use std::{collections::HashMap, fmt, sync::Arc};

use futures::{FutureExt, future::BoxFuture};
use rmcp::model::{CallToolResult, ContentBlock, ErrorData, JsonObject, Tool as ToolDefinition};
use serde_json::Value;

use super::{Context, TaskSupport, Tool};
use crate::features::{DuplicateName, RegisterError};

/// Tools by name, in registration order.
#[derive(Default)]
pub struct ToolRegistry {
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
}

struct Entry {
    definition: ToolDefinition,
    header_params: Vec<HeaderParam>,
    task_support: TaskSupport,
    handler: Arc<dyn ErasedTool>,
}

/// An argument mirrored in an HTTP header (`"x-mcp-header": "<Name>"` on a top-level property
/// of the input schema): stateless-era calls carry it as `Mcp-Param-<Name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderParam {
    /// The argument's name.
    pub argument: String,
    /// `<Name>` of `Mcp-Param-<Name>`.
    pub header: String,
}

/// The header-mirrored arguments of an input schema; `Err` names the first invalid one.
fn header_params(schema: &JsonObject) -> Result<Vec<HeaderParam>, String> {
    let mut params: Vec<HeaderParam> = Vec::new();
    let properties = schema.get("properties").and_then(Value::as_object);
    for (argument, property) in properties.into_iter().flatten() {
        let Some(header) = property.get("x-mcp-header") else {
            continue;
        };
        let header = header.as_str().unwrap_or_default();
        // RFC 9110 token characters.
        let token = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(format!("x-mcp-header of {argument:?} is not an HTTP token"));
        }
        if params.iter().any(|p| p.header.eq_ignore_ascii_case(header)) {
            return Err(format!("x-mcp-header {header:?} is used twice"));
        }
        params.push(HeaderParam {
            argument: argument.clone(),
            header: header.to_owned(),
        });
    }
    Ok(params)
}

/// What `tools/call` found under a name.
pub enum ToolLookup {
    /// The tool's call, ready to run.
    Found(BoxFuture<'static, Result<CallToolResult, ErrorData>>),
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
    pub fn register<T: Tool>(&mut self, tool: T) -> Result<&mut Self, RegisterError> {
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
            return Err(RegisterError::Duplicate(DuplicateName {
                kind: "tool",
                name,
            }));
        }
        let header_params =
            header_params(&definition.input_schema).map_err(|why| RegisterError::Schema {
                tool: name.clone(),
                why,
            })?;
        self.by_name.insert(name, self.entries.len());
        self.entries.push(Entry {
            task_support: tool.task_support(),
            definition,
            header_params,
            handler: Arc::new(Erased(Arc::new(tool))),
        });
        Ok(self)
    }

    /// Whether no tool is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The header-mirrored arguments of the tool `name` (none for unknown tools).
    pub fn header_params(&self, name: &str) -> &[HeaderParam] {
        self.by_name
            .get(name)
            .map_or(&[], |&index| &self.entries[index].header_params)
    }

    /// Whether the tool `name` can run as a task (`Forbidden` for unknown tools).
    pub fn task_support(&self, name: &str) -> TaskSupport {
        self.by_name
            .get(name)
            .map_or(TaskSupport::Forbidden, |&index| {
                self.entries[index].task_support
            })
    }

    /// Whether any tool can run as a task.
    pub fn any_tasks(&self) -> bool {
        self.entries
            .iter()
            .any(|entry| entry.task_support != TaskSupport::Forbidden)
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
    ) -> BoxFuture<'static, Result<CallToolResult, ErrorData>>;
}

struct Erased<T>(Arc<T>);

impl<T: Tool> ErasedTool for Erased<T> {
    fn call(
        &self,
        arguments: Option<JsonObject>,
        context: Context,
    ) -> BoxFuture<'static, Result<CallToolResult, ErrorData>> {
        let tool = Arc::clone(&self.0);
        async move {
            let input = match serde_json::from_value::<T::Input>(Value::Object(
                arguments.unwrap_or_default(),
            )) {
                Ok(input) => input,
                Err(error) => {
                    // Bad arguments are the model's to fix: an isError result, not a protocol error.
                    let message = format!("Invalid arguments for tool {}: {error}", tool.name());
                    return Ok(CallToolResult::error(vec![ContentBlock::text(message)]));
                }
            };
            match tool.call(input, context).await {
                Ok(result) => Ok(result),
                Err(error) if error.is_internal() => {
                    Err(ErrorData::internal_error(error.message().to_owned(), None))
                }
                Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(
                    error.message(),
                )])),
            }
        }
        .boxed()
    }
}
