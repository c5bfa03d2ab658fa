//! `GET /mcp`: the session's standalone SSE stream, or the resumption of any of its streams.
//!
//! Without `Last-Event-ID` the stream starts live, except the session's first one, which
//! replays what the session logged before it opened. With `Last-Event-ID`, the named stream's
//! log is replayed after that event and then followed live: the standalone stream continues; a
//! POST's stream ends once its requests have answered. One standalone stream per session: a new one replaces
//! the previous one (which may belong to a connection the client already lost), and the event
//! log makes the switch lossless.

use std::sync::Arc;

use axum::{Extension, extract::State, http::HeaderMap, response::Response};
use futures::StreamExt;

use super::{
    AppState, TransportError,
    headers::{self, Accepts},
    session, sse, watch,
};
use crate::{
    auth::Principal,
    bus::{StreamId, StreamKey, Subscription},
    protocol::version,
    session::{SessionRecord, SessionUpdate},
};

/// Handles `GET /mcp`.
pub(super) async fn get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, TransportError> {
    if !Accepts::from_headers(&headers).sse {
        return Err(TransportError::NotAcceptable(
            "Accept must include text/event-stream",
        ));
    }
    headers::protocol_version(&headers)?;
    let last_event_id = headers::last_event_id(&headers)?;
    let session = session::resolve(&state, &headers, &principal).await?;
    let bus = state.server.bus();
    let unavailable = |error: crate::bus::BusError| {
        tracing::error!(%error, "cannot open a stream");
        TransportError::Unavailable
    };

    let (key, subscription) = match last_event_id {
        Some(last) => {
            let key = StreamKey {
                session: session.id.clone(),
                stream: last.stream,
            };
            match bus.resume(&key, last.position).await.map_err(unavailable)? {
                Some(subscription) => (key, subscription),
                // The standalone log is gone (expired): start it afresh.
                None if last.stream == StreamId::Standalone => {
                    let subscription = bus.subscribe(&key).await.map_err(unavailable)?;
                    (key, subscription)
                }
                // A POST's stream that is no longer kept: nothing to replay, and it will never
                // carry anything again.
                None => (
                    key,
                    Subscription {
                        after: last.position,
                        events: futures::stream::empty().boxed(),
                        lagged: Default::default(),
                    },
                ),
            }
        }
        None => {
            let key = StreamKey::standalone(session.id.clone());
            let replay = if session.standalone_opened {
                None
            } else {
                mark_standalone_opened(&state, &session).await?;
                // Everything the session logged so far: create the log first if nothing was
                // logged yet, so an event appended meanwhile (on any replica) is not skipped.
                drop(bus.subscribe(&key).await.map_err(unavailable)?);
                bus.resume(&key, 0).await.map_err(unavailable)?
            };
            let subscription = match replay {
                Some(subscription) => subscription,
                None => bus.subscribe(&key).await.map_err(unavailable)?,
            };
            (key, subscription)
        }
    };

    let stop = if key.stream == StreamId::Standalone {
        watch::standalone_stream(&state, &session).await?
    } else {
        watch::request_stream(&state, &session, key.stream).await?
    };
    tracing::debug!(session.id = %session.id, stream = %key.stream, after = subscription.after, "stream opened");
    let options = sse::StreamOptions {
        ids: Some(key.stream),
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

async fn mark_standalone_opened(
    state: &AppState,
    session: &SessionRecord,
) -> Result<(), TransportError> {
    state
        .server
        .sessions()
        .update(&session.id, SessionUpdate::MarkStandaloneOpened)
        .await
        .map(|_| ())
        .map_err(|error| {
            tracing::error!(%error, "cannot update a session");
            TransportError::Unavailable
        })
}
