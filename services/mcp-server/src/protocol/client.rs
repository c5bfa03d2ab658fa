//! Requests from the server to the client (sampling, elicitation, roots) made while handling a
//! client request.
//!
//! The request goes out on the handling request's own stream. The client answers with a new
//! POST, which may reach another replica; that replica publishes the answer as a
//! [`Signal::ClientResponse`], and the task of the waiting request (which listens to its
//! session's signals anyway, for cancellation) hands it to the waiting call through
//! [`PendingRequests`]. A call gives up after a timeout, and tells the client so with
//! `notifications/cancelled`; so does a call dropped because its request was cancelled.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use rmcp::model::{ErrorData, RequestId};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{Outbox, Outgoing, jsonrpc};

/// Why a request to the client did not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientRequestError {
    /// The client did not declare the capability the request needs.
    #[error("the client does not support {0} (it did not declare the capability)")]
    CapabilityMissing(&'static str),
    /// The client's `Accept` header excludes `text/event-stream`, so nothing can reach it
    /// before the response.
    #[error(
        "the client cannot receive server requests: its Accept header does not allow text/event-stream"
    )]
    NotStreamable,
    /// The client answered with a JSON-RPC error.
    #[error("the client refused the request: {} ({})", .0.message, .0.code.0)]
    Rejected(ErrorData),
    /// The client's answer did not have the expected shape.
    #[error("the client's answer is malformed: {0}")]
    Malformed(String),
    /// No answer within the timeout.
    #[error("the client did not answer within {} s", .0.as_secs())]
    TimedOut(Duration),
    /// The request being handled ended first (cancelled, session ended, client gone).
    #[error("the request ended before the client answered")]
    Abandoned,
    /// Stateless era: the answer is not there yet; the request ends asking for it, and the
    /// handler runs again when the client retries with the answer.
    #[error("input required from the client")]
    InputRequired,
}

type Waiter = oneshot::Sender<Result<Value, Value>>;

/// The server's requests that wait for an answer, for one client request.
#[derive(Debug, Clone, Default)]
pub struct PendingRequests {
    waiting: Arc<Mutex<HashMap<RequestId, Waiter>>>,
}

impl PendingRequests {
    /// Hands a client's answer to the call waiting for it. Returns `false` if nobody here
    /// waits for that id (another request's, or one that already gave up).
    pub fn deliver(&self, id: &RequestId, outcome: Result<Value, Value>) -> bool {
        let waiter = self.lock().remove(id);
        waiter.is_some_and(|waiter| waiter.send(outcome).is_ok())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, Waiter>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sends requests to the client on behalf of one client request.
#[derive(Debug, Clone)]
pub(super) struct ClientRequests {
    pending: PendingRequests,
    outbox: Outbox,
    timeout: Duration,
}

impl ClientRequests {
    pub(super) fn new(pending: PendingRequests, outbox: Outbox, timeout: Duration) -> Self {
        Self {
            pending,
            outbox,
            timeout,
        }
    }

    /// Sends `method` with `params` to the client and waits for its result.
    pub(super) async fn send(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientRequestError> {
        if !self.outbox.streams() {
            return Err(ClientRequestError::NotStreamable);
        }
        let id = RequestId::String(Arc::from(format!("srv-{:016x}", rand::random::<u64>())));
        let (sender, receiver) = oneshot::channel();
        self.pending.lock().insert(id.clone(), sender);
        let mut guard = Waiting {
            pending: &self.pending,
            outbox: &self.outbox,
            id: &id,
            settled: false,
        };
        let mut params = params;
        super::trace::stamp(&mut params);
        let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        if self
            .outbox
            .send(Outgoing::Message(Arc::from(request.to_string())))
            .await
            .is_err()
        {
            guard.settled = true;
            return Err(ClientRequestError::Abandoned);
        }
        let outcome = tokio::time::timeout(self.timeout, receiver).await;
        match outcome {
            Ok(Ok(Ok(result))) => {
                guard.settled = true;
                Ok(result)
            }
            Ok(Ok(Err(error))) => {
                guard.settled = true;
                Err(match serde_json::from_value::<ErrorData>(error) {
                    Ok(error) => ClientRequestError::Rejected(error),
                    Err(error) => ClientRequestError::Malformed(error.to_string()),
                })
            }
            // The waiter was dropped: the session's signals ended (session gone).
            Ok(Err(_)) => Err(ClientRequestError::Abandoned),
            Err(_) => Err(ClientRequestError::TimedOut(self.timeout)),
        }
    }
}

/// Forgets a pending request when its call ends, and tells the client to stop working on it
/// unless it answered.
struct Waiting<'a> {
    pending: &'a PendingRequests,
    outbox: &'a Outbox,
    id: &'a RequestId,
    settled: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.pending.lock().remove(self.id);
        if !self.settled {
            let params =
                json!({ "requestId": self.id, "reason": "the server no longer needs this answer" });
            let notice = jsonrpc::notification("notifications/cancelled", params);
            // Best effort, without waiting: the stream may already be gone.
            self.outbox.try_send(Outgoing::Message(notice));
        }
    }
}

#[cfg(test)]
mod tests;
