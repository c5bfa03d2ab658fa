//! Running a stateless-era (2026-07-28) request: no session, the request's own `_meta`, and
//! multi-round-trip input through a sealed `requestState`.

use std::sync::Arc;

use rmcp::model::{ErrorCode, ErrorData};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::{
    McpServer, Outbox, Peer, PendingRequests, RequestContext, RequestMeta,
    context::Incoming,
    dispatch::{answer, progress_token},
    era,
    inputs::{CarriedState, InputRound, RoundOutcome},
    tasks, trace, version,
};
use crate::{auth::Principal, protocol::jsonrpc::RequestMessage, tools::TaskSupport};

impl McpServer {
    /// Runs one stateless-era request; its messages, then its response, go to `outbox`.
    /// The transport has validated the headers and `_meta` already.
    pub async fn run_stateless(
        self: &Arc<Self>,
        meta: RequestMeta,
        principal: Principal,
        request: RequestMessage,
        outbox: Outbox,
    ) {
        let peer = Peer::Stateless(meta);
        let span =
            trace::request_span(&request.method, &request.id, request.params.as_ref(), &peer);
        self.run_stateless_in_span(peer, principal, request, outbox)
            .instrument(span)
            .await;
    }

    async fn run_stateless_in_span(
        self: &Arc<Self>,
        peer: Peer,
        principal: Principal,
        request: RequestMessage,
        outbox: Outbox,
    ) {
        let RequestMessage {
            id,
            method,
            mut params,
        } = request;
        let binding = binding(&method, params.as_ref(), &principal);
        let inputs = if era::may_need_input(&method) {
            match self.open_round(&method, &binding, params.as_mut()) {
                Ok(round) => Some(Arc::new(round)),
                Err(error) => {
                    let _ = outbox.send(answer(&id, &method, Err(error))).await;
                    return;
                }
            }
        } else {
            None
        };
        let incoming = Incoming {
            peer,
            principal,
            request_id: id.clone(),
            progress_token: progress_token(params.as_ref()),
            inputs: inputs.clone(),
        };
        let mut context = RequestContext::new(
            incoming,
            outbox.clone(),
            PendingRequests::default(),
            &self.services,
        );
        let result = match self.task_support(&context, &method, params.as_ref()) {
            Ok(TaskSupport::Forbidden) => self.handle_request(&context, &method, params).await,
            Ok(_) => self.run_task_capable(&mut context, params).await,
            Err(error) => Err(error),
        };
        let became_task = context.task_id().is_some();
        let result = match &inputs {
            Some(round) if !became_task => self.settle_round(round, &binding, result),
            _ => result,
        };
        let result = result.map(|value| complete(&method, value));
        let _ = outbox.send(answer(&id, &method, result)).await;
    }

    /// How a stateless-era request may run as a task: only calls of task-capable tools, by a
    /// client that declared the extension (a task-required tool refuses the others).
    fn task_support(
        &self,
        context: &RequestContext,
        method: &str,
        params: Option<&Map<String, Value>>,
    ) -> Result<TaskSupport, ErrorData> {
        if method != "tools/call" {
            return Ok(TaskSupport::Forbidden);
        }
        let name = params
            .map(|params| target_of(method, params))
            .unwrap_or_default();
        let declared = context.peer.client_capabilities().supports_tasks();
        match self.features.tools.task_support(&name) {
            TaskSupport::Required if !declared => Err(tasks::extension_required()),
            _ if !declared => Ok(TaskSupport::Forbidden),
            support => Ok(support),
        }
    }

    /// Builds this run's inputs from the retry's `inputResponses` and sealed `requestState`
    /// (both taken out of `params`).
    fn open_round(
        &self,
        method: &str,
        binding: &[u8],
        params: Option<&mut Map<String, Value>>,
    ) -> Result<InputRound, ErrorData> {
        let Some(params) = params else {
            return Ok(InputRound::new(None, Map::new()));
        };
        let responses = match params.remove("inputResponses") {
            None => Map::new(),
            Some(Value::Object(responses)) => responses,
            Some(_) => {
                return Err(ErrorData::invalid_params(
                    "Invalid params: inputResponses must be an object",
                    None,
                ));
            }
        };
        let carried = match params.remove("requestState") {
            None => None,
            Some(Value::String(sealed)) => {
                match self.state.keys.open::<CarriedState>(&sealed, binding) {
                    Ok(state) => Some(state),
                    Err(error) => {
                        tracing::warn!(%error, mcp.method = method, "requestState refused");
                        return Err(ErrorData::invalid_params("Invalid requestState", None));
                    }
                }
            }
            Some(_) => {
                return Err(ErrorData::invalid_params(
                    "Invalid params: requestState must be a string",
                    None,
                ));
            }
        };
        Ok(InputRound::new(carried, responses))
    }

