//! The feature methods: logging, tools, resources, prompts and completion.

use std::collections::HashMap;

use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, CompleteResult, CompletionInfo, ErrorCode,
    ErrorData, GetPromptRequestParams, JsonObject, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, PromptsCapability,
    ReadResourceRequestParams, ReadResourceResult, Reference, ResourcesCapability,
    ServerCapabilities, ServerResult, SubscribeRequestParams, ToolsCapability,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{LogLevel, McpServer, RequestContext, dispatch::typed_params};
use crate::{
    context::Context,
    prompts::{PromptError, PromptLookup},
    resources::{ReadLookup, ResourceError},
    session::SessionUpdate,
    tools::ToolLookup,
};

impl McpServer {
    /// What this server offers, from what is registered: a feature without items is not
    /// declared (its methods answer -32601).
    pub(super) fn capabilities(&self) -> ServerCapabilities {
        let features = &self.features;
        let mut capabilities = ServerCapabilities::default();
        capabilities.logging = Some(JsonObject::new());
        if !features.tools.is_empty() {
            let mut tools = ToolsCapability::default();
            tools.list_changed = Some(true);
            capabilities.tools = Some(tools);
        }
        if !features.resources.is_empty() {
            let mut resources = ResourcesCapability::default();
            resources.subscribe = Some(true);
            resources.list_changed = Some(true);
            capabilities.resources = Some(resources);
        }
        if !features.prompts.is_empty() {
            let mut prompts = PromptsCapability::default();
            prompts.list_changed = Some(true);
            capabilities.prompts = Some(prompts);
        }
        if features.resources.has_templates() || !features.prompts.is_empty() {
            capabilities.completions = Some(JsonObject::new());
        }
        capabilities
    }

    pub(super) async fn set_level(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        #[derive(Deserialize)]
        struct SetLevel {
            level: LogLevel,
        }
        let SetLevel { level } = typed_params(params)?;
        self.update_session(context, SessionUpdate::SetLogLevel(level))
            .await?;
        Ok(ServerResult::empty(()))
    }

    pub(super) fn list_tools(
        &self,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        no_cursor(params)?;
        Ok(ServerResult::ListToolsResult(
            ListToolsResult::with_all_items(self.features.tools.definitions()),
        ))
    }

    pub(super) async fn call_tool(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let params: CallToolRequestParams = typed_params(params)?;
        match self.features.tools.call(
            &params.name,
            params.arguments,
            Context::new(context.clone()),
        ) {
            ToolLookup::Found(call) => Ok(ServerResult::CallToolResult(call.await?)),
            ToolLookup::Unknown => Err(ErrorData::invalid_params(
                format!("Unknown tool: {}", params.name),
                None,
            )),
        }
    }

    pub(super) async fn list_resources(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        no_cursor(params)?;
        let resources = self
            .features
            .resources
            .list(&Context::new(context.clone()))
            .await;
        Ok(ServerResult::ListResourcesResult(
            ListResourcesResult::with_all_items(resources),
        ))
    }

    pub(super) fn list_resource_templates(
        &self,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        no_cursor(params)?;
        let templates = self.features.resources.templates();
        Ok(ServerResult::ListResourceTemplatesResult(
            ListResourceTemplatesResult::with_all_items(templates),
        ))
    }

    pub(super) async fn read_resource(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let params: ReadResourceRequestParams = typed_params(params)?;
        // -32002 until 2025-11-25; the stateless era reports it as invalid params (SEP-2164).
        let stateless = context.peer.is_stateless();
        let not_found = || {
            let data = Some(json!({ "uri": params.uri }));
            if stateless {
                ErrorData::invalid_params("Resource not found", data)
            } else {
                ErrorData::resource_not_found("Resource not found", data)
            }
        };
        let ReadLookup::Found(read) = self
            .features
            .resources
            .read(&params.uri, Context::new(context.clone()))
        else {
            return Err(not_found());
        };
        match read.await {
            Ok(contents) if contents.is_empty() => Err(not_found()),
            Ok(contents) => Ok(ServerResult::ReadResourceResult(ReadResourceResult::new(
                contents,
            ))),
            Err(ResourceError::NotFound) => Err(not_found()),
            Err(ResourceError::Failed(message)) => Err(ErrorData::internal_error(message, None)),
        }
    }

