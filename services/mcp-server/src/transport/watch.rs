//! What ends an SSE response early, and what a standalone stream picks up while open.
//!
//! Each function returns the `stop` future of [`sse::StreamOptions`]: it resolves with the
//! reason the response must end before its log does.

use futures::{FutureExt, StreamExt, future::BoxFuture};

use super::{AppState, TransportError, sse::StopReason};
use crate::{
    bus::{BusError, Signal, StreamId, StreamKey},
    protocol::session_notification,
    session::SessionRecord,
};

fn unavailable(error: BusError) -> TransportError {
    tracing::error!(%error, "cannot watch a stream's session");
    TransportError::Unavailable
}

/// For a POST's stream (or its resumption): ends with a `retry` hint when the request asks
/// for it ([`Signal::CloseStream`], SSE polling), quietly when the session ends.
pub(super) async fn request_stream(
    state: &AppState,
    session: &SessionRecord,
    stream: StreamId,
) -> Result<BoxFuture<'static, StopReason>, TransportError> {
    let mut signals = state
        .server
        .bus()
        .signals(&session.id)
        .await
        .map_err(unavailable)?;
    Ok(async move {
        while let Some(signal) = signals.next().await {
            match signal {
                Signal::CloseStream { stream: closed } if closed == stream => {
                    return StopReason::Reconnect;
                }
                Signal::Closed => return StopReason::Replaced,
                _ => {}
            }
        }
        StopReason::Replaced
    }
    .boxed())
}

/// For the standalone stream: claims it (an older standalone stream of the session closes),
/// appends server-wide notifications (list changes) to the session's log while open, and ends
/// at shutdown (with a `retry` hint), when the session ends, or when a newer stream claims it.
pub(super) async fn standalone_stream(
    state: &AppState,
    session: &SessionRecord,
) -> Result<BoxFuture<'static, StopReason>, TransportError> {
    let bus = state.server.bus().clone();
    let mut signals = bus.signals(&session.id).await.map_err(unavailable)?;
    let mut events = bus.server_events().await.map_err(unavailable)?;
    let claim: u64 = rand::random();
    bus.publish(&session.id, Signal::StandaloneClaimed { claim })
        .await
        .map_err(unavailable)?;
    let shutdown = std::sync::Arc::clone(&state.shutdown);
    let key = StreamKey::standalone(session.id.clone());
    Ok(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return StopReason::Reconnect,
                signal = signals.next() => match signal {
                    Some(Signal::StandaloneClaimed { claim: other }) if other != claim => return StopReason::Replaced,
                    Some(Signal::Closed) | None => return StopReason::Replaced,
                    Some(_) => {}
                },
                Some(event) = events.next() => {
                    if let Some(message) = session_notification(&event)
                        && let Err(error) = bus.append(&key, message).await
                    {
                        tracing::warn!(%error, "a list change was not passed to a session");
                    }
                }
            }
        }
    }
    .boxed())
}
