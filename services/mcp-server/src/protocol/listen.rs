//! `subscriptions/listen` (stateless era): a long-lived request whose stream carries only the
//! notifications the client opted in to, from any replica, until the server shuts down.

use futures::StreamExt;
use rmcp::model::{ErrorData, RequestId};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{McpServer, RequestContext, dispatch::typed_params, jsonrpc};
use crate::bus::ServerEvent;

/// What the client opted in to (`params.notifications`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default)]
    tools_list_changed: bool,
    #[serde(default)]
    prompts_list_changed: bool,
    #[serde(default)]
    resources_list_changed: bool,
    #[serde(default)]
    resource_subscriptions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ListenParams {
    notifications: Filter,
}

impl McpServer {
    /// Acknowledges the subscription, passes on matching server events, and answers only when
    /// the server shuts down (the client ends it by closing the stream).
    pub(super) async fn listen(
        &self,
        context: &RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        let ListenParams {
            notifications: asked,
        } = typed_params(params)?;
        let capabilities = self.capabilities();
        // Honour only what this server can ever send.
        let honoured = Filter {
            tools_list_changed: asked.tools_list_changed && capabilities.tools.is_some(),
            prompts_list_changed: asked.prompts_list_changed && capabilities.prompts.is_some(),
            resources_list_changed: asked.resources_list_changed
                && capabilities.resources.is_some(),
            resource_subscriptions: if capabilities.resources.is_some() {
                asked.resource_subscriptions
            } else {
                Vec::new()
            },
        };
        let mut events = self.services.bus.server_events().await.map_err(|error| {
            tracing::error!(%error, "cannot listen to server events");
            ErrorData::internal_error("Internal error", None)
        })?;
        let subscription = &context.request_id;
        let mut acknowledged = Map::new();
        for (key, on) in [
            ("toolsListChanged", honoured.tools_list_changed),
            ("promptsListChanged", honoured.prompts_list_changed),
            ("resourcesListChanged", honoured.resources_list_changed),
        ] {
            if on {
                acknowledged.insert(key.to_owned(), json!(true));
            }
        }
        if !honoured.resource_subscriptions.is_empty() {
            acknowledged.insert(
                "resourceSubscriptions".to_owned(),
                json!(honoured.resource_subscriptions),
            );
        }
        let ack = json!({ "_meta": tag(subscription), "notifications": acknowledged });
        self.send(
            context,
            jsonrpc::notification("notifications/subscriptions/acknowledged", ack),
        )
        .await?;
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => {
                    return Ok(json!({ "resultType": "complete", "_meta": tag(subscription) }));
                }
                event = events.next() => {
                    let Some(event) = event else { return Err(ErrorData::internal_error("Internal error", None)) };
                    if let Some(method) = wanted(&honoured, &event) {
                        let mut params = json!({ "_meta": tag(subscription) });
                        if let ServerEvent::ResourceUpdated { uri } = &event {
                            params["uri"] = json!(uri);
                        }
                        self.send(context, jsonrpc::notification(method, params)).await?;
                    }
                }
            }
        }
    }

    async fn send(
        &self,
        context: &RequestContext,
        message: std::sync::Arc<str>,
    ) -> Result<(), ErrorData> {
        // The client closed the stream: the request is over.
        context
            .send_on_request_stream(message)
            .await
            .map_err(|_| ErrorData::internal_error("Stream closed", None))
    }
}

/// The `_meta` tagging a notification with the subscription it belongs to.
fn tag(subscription: &RequestId) -> Value {
    json!({ "io.modelcontextprotocol/subscriptionId": subscription })
}

/// The notification method for `event`, if the filter asked for it.
fn wanted(filter: &Filter, event: &ServerEvent) -> Option<&'static str> {
    match event {
        ServerEvent::ToolsListChanged if filter.tools_list_changed => {
            Some("notifications/tools/list_changed")
        }
        ServerEvent::PromptsListChanged if filter.prompts_list_changed => {
            Some("notifications/prompts/list_changed")
        }
        ServerEvent::ResourcesListChanged if filter.resources_list_changed => {
            Some("notifications/resources/list_changed")
        }
        ServerEvent::ResourceUpdated { uri }
            if filter.resource_subscriptions.iter().any(|s| s == uri) =>
        {
            Some("notifications/resources/updated")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_opted_in_notifications_pass() {
        let filter = Filter {
            prompts_list_changed: true,
            resource_subscriptions: vec!["a://x".into()],
            ..Filter::default()
        };
        assert_eq!(wanted(&filter, &ServerEvent::ToolsListChanged), None);
        assert_eq!(
            wanted(&filter, &ServerEvent::PromptsListChanged),
            Some("notifications/prompts/list_changed")
        );
        assert_eq!(
            wanted(
                &filter,
                &ServerEvent::ResourceUpdated {
                    uri: "a://y".into()
                }
            ),
            None
        );
        assert_eq!(
            wanted(
                &filter,
                &ServerEvent::ResourceUpdated {
                    uri: "a://x".into()
                }
            ),
            Some("notifications/resources/updated")
        );
    }
}
