//! Answering a POST that carried requests: as one JSON body when possible, as an SSE stream
//! when the requests send messages before their responses or run long.
//!
//! The requests run in their own tasks and write to an [`Outbox`]. This module waits for their
//! output: if every response arrives before any other message (and within the keep-alive
//! interval), the client gets plain JSON. Otherwise the answer becomes an SSE stream: a pump
//! task appends everything to the stream's event log and the response reads that log, so a
//! client that loses the connection can resume it with `Last-Event-ID`, and the requests run on
//! even if it does. Until that switch, a client that disconnects cancels its requests: their
//! answers could never reach it.

use std::{panic::AssertUnwindSafe, sync::Arc};

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::FutureExt;
use rmcp::model::ErrorData;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{AppState, TransportError, error::json_body, headers::Accepts, sse, watch};
use crate::{
    auth::Principal,
    bus::{EventBus, Signal, StreamId, StreamKey},
    protocol::{
        Outbox, Outgoing,
        jsonrpc::{self, RequestMessage},
        version,
    },
    session::SessionRecord,
};

/// The messages a POST has produced so far, and how many requests are still running.
#[derive(Debug)]
pub(super) struct Pending {
    /// What the requests produced so far, in arrival order.
    arrived: Vec<Outgoing>,
    /// Responses among `arrived`.
    responses: usize,
    /// Requests that have not yet answered (or been cancelled).
    running: usize,
    /// Whether the body was a batch (its JSON answer is an array).
    batch: bool,
    /// Whether the client accepts SSE, so messages before the responses can reach it.
    streams: bool,
    receiver: Option<mpsc::Receiver<Outgoing>>,
    /// Cancels the requests if this POST is abandoned before it switched to SSE.
    abandon: Option<tokio_util::sync::DropGuard>,
}

impl Pending {
    /// Messages that are already final (an `initialize` response, invalid batch entries).
    pub(super) fn ready(answers: Vec<Arc<str>>, batch: bool, accepts: Accepts) -> Self {
        let responses = answers.len();
        Self {
            arrived: answers.into_iter().map(Outgoing::Final).collect(),
            responses,
            running: 0,
            batch,
            streams: accepts.sse,
            receiver: None,
            abandon: None,
        }
    }

    /// Starts `requests` of `session`, each in its own task.
    pub(super) fn start(
        mut self,
        state: &AppState,
        session: &SessionRecord,
        principal: &Principal,
        requests: Vec<RequestMessage>,
    ) -> Self {
        let (outbox, receiver) = Outbox::channel(self.streams);
        let abandon = CancellationToken::new();
        self.running = requests.len();
        for request in requests {
            let server = Arc::clone(&state.server);
            let (session, principal, outbox) = (session.clone(), principal.clone(), outbox.clone());
            let abandoned = abandon.clone();
            tokio::spawn(async move {
                let id = request.id.clone();
                let run = AssertUnwindSafe(server.run_request(
                    session,
                    principal,
                    request,
                    outbox.clone(),
                ));
                tokio::select! {
                    outcome = run.catch_unwind() => {
                        if outcome.is_err() {
                            tracing::error!(jsonrpc.id = %id, "a request handler panicked");
                            let error = ErrorData::internal_error("Internal error", None);
                            let answer = Outgoing::Final(jsonrpc::error_response(Some(&id), &error));
                            let _ = outbox.send(answer).await;
                        }
                    }
                    () = abandoned.cancelled() => {}
                }
            });
        }
        self.receiver = Some(receiver);
        self.abandon = Some(abandon.drop_guard());
        self
    }

    fn record(&mut self, item: Outgoing) {
        match item {
            Outgoing::Final(_) => {
                self.responses += 1;
                self.running -= 1;
            }
            Outgoing::Dropped => self.running -= 1,
            Outgoing::Message(_) | Outgoing::CloseStream => {}
        }
        self.arrived.push(item);
    }
}

