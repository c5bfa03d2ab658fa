//! The event bus inside one process: the default when no shared backend is configured.
//!
//! Logs are capped ring buffers; a `watch` channel per log wakes its readers, who then copy
//! what they have not seen yet, so a slow reader never blocks writers or other readers.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use tokio::sync::{broadcast, watch};

use super::{
    BusError, EventBus, Lagged, LoggedEvent, Position, ServerEvent, Signal, StreamKey,
    Subscription, lossy,
};
use crate::session::SessionId;

/// Signals kept per session for a slow listener. Every session with a stream or a running
/// request has a channel, so this is paid per session; the channel carries `Arc<Signal>` to keep
/// a slot at a few words instead of a whole signal. Signals come a few at a time.
const SIGNAL_BACKLOG: usize = 32;

/// Bounds on what the memory bus keeps.
#[derive(Debug, Clone, Copy)]
pub struct MemoryBusLimits {
    /// Events kept per stream; older ones are dropped.
    pub events_per_stream: usize,
    /// How long a finished stream stays resumable.
    pub finished_retention: Duration,
}

/// An in-process [`EventBus`].
#[derive(Debug, Clone)]
pub struct MemoryBus {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    limits: MemoryBusLimits,
    state: Mutex<State>,
    server_events: broadcast::Sender<ServerEvent>,
}

/// Who a signal is for: everyone serving a session, or whoever runs a task.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Channel {
    Session(SessionId),
    Task(String),
}

#[derive(Debug, Default)]
struct State {
    logs: HashMap<StreamKey, Log>,
    signals: HashMap<Channel, broadcast::Sender<Arc<Signal>>>,
}

#[derive(Debug)]
struct Log {
    events: VecDeque<LoggedEvent>,
    head: Position,
    finished_at: Option<Instant>,
    /// Carries the head position; dropping it (log removed) ends every reader.
    wake: watch::Sender<Position>,
}

impl Log {
    fn new() -> Self {
        Self {
            events: VecDeque::new(),
            head: 0,
            finished_at: None,
            wake: watch::Sender::new(0),
        }
    }

    /// Events after `after` still kept and whether the log is finished; `None` if the event
    /// right after `after` was already dropped.
    fn read_after(&self, after: Position) -> Option<(Vec<LoggedEvent>, bool)> {
        let first = self
            .events
            .front()
            .map_or(self.head + 1, |event| event.position);
        if first > after + 1 {
            return None;
        }
        let skip = (after + 1 - first) as usize;
        Some((
            self.events.iter().skip(skip).cloned().collect(),
            self.finished_at.is_some(),
        ))
    }
}

impl MemoryBus {
    /// An empty bus.
    pub fn new(limits: MemoryBusLimits) -> Self {
        Self {
            shared: Arc::new(Shared {
                limits,
                state: Mutex::new(State::default()),
                server_events: broadcast::Sender::new(1024),
            }),
        }
    }

    /// Drops finished logs older than the retention period. Returns how many were dropped.
    pub fn purge_finished(&self) -> usize {
        let retention = self.shared.limits.finished_retention;
        let now = Instant::now();
        let mut state = self.shared.lock();
        let before = state.logs.len();
        state.logs.retain(|_, log| {
            log.finished_at
                .is_none_or(|at| now.duration_since(at) < retention)
        });
        before - state.logs.len()
    }

    fn reader(
        &self,
        key: &StreamKey,
        after: Position,
        wake: watch::Receiver<Position>,
    ) -> Subscription {
        let shared = Arc::clone(&self.shared);
        let key = key.clone();
        let lagged = Lagged::default();
        let state = (
            shared,
            key,
            after,
            wake,
            VecDeque::<LoggedEvent>::new(),
            lagged.clone(),
        );
        let events = futures::stream::unfold(
            state,
            |(shared, key, mut after, mut wake, mut pending, lagged)| async move {
                loop {
                    if let Some(event) = pending.pop_front() {
                        after = event.position;
                        return Some((event, (shared, key, after, wake, pending, lagged)));
                    }
                    let finished = {
                        let state = shared.lock();
                        let log = state.logs.get(&key)?;
                        let Some((events, finished)) = log.read_after(after) else {
                            lagged.set();
                            return None;
                        };
                        // Mark the current head as seen under the lock, so no append is missed.
                        wake.borrow_and_update();
                        pending.extend(events);
                        finished
                    };
                    if pending.is_empty() {
                        if finished {
                            return None;
                        }
                        wake.changed().await.ok()?;
                    }
                }
            },
        );
        Subscription {
            after,
            events: events.boxed(),
            lagged,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the maps consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, channel: Channel, signal: Signal) {
        let mut state = self.lock();
        if let Some(sender) = state.signals.get(&channel)
            && sender.send(Arc::new(signal)).is_err()
        {
            // Nobody listens any more; forget the channel.
            state.signals.remove(&channel);
        }
    }

    fn listen(&self, channel: Channel) -> BoxStream<'static, Signal> {
        let receiver = self
            .lock()
            .signals
            .entry(channel)
            .or_insert_with(|| broadcast::Sender::new(SIGNAL_BACKLOG))
            .subscribe();
        lossy(receiver).map(|signal| Signal::clone(&signal)).boxed()
    }
}

