//! Answering a POST that carried requests: as one JSON body when possible, as an SSE stream
//! when the requests send messages before their responses or run long.
//!
//! The requests run in their own tasks and write to an [`Outbox`]. This module waits for their
//! output: if every response arrives before any other message (and within the keep-alive
//! interval), the client gets plain JSON. Otherwise the answer becomes an SSE stream.
//!
//! In a session (handshake era) a pump task appends everything to the stream's event log and
//! the response reads that log, so a client that loses the connection can resume it with
//! `Last-Event-ID`, and the requests run on even if it does. A stateless-era stream cannot be
//! resumed: the response reads the requests' output directly and a client that leaves cancels
//! them. Until the switch to SSE, a client that disconnects cancels its requests either way:
//! their answers could never reach it.

use std::{collections::VecDeque, panic::AssertUnwindSafe, sync::Arc};

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::{FutureExt, StreamExt, future::BoxFuture};
use rmcp::model::ErrorData;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::Instrument;

use super::{AppState, TransportError, error::json_body, headers::Accepts, sse, watch};
use crate::{
    auth::Principal,
    bus::{EventBus, LoggedEvent, Signal, StreamId, StreamKey, Subscription},
    protocol::{
        Outbox, Outgoing, RequestMeta,
        jsonrpc::{self, RequestMessage},
        version,
    },
    session::SessionRecord,
};

/// Whom a POST's requests run for.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A handshake-era session.
    Session(SessionRecord),
    /// A stateless-era request, with its own declarations.
    Stateless(RequestMeta),
}

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
    /// Cancels the requests when dropped, unless disarmed (a session's stream switched to SSE).
    abandon: Option<DropGuard>,
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

    /// Starts `requests` for `target`, each in its own task.
    pub(super) fn start(
        mut self,
        state: &AppState,
        target: &Target,
        principal: &Principal,
        requests: Vec<RequestMessage>,
    ) -> Self {
        let (outbox, receiver) = Outbox::channel(self.streams);
        let abandon = CancellationToken::new();
        self.running = requests.len();
        for request in requests {
            let server = Arc::clone(&state.server);
            let (target, principal, outbox) = (target.clone(), principal.clone(), outbox.clone());
            let abandoned = abandon.clone();
            tokio::spawn(
                async move {
                    let id = request.id.clone();
                    // Boxed: the request's future is a few KiB, and the task's own future is
                    // moved several times on its way into the runtime.
                    let run: BoxFuture<'_, ()> = match target {
                        Target::Session(session) => Box::pin(server.run_request(
                            session,
                            principal,
                            request,
                            outbox.clone(),
                        )),
                        Target::Stateless(meta) => Box::pin(server.run_stateless(
                            meta,
                            principal,
                            request,
                            outbox.clone(),
                        )),
                    };
                    tokio::select! {
                        outcome = AssertUnwindSafe(run).catch_unwind() => {
                            if outcome.is_err() {
                                tracing::error!(jsonrpc.id = %id, "a request handler panicked");
                                let error = ErrorData::internal_error("Internal error", None);
                                let answer = Outgoing::Final(jsonrpc::error_response(Some(&id), &error));
                                let _ = outbox.send(answer).await;
                            }
                        }
                        () = abandoned.cancelled() => {}
                    }
                }
                .in_current_span(),
            );
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

    fn answers(&self) -> Vec<&str> {
        self.arrived
            .iter()
            .filter_map(|item| match item {
                Outgoing::Final(message) => Some(&**message),
                _ => None,
            })
            .collect()
    }
}