    pub(super) async fn change_subscription(
        &self,
        context: &RequestContext,
        subscribe: bool,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let SubscribeRequestParams { uri, .. } = typed_params(params)?;
        let update = if subscribe {
            SessionUpdate::Subscribe(uri)
        } else {
            SessionUpdate::Unsubscribe(uri)
        };
        self.update_session(context, update).await?;
        Ok(ServerResult::empty(()))
    }

    pub(super) fn list_prompts(
        &self,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        no_cursor(params)?;
        Ok(ServerResult::ListPromptsResult(
            ListPromptsResult::with_all_items(self.features.prompts.definitions()),
        ))
    }

    pub(super) async fn get_prompt(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let params: GetPromptRequestParams = typed_params(params)?;
        let arguments = string_arguments(params.arguments)?;
        match self
            .features
            .prompts
            .get(&params.name, arguments, Context::new(context.clone()))
        {
            PromptLookup::Unknown => Err(ErrorData::invalid_params(
                format!("Unknown prompt: {}", params.name),
                None,
            )),
            PromptLookup::Found(get) => match get.await {
                Ok(result) => Ok(ServerResult::GetPromptResult(result)),
                Err(PromptError::InvalidArguments(message)) => {
                    Err(ErrorData::invalid_params(message, None))
                }
                Err(PromptError::Failed(message)) => Err(ErrorData::internal_error(message, None)),
            },
        }
    }

    pub(super) async fn complete(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<ServerResult, ErrorData> {
        let params: CompleteRequestParams = typed_params(params)?;
        let resolved = params
            .context
            .and_then(|context| context.arguments)
            .unwrap_or_default();
        let (name, value) = (params.argument.name, params.argument.value);
        let context = Context::new(context.clone());
        let completion = match &params.r#ref {
            Reference::Prompt(prompt) => self
                .features
                .prompts
                .complete(&prompt.name, name, value, resolved, context)
                .ok_or_else(|| {
                    ErrorData::invalid_params(format!("Unknown prompt: {}", prompt.name), None)
                })?,
            Reference::Resource(template) => self
                .features
                .resources
                .complete(&template.uri, name, value, resolved, context)
                .ok_or_else(|| {
                    ErrorData::invalid_params(
                        format!("Unknown resource template: {}", template.uri),
                        None,
                    )
                })?,
            _ => {
                return Err(ErrorData::invalid_params(
                    "Unsupported completion reference",
                    None,
                ));
            }
        };
        let mut values = completion.await;
        let total = values.len();
        values.truncate(CompletionInfo::MAX_VALUES);
        let info = CompletionInfo::with_pagination(
            values,
            u32::try_from(total).ok(),
            total > CompletionInfo::MAX_VALUES,
        )
        .map_err(|error| ErrorData::internal_error(error, None))?;
        Ok(ServerResult::CompleteResult(CompleteResult::new(info)))
    }

    async fn update_session(
        &self,
        context: &RequestContext,
        update: SessionUpdate,
    ) -> Result<(), ErrorData> {
        // Only handshake-era methods update sessions; the router keeps others away.
        let Some(session) = context.peer.session() else {
            return Err(ErrorData::internal_error("Internal error", None));
        };
        match self.services.sessions.update(&session.id, update).await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::error!(%error, "cannot update the session");
                Err(ErrorData::internal_error("Internal error", None))
            }
        }
    }
}

/// Every list fits in one page, so a cursor can only be one we never issued.
fn no_cursor(params: Option<Map<String, Value>>) -> Result<(), ErrorData> {
    let params: Option<PaginatedRequestParams> = params
        .map(|params| typed_params(Some(params)))
        .transpose()?;
    match params.and_then(|params| params.cursor) {
        Some(_) => Err(ErrorData::new(
            ErrorCode::INVALID_PARAMS,
            "Invalid cursor",
            None,
        )),
        None => Ok(()),
    }
}

/// Prompt arguments are strings by the specification.
fn string_arguments(arguments: Option<JsonObject>) -> Result<HashMap<String, String>, ErrorData> {
    arguments
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(value) => Ok((name, value)),
            _ => Err(ErrorData::invalid_params(
                format!("Argument {name} must be a string"),
                None,
            )),
        })
        .collect()
}