#[async_trait]
impl EventBus for MemoryBus {
    async fn append(&self, key: &StreamKey, data: Arc<str>) -> Result<Position, BusError> {
        let capacity = self.shared.limits.events_per_stream.max(1);
        let mut state = self.shared.lock();
        let log = state.logs.entry(key.clone()).or_insert_with(Log::new);
        log.head += 1;
        log.finished_at = None;
        let position = log.head;
        log.events
            .push_back(LoggedEvent::appended_now(position, data));
        while log.events.len() > capacity {
            log.events.pop_front();
        }
        log.wake.send_replace(position);
        Ok(position)
    }

    async fn finish(&self, key: &StreamKey) -> Result<(), BusError> {
        let mut state = self.shared.lock();
        let log = state.logs.entry(key.clone()).or_insert_with(Log::new);
        log.finished_at = Some(Instant::now());
        let head = log.head;
        log.wake.send_replace(head);
        Ok(())
    }

    async fn subscribe(&self, key: &StreamKey) -> Result<Subscription, BusError> {
        let (after, wake) = {
            let mut state = self.shared.lock();
            let log = state.logs.entry(key.clone()).or_insert_with(Log::new);
            (log.head, log.wake.subscribe())
        };
        Ok(self.reader(key, after, wake))
    }

    async fn resume(
        &self,
        key: &StreamKey,
        after: Position,
    ) -> Result<Option<Subscription>, BusError> {
        let found = {
            let state = self.shared.lock();
            state.logs.get(key).map(|log| {
                let oldest_kept = log
                    .events
                    .front()
                    .map_or(log.head, |event| event.position - 1);
                (after.clamp(oldest_kept, log.head), log.wake.subscribe())
            })
        };
        Ok(found.map(|(after, wake)| self.reader(key, after, wake)))
    }

    async fn publish(&self, session: &SessionId, signal: Signal) -> Result<(), BusError> {
        self.shared
            .publish(Channel::Session(session.clone()), signal);
        Ok(())
    }

    async fn signals(&self, session: &SessionId) -> Result<BoxStream<'static, Signal>, BusError> {
        Ok(self.shared.listen(Channel::Session(session.clone())))
    }

    async fn publish_task(&self, task: &str, signal: Signal) -> Result<(), BusError> {
        self.shared.publish(Channel::Task(task.to_owned()), signal);
        Ok(())
    }

    async fn task_signals(&self, task: &str) -> Result<BoxStream<'static, Signal>, BusError> {
        Ok(self.shared.listen(Channel::Task(task.to_owned())))
    }

    async fn publish_server_event(&self, event: ServerEvent) -> Result<(), BusError> {
        // An error only means nobody listens right now.
        let _ = self.shared.server_events.send(event);
        Ok(())
    }

    async fn server_events(&self) -> Result<BoxStream<'static, ServerEvent>, BusError> {
        let receiver = self.shared.server_events.subscribe();
        Ok(lossy(receiver))
    }

    async fn remove_session(&self, session: &SessionId) -> Result<(), BusError> {
        let mut state = self.shared.lock();
        state.logs.retain(|key, _| &key.session != session);
        state.signals.remove(&Channel::Session(session.clone()));
        Ok(())
    }

    async fn check(&self) -> Result<(), BusError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bus(events_per_stream: usize) -> MemoryBus {
        MemoryBus::new(MemoryBusLimits {
            events_per_stream,
            finished_retention: Duration::from_secs(60),
        })
    }

    #[tokio::test]
    async fn the_memory_bus_meets_the_contract() {
        crate::bus::contract::suite(bus).await;
    }

    #[tokio::test]
    async fn finished_logs_are_forgotten_after_retention() {
        let bus = MemoryBus::new(MemoryBusLimits {
            events_per_stream: 8,
            finished_retention: Duration::from_millis(50),
        });
        let key = StreamKey::standalone(SessionId::generate());
        bus.append(&key, Arc::from("x")).await.unwrap();
        bus.finish(&key).await.unwrap();
        assert_eq!(bus.purge_finished(), 0);
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(bus.purge_finished(), 1);
        assert!(bus.resume(&key, 0).await.unwrap().is_none());
    }
}