/// Answers the POST. `session_header` is set on the response (for `initialize`).
pub(super) async fn respond(
    state: &AppState,
    session: &SessionRecord,
    accepts: Accepts,
    mut pending: Pending,
    session_header: bool,
) -> Result<Response, TransportError> {
    if accepts.json {
        let deadline = tokio::time::sleep(state.settings.sse_keepalive);
        tokio::pin!(deadline);
        loop {
            if pending.running == 0 {
                let mut response = json_answer(&pending);
                if session_header {
                    set_session_header(&mut response, session);
                }
                return Ok(response);
            }
            let Some(receiver) = pending.receiver.as_mut() else {
                break;
            };
            tokio::select! {
                item = receiver.recv() => match item {
                    Some(item @ (Outgoing::Message(_) | Outgoing::CloseStream)) if accepts.sse => {
                        pending.record(item);
                        break;
                    }
                    // A client that only takes JSON cannot receive messages before the response.
                    Some(Outgoing::Message(_) | Outgoing::CloseStream) => {}
                    Some(item) => pending.record(item),
                    None => pending.running = 0,
                },
                () = &mut deadline, if accepts.sse => break,
            }
        }
    }
    let mut response = stream_answer(state, session, pending).await?;
    if session_header {
        set_session_header(&mut response, session);
    }
    Ok(response)
}

/// Everything answered: JSON (an array for batches), or 202 if every request was cancelled.
fn json_answer(pending: &Pending) -> Response {
    let answers: Vec<&str> = pending
        .arrived
        .iter()
        .filter_map(|item| match item {
            Outgoing::Final(message) => Some(&**message),
            _ => None,
        })
        .collect();
    let body = match (pending.batch, answers.as_slice()) {
        (_, []) => return StatusCode::ACCEPTED.into_response(),
        (true, answers) => format!("[{}]", answers.join(",")),
        (false, [answer, ..]) => (*answer).to_owned(),
    };
    json_body(StatusCode::OK, body)
}

/// Switches to SSE: the pump logs every message, the response reads the log.
async fn stream_answer(
    state: &AppState,
    session: &SessionRecord,
    mut pending: Pending,
) -> Result<Response, TransportError> {
    let bus = Arc::clone(state.server.bus());
    let key = StreamKey {
        session: session.id.clone(),
        stream: StreamId::new_request(),
    };
    let subscription = bus.subscribe(&key).await.map_err(|error| {
        tracing::error!(%error, "cannot open a response stream");
        TransportError::Unavailable
    })?;
    // Watch for a close request before anything can publish one.
    let stop = watch::request_stream(state, session, key.stream).await?;
    // From here on the requests run to completion even if this client disconnects.
    if let Some(guard) = pending.abandon.take() {
        guard.disarm();
    }
    tokio::spawn(pump(bus, key.clone(), pending));
    let options = sse::StreamOptions {
        prime: version::primes_streams(&session.protocol_version),
        retry: state.settings.sse_retry,
        keepalive: state.settings.sse_keepalive,
        sessions: Arc::clone(state.server.sessions()),
        stop: Some(stop),
    };
    Ok(sse::response(key, subscription, options))
}

/// Logs a POST's messages on its stream until every request has answered.
async fn pump(bus: Arc<dyn EventBus>, key: StreamKey, mut pending: Pending) {
    for item in std::mem::take(&mut pending.arrived) {
        forward(&*bus, &key, item).await;
    }
    if let Some(mut receiver) = pending.receiver.take() {
        while pending.running > 0 {
            let Some(item) = receiver.recv().await else {
                break;
            };
            if matches!(item, Outgoing::Final(_) | Outgoing::Dropped) {
                pending.running -= 1;
            }
            forward(&*bus, &key, item).await;
        }
    }
    if let Err(error) = bus.finish(&key).await {
        tracing::error!(%error, "cannot close a response stream's log");
    }
}

/// Puts one item on the stream: messages into the log, a close request to the readers.
async fn forward(bus: &dyn EventBus, key: &StreamKey, item: Outgoing) {
    let outcome = match item {
        Outgoing::Message(message) | Outgoing::Final(message) => {
            bus.append(key, message).await.map(|_| ())
        }
        Outgoing::CloseStream => {
            bus.publish(&key.session, Signal::CloseStream { stream: key.stream })
                .await
        }
        Outgoing::Dropped => Ok(()),
    };
    if let Err(error) = outcome {
        tracing::error!(%error, "a message could not be passed on and is lost");
    }
}

fn set_session_header(response: &mut Response, session: &SessionRecord) {
    if let Ok(value) = HeaderValue::from_str(session.id.as_str()) {
        response
            .headers_mut()
            .insert(super::headers::SESSION_ID, value);
    }
}
