//! A reader of one stream's log, and the wake-ups that tell it the log grew.
//!
//! The log in Redis is the truth; a wake-up only says where to look. A wake-up names the stream
//! that grew and, when the event is small, carries it (`<stream>\n<position>\n<appended
//! µs>\n<data>`): a reader that has delivered everything before that position takes the event
//! from the wake-up instead of reading the log, so a caught-up stream costs no Redis read per
//! event. Anything else (a gap, a finished or removed log, missed wake-ups, a quiet safety
//! poll) sends it back to the log, which it reads after its position: so it never skips or
//! repeats an event, whatever order wake-ups from several appenders arrive in.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use futures::StreamExt;

use super::{Inner, READ_BATCH};
use crate::{
    bus::{Lagged, LoggedEvent, Position, StreamKey},
    shared_state::fanout::Listener,
};

/// How often a waiting reader looks at its log even without a wake-up.
const SAFETY_POLL: Duration = Duration::from_secs(2);
/// Largest event carried in its wake-up; a larger one is read from the log.
const CARRIED_AT_MOST: usize = 8 * 1024;
/// The wake-up payload that concerns every stream of a session (it was removed).
pub(super) const EVERY_STREAM: &str = "*";

/// The wake-up for `event`, just appended to `stream`.
pub(super) fn wake_up(stream: &str, event: &LoggedEvent) -> String {
    if event.data.len() > CARRIED_AT_MOST {
        return stream.to_owned();
    }
    format!(
        "{stream}\n{}\n{}\n{}",
        event.position, event.appended_us, event.data
    )
}

/// What a wake-up means to the reader of one stream.
#[derive(Debug, PartialEq, Eq)]
enum Wake {
    /// It concerns another stream.
    Elsewhere,
    /// Read the log: it may have grown, finished or gone, or wake-ups were missed.
    Read,
    /// This event was appended to the stream.
    Carried(LoggedEvent),
}

fn wake_for(payload: &str, stream: &str) -> Wake {
    // Empty: the listener missed wake-ups, any stream may have grown.
    if payload.is_empty() || payload == EVERY_STREAM {
        return Wake::Read;
    }
    let mut parts = payload.splitn(4, '\n');
    if parts.next() != Some(stream) {
        return Wake::Elsewhere;
    }
    let carried = (|| {
        let position = parts.next()?.parse().ok()?;
        let appended_us = parts.next()?.parse().ok()?;
        let data = Arc::from(parts.next()?);
        Some(LoggedEvent {
            position,
            data,
            appended_us,
        })
    })();
    carried.map_or(Wake::Read, Wake::Carried)
}

/// Waits for the next wake-up that concerns `stream`, or the safety poll.
async fn next_wake(wake: &mut Listener, stream: &str) -> Wake {
    let relevant = async {
        loop {
            match wake.next().await {
                Some(payload) => match wake_for(&payload, stream) {
                    Wake::Elsewhere => {}
                    relevant => return relevant,
                },
                // The pub/sub task stopped: only the safety poll is left.
                None => std::future::pending::<()>().await,
            }
        }
    };
    tokio::time::timeout(SAFETY_POLL, relevant)
        .await
        .unwrap_or(Wake::Read)
}

/// The state of one stream's reader between two events.
pub(super) struct Reader {
    inner: Arc<Inner>,
    key: StreamKey,
    stream: String,
    /// The last position delivered.
    after: Position,
    /// Subscribed before the first read, so no wake-up since then is missed.
    wake: Listener,
    pending: VecDeque<LoggedEvent>,
    lagged: Lagged,
    /// Whether everything logged up to the last wake-up has been read: then only a wake-up
    /// sends the reader back to the log.
    caught_up: bool,
}

impl Reader {
    pub(super) fn new(
        inner: Arc<Inner>,
        key: StreamKey,
        after: Position,
        wake: Listener,
        lagged: Lagged,
    ) -> Self {
        Self {
            inner,
            stream: key.stream.to_string(),
            key,
            after,
            wake,
            pending: VecDeque::new(),
            lagged,
            caught_up: false,
        }
    }

    /// The next event, and the reader to ask for the one after; `None` once the log is
    /// finished and read, removed, or trimmed past this reader (then [`Lagged`] is set).
    ///
    /// Not an `async fn`: its future would hold the reader twice (as the argument and as the
    /// local it becomes), and this future lives as long as the stream.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn's future holds its argument twice"
    )]
    pub(super) fn next(mut self) -> impl Future<Output = Option<(LoggedEvent, Self)>> {
        async move {
            loop {
                if let Some(event) = self.pending.pop_front() {
                    self.after = event.position;
                    return Some((event, self));
                }
                if !self.caught_up {
                    // Boxed: the read is large and only in flight for a moment, while this
                    // stream's state lives as long as the SSE response.
                    match Box::pin(self.inner.read(&self.key, self.after)).await {
                        Ok(None) => return None,
                        Ok(Some((finished, events))) => {
                            if events.is_empty() && finished {
                                return None;
                            }
                            if events
                                .first()
                                .is_some_and(|first| first.position > self.after + 1)
                            {
                                // The events right after `after` were trimmed off the log.
                                self.lagged.set();
                                return None;
                            }
                            // A finished log is read once more to learn that it ended; a full
                            // batch may have more behind it.
                            self.caught_up = !finished && events.len() < READ_BATCH;
                            self.pending.extend(events);
                            continue;
                        }
                        Err(_) => {} // logged; try again after a pause
                    }
                }
                match next_wake(&mut self.wake, &self.stream).await {
                    Wake::Carried(event) if event.position == self.after + 1 => {
                        self.pending.push_back(event);
                    }
                    // Delivered already: a read got there before its wake-up.
                    Wake::Carried(event) if event.position <= self.after => {}
                    _ => self.caught_up = false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: Position, data: &str) -> LoggedEvent {
        LoggedEvent {
            position,
            data: Arc::from(data),
            appended_us: 1_700_000_000_000_000,
        }
    }

    #[test]
    fn a_small_event_travels_in_its_wake_up() {
        let appended = event(
            7,
            "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"a\\nb\"}\nmore",
        );
        let payload = wake_up("3", &appended);
        assert_eq!(wake_for(&payload, "3"), Wake::Carried(appended));
        assert_eq!(wake_for(&payload, "4"), Wake::Elsewhere);
        assert_eq!(wake_for(&payload, "33"), Wake::Elsewhere);
    }

    #[test]
    fn a_large_event_only_names_its_stream() {
        let large = event(1, &"x".repeat(CARRIED_AT_MOST + 1));
        let payload = wake_up("standalone", &large);
        assert_eq!(payload, "standalone");
        assert_eq!(wake_for(&payload, "standalone"), Wake::Read);
    }

    #[test]
    fn missed_wake_ups_and_removed_sessions_send_every_reader_to_its_log() {
        assert_eq!(wake_for("", "3"), Wake::Read);
        assert_eq!(wake_for(EVERY_STREAM, "3"), Wake::Read);
        // A garbled carried event is not trusted: the log is.
        assert_eq!(wake_for("3\nseven\n1\n{}", "3"), Wake::Read);
    }
}
