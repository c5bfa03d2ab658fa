//! SSE framing and the body of every SSE response.
//!
//! A stream is a [`Subscription`] to one event log, written as `id:`/`data:` events. It starts
//! with a priming event (an id and empty data, plus a `retry` hint, from 2025-11-25 on) so the
//! client can resume even before the first message, or with a comment for older versions; gets
//! a comment line whenever it has been quiet for the keep-alive interval, and can be told to
//! stop early (shutdown, session end, takeover). A stream whose client reads so slowly that the
//! capped log drops events it has not sent yet ends with a `retry` hint, and the client resumes
//! from what the log still keeps; so a slow reader costs at most one log, never more.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use bytes::Bytes;
use futures::{StreamExt, future::BoxFuture};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::{
    bus::{EventId, Lagged, LoggedEvent, StreamId, Subscription},
    instruments::{self, OpenStream},
    session::{SessionId, SessionStore},
};

/// Why a stream was told to stop before its log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopReason {
    /// The client should reconnect and resume (server shutting down, or SSE polling): the
    /// response ends with a `retry` hint.
    Reconnect,
    /// The stream is no longer wanted (its session ended, or a newer stream replaced it).
    Replaced,
}

/// Keeps a session alive while one of its streams is open.
pub(super) struct Touch {
    /// The store holding the session.
    pub sessions: Arc<dyn SessionStore>,
    /// The session.
    pub session: SessionId,
}

/// How one SSE response behaves.
pub(super) struct StreamOptions {
    /// The stream events belong to: each event gets the id `<stream>.<position>` for
    /// `Last-Event-ID`. `None` (stateless era): events carry no id, nothing can be resumed.
    pub ids: Option<StreamId>,
    /// Send a priming event first (2025-11-25 sessions; needs `ids`).
    pub prime: bool,
    /// The `retry` hint, in the priming event and when told to reconnect.
    pub retry: Duration,
    /// Quiet time before a keep-alive comment.
    pub keepalive: Duration,
    /// The session kept alive at each keep-alive, if any.
    pub touch: Option<Touch>,
    /// Resolves when the stream must stop early; `None` for streams that only end with their events.
    pub stop: Option<BoxFuture<'static, StopReason>>,
}