    /// Turns what the handler's run needed into the answer: its own result, a request for
    /// input with a new sealed state, or the error that a bad answer or a missing capability
    /// calls for.
    fn settle_round(
        &self,
        round: &InputRound,
        binding: &[u8],
        result: Result<Value, ErrorData>,
    ) -> Result<Value, ErrorData> {
        match round.outcome() {
            RoundOutcome::Complete => result,
            RoundOutcome::InvalidAnswer(why) => Err(ErrorData::invalid_params(
                format!("Invalid inputResponses: {why}"),
                None,
            )),
            RoundOutcome::MissingCapability(capability) => Err(ErrorData::new(
                ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
                "Missing required client capability",
                Some(json!({ "requiredCapabilities": { capability: {} } })),
            )),
            RoundOutcome::NeedsInput(asked) => {
                let sealed = self
                    .state
                    .keys
                    .seal(&round.carry(&asked), binding, self.state.ttl);
                let requests: Map<String, Value> = asked.into_iter().collect();
                Ok(json!({
                    "resultType": "input_required",
                    "inputRequests": requests,
                    "requestState": sealed,
                }))
            }
        }
    }

    /// `server/discover`: versions, capabilities, instructions and identity.
    pub(super) fn discover(&self) -> Value {
        let mut versions = vec![json!(version::STATELESS_VERSION.as_str())];
        versions.extend(
            version::HANDSHAKE_VERSIONS
                .iter()
                .rev()
                .map(|v| json!(v.as_str())),
        );
        let mut capabilities = self.capabilities();
        if self.features.tools.any_tasks() {
            // The tasks extension exists in the stateless era only, so it is declared here
            // and not in `initialize`.
            capabilities.extensions.get_or_insert_default().insert(
                rmcp::model::TASKS_EXTENSION_ID.to_owned(),
                Default::default(),
            );
        }
        let mut result = json!({
            "resultType": "complete",
            "supportedVersions": versions,
            "capabilities": capabilities,
            "_meta": { "io.modelcontextprotocol/serverInfo": self.info },
        });
        if let Some(instructions) = &self.instructions {
            result["instructions"] = json!(instructions);
        }
        result
    }
}

/// Adds what every stateless-era result carries: `resultType`, and cache hints on cacheable
/// results.
fn complete(method: &str, mut value: Value) -> Value {
    if let Value::Object(object) = &mut value {
        object
            .entry("resultType")
            .or_insert_with(|| json!("complete"));
        let is_complete = object.get("resultType").and_then(Value::as_str) == Some("complete");
        if is_complete && let Some((ttl, scope)) = era::cache_hints(method) {
            object.entry("ttlMs").or_insert_with(|| json!(ttl));
            object.entry("cacheScope").or_insert_with(|| json!(scope));
        }
    }
    value
}

/// What a request state is bound to: method, target (tool or prompt name, or URI), caller and
/// arguments.
fn binding(method: &str, params: Option<&Map<String, Value>>, principal: &Principal) -> Vec<u8> {
    let empty = Map::new();
    let params = params.unwrap_or(&empty);
    let mut binding = format!(
        "{method}\n{}\n{}\n",
        target_of(method, params),
        principal.owner_key()
    )
    .into_bytes();
    binding.extend(arguments_digest(params));
    binding
}

/// The name or URI a request of `method` acts on.
pub(super) fn target_of(method: &str, params: &Map<String, Value>) -> String {
    let field = if method == "resources/read" {
        "uri"
    } else {
        "name"
    };
    params
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// SHA-256 of the arguments in canonical form (object keys sorted), so a state cannot be used
/// with other arguments.
fn arguments_digest(params: &Map<String, Value>) -> Vec<u8> {
    let arguments = params.get("arguments").cloned().unwrap_or(Value::Null);
    Sha256::digest(canonical(&arguments).as_bytes()).to_vec()
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|key| format!("{}:{}", json!(key), canonical(&object[*key])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_ignores_key_order() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, {"c": 3, "d": 2}]}, "b": 1});
        assert_eq!(canonical(&a), canonical(&b));
        assert_ne!(canonical(&a), canonical(&json!({"b": 2})));
    }

    #[test]
    fn results_get_a_result_type_and_cache_hints() {
        let listed = complete("tools/list", json!({"tools": []}));
        assert_eq!(
            listed,
            json!({"tools": [], "resultType": "complete", "ttlMs": 300000, "cacheScope": "public"})
        );
        let asked = complete("resources/read", json!({"resultType": "input_required"}));
        assert!(
            asked.get("ttlMs").is_none(),
            "only complete results are cacheable"
        );
        let called = complete("tools/call", json!({"content": []}));
        assert_eq!(called["resultType"], "complete");
        assert!(called.get("cacheScope").is_none());
    }
}