/// Answers the POST. `session_header` is set on the response (for `initialize`).
pub(super) async fn respond(
    state: &AppState,
    target: &Target,
    accepts: Accepts,
    mut pending: Pending,
    session_header: bool,
) -> Result<Response, TransportError> {
    if accepts.json {
        let deadline = tokio::time::sleep(state.settings.sse_keepalive);
        tokio::pin!(deadline);
        loop {
            if pending.running == 0 {
                let mut response = json_answer(&pending, matches!(target, Target::Stateless(_)));
                if session_header && let Target::Session(session) = target {
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
    match target {
        Target::Session(session) => {
            let mut response = logged_stream(state, session, pending).await?;
            if session_header {
                set_session_header(&mut response, session);
            }
            Ok(response)
        }
        Target::Stateless(_) => Ok(direct_stream(state, pending)),
    }
}

/// Everything answered: JSON (an array for batches), or 202 if every request was cancelled.
/// A stateless-era error gets the HTTP status its code calls for.
fn json_answer(pending: &Pending, stateless: bool) -> Response {
    let answers = pending.answers();
    let (status, body) = match (pending.batch, answers.as_slice()) {
        (_, []) => return StatusCode::ACCEPTED.into_response(),
        (true, answers) => (StatusCode::OK, format!("[{}]", answers.join(","))),
        (false, [answer, ..]) => {
            let status = if stateless {
                status_of(answer)
            } else {
                StatusCode::OK
            };
            (status, (*answer).to_owned())
        }
    };
    json_body(status, body)
}

/// The HTTP status of a stateless-era answer: 404 for unknown methods, 400 for the errors the
/// revision says are bad requests, 200 otherwise.
fn status_of(answer: &str) -> StatusCode {
    let code = serde_json::from_str::<serde_json::Value>(answer)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/code")
                .and_then(serde_json::Value::as_i64)
        });
    match code {
        Some(-32601) => StatusCode::NOT_FOUND,
        Some(-32022..=-32020) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// A session's answer as SSE: the pump logs every message, the response reads the log.
async fn logged_stream(
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
    let stream = key.stream;
    tokio::spawn(pump(bus, key, pending));
    let options = sse::StreamOptions {
        ids: Some(stream),
        prime: version::primes_streams(&session.protocol_version),
        retry: state.settings.sse_retry,
        keepalive: state.settings.sse_keepalive,
        touch: Some(sse::Touch {
            sessions: Arc::clone(state.server.sessions()),
            session: session.id.clone(),
        }),
        stop: Some(stop),
    };
    Ok(sse::response(subscription, options))
}

/// A stateless-era answer as SSE, straight from the requests' output. The response owns the
/// requests: when the client goes away, they are cancelled.
fn direct_stream(state: &AppState, pending: Pending) -> Response {
    let queue: VecDeque<Outgoing> = pending.arrived.iter().cloned().collect();
    let events = futures::stream::unfold(
        (pending, queue, 0u64),
        |(mut pending, mut queue, mut position)| async move {
            loop {
                match queue.pop_front() {
                    Some(Outgoing::Message(data) | Outgoing::Final(data)) => {
                        position += 1;
                        return Some((
                            LoggedEvent::appended_now(position, data),
                            (pending, queue, position),
                        ));
                    }
                    Some(Outgoing::Dropped | Outgoing::CloseStream) => continue,
                    None => {}
                }
                if pending.running == 0 {
                    return None;
                }
                let item = pending.receiver.as_mut()?.recv().await?;
                if matches!(item, Outgoing::Final(_) | Outgoing::Dropped) {
                    pending.running -= 1;
                }
                queue.push_back(item);
            }
        },
    );
    let options = sse::StreamOptions {
        ids: None,
        prime: false,
        retry: state.settings.sse_retry,
        keepalive: state.settings.sse_keepalive,
        touch: None,
        stop: None,
    };
    sse::response(
        Subscription {
            after: 0,
            events: events.boxed(),
            lagged: Default::default(),
        },
        options,
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stateless_errors_get_their_http_status() {
        let error = |code: i64| {
            format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":{code},"message":"m"}}}}"#)
        };
        assert_eq!(status_of(&error(-32601)), StatusCode::NOT_FOUND);
        for code in [-32020, -32021, -32022] {
            assert_eq!(status_of(&error(code)), StatusCode::BAD_REQUEST, "{code}");
        }
        assert_eq!(status_of(&error(-32602)), StatusCode::OK);
        assert_eq!(
            status_of(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            StatusCode::OK
        );
    }
}