/// Builds the SSE response carrying `subscription`'s events.
pub(super) fn response(subscription: Subscription, options: StreamOptions) -> Response {
    // Something goes out at once either way: HTTP servers send the response head with the first
    // body bytes, and a client must not wait for the first event to learn the stream is open.
    let first = match options.ids {
        Some(stream) if options.prime => priming_event(
            &EventId {
                stream,
                position: subscription.after,
            },
            options.retry,
        ),
        _ => Bytes::from_static(b": stream open\n\n"),
    };
    let mut keepalive =
        tokio::time::interval_at(Instant::now() + options.keepalive, options.keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let state = State {
        ids: options.ids,
        events: subscription.events,
        lagged: subscription.lagged,
        first: Some(first),
        keepalive,
        retry: options.retry,
        touch: options.touch,
        stop: options.stop,
        done: false,
        open: OpenStream::opened(),
    };
    let frames = futures::stream::unfold(state, State::next_frame)
        .map(Ok::<Bytes, std::convert::Infallible>);
    let mut response = Response::new(Body::from_stream(frames));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

struct State {
    ids: Option<StreamId>,
    events: futures::stream::BoxStream<'static, LoggedEvent>,
    lagged: Lagged,
    first: Option<Bytes>,
    keepalive: Interval,
    retry: Duration,
    touch: Option<Touch>,
    stop: Option<BoxFuture<'static, StopReason>>,
    done: bool,
    /// Counts this response among the open streams while it lives, and why it ended.
    open: OpenStream,
}

impl State {
    async fn next_frame(mut self) -> Option<(Bytes, Self)> {
        if self.done {
            return None;
        }
        if let Some(first) = self.first.take() {
            return Some((first, self));
        }
        let step = {
            let Self {
                events,
                stop,
                keepalive,
                ..
            } = &mut self;
            let stop = async {
                match stop.as_mut() {
                    Some(stop) => stop.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                event = events.next() => Step::Event(event),
                reason = stop => Step::Stop(reason),
                _ = keepalive.tick() => Step::KeepAlive,
            }
        };
        match step {
            Step::Event(None) if self.lagged.is_set() => {
                // The client read too slowly and the log moved past it: reconnect and resume.
                self.done = true;
                self.open.ending("lagged");
                Some((retry_hint(self.retry), self))
            }
            Step::Event(None) => {
                self.open.ending("completed");
                None
            }
            Step::Event(Some(event)) => {
                instruments::delivered(event.appended_us);
                self.keepalive.reset();
                let id = self.ids.map(|stream| EventId {
                    stream,
                    position: event.position,
                });
                crate::protocol::trace::delivered(
                    &event.data,
                    self.touch
                        .as_ref()
                        .map(|touch| &touch.session as &dyn std::fmt::Display),
                );
                Some((message_event(id.as_ref(), &event.data), self))
            }
            Step::Stop(reason) => {
                self.done = true;
                match reason {
                    StopReason::Reconnect => {
                        self.open.ending("reconnect");
                        Some((retry_hint(self.retry), self))
                    }
                    StopReason::Replaced => {
                        self.open.ending("replaced");
                        None
                    }
                }
            }
            Step::KeepAlive => {
                if let Some(touch) = &self.touch {
                    match touch.sessions.touch(&touch.session).await {
                        Ok(false) => {
                            self.open.ending("session_gone");
                            return None;
                        }
                        Ok(true) => {}
                        Err(error) => {
                            tracing::warn!(%error, "cannot refresh the session of an open stream")
                        }
                    }
                }
                Some((Bytes::from_static(b": keep-alive\n\n"), self))
            }
        }
    }
}

enum Step {
    Event(Option<LoggedEvent>),
    Stop(StopReason),
    KeepAlive,
}

/// `id:` (when given) + `data:` lines for one message. Line breaks inside `data` (JSON never has
/// raw ones, but be exact) become extra `data:` lines, which SSE joins back with `\n`.
pub(super) fn message_event(id: Option<&EventId>, data: &str) -> Bytes {
    let mut frame = String::with_capacity(data.len() + 32);
    if let Some(id) = id {
        frame.push_str("id: ");
        frame.push_str(&id.to_string());
        frame.push('\n');
    }
    for line in data.split(['\n', '\r']) {
        frame.push_str("data: ");
        frame.push_str(line);
        frame.push('\n');
    }
    frame.push('\n');
    Bytes::from(frame)
}

/// The priming event: an id to resume from, a `retry` hint and empty data.
pub(super) fn priming_event(id: &EventId, retry: Duration) -> Bytes {
    Bytes::from(format!(
        "id: {id}\nretry: {}\ndata: \n\n",
        retry.as_millis()
    ))
}

/// A bare `retry` hint, sent before closing a stream the client should reopen.
pub(super) fn retry_hint(retry: Duration) -> Bytes {
    Bytes::from(format!("retry: {}\n\n", retry.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::StreamId;

    #[test]
    fn frames_follow_the_sse_grammar() {
        let id = EventId {
            stream: StreamId::Standalone,
            position: 3,
        };
        assert_eq!(
            &message_event(Some(&id), "{\"a\":1}")[..],
            b"id: g.3\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(
            &message_event(Some(&id), "a\nb")[..],
            b"id: g.3\ndata: a\ndata: b\n\n"
        );
        assert_eq!(
            &priming_event(&id, Duration::from_millis(1500))[..],
            b"id: g.3\nretry: 1500\ndata: \n\n"
        );
        assert_eq!(&retry_hint(Duration::from_secs(1))[..], b"retry: 1000\n\n");
    }

    #[tokio::test]
    async fn a_stream_whose_reader_fell_behind_ends_with_a_retry_hint() {
        for lagging in [true, false] {
            let lagged = Lagged::default();
            if lagging {
                lagged.set();
            }
            let subscription = Subscription {
                after: 0,
                events: futures::stream::empty().boxed(),
                lagged,
            };
            let options = StreamOptions {
                ids: Some(StreamId::Standalone),
                prime: false,
                retry: Duration::from_millis(1500),
                keepalive: Duration::from_secs(60),
                touch: None,
                stop: None,
            };
            let body = response(subscription, options).into_body();
            let bytes = axum::body::to_bytes(body, 1024).await.unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert_eq!(text.ends_with("retry: 1500\n\n"), lagging, "{text:?}");
        }
    }
}
