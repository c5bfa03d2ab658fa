//! One local listener's queue of pub/sub messages: bounded, filled by the pub/sub task, emptied by
//! the listener, and one small allocation while empty.
//!
//! Written here rather than taken from a crate: every open stream holds two of these, and the
//! channels at hand cost several times as much while idle (a tokio broadcast allocates its whole
//! ring up front, about 1.5 KiB for 32 messages; a futures bounded channel makes six small
//! allocations, and a listener also needs to learn that messages were dropped). This one is a
//! mutex around a `VecDeque`, a flag and a waker, in one allocation, which is all a single
//! producer and a single consumer need.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll, Waker},
};

/// What the listener finds next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// A message, in the order it arrived.
    Message(Arc<str>),
    /// Messages were dropped because the queue was full.
    Missed,
}

struct State {
    messages: VecDeque<Arc<str>>,
    capacity: usize,
    missed: bool,
    /// Set by the pub/sub task when it forgets the channel: no more messages will come.
    ended: bool,
    waker: Option<Waker>,
}

/// A new queue holding at most `capacity` messages.
pub(crate) fn inbox(capacity: usize) -> (Outbox, Inbox) {
    let state = Arc::new(Mutex::new(State {
        messages: VecDeque::new(),
        capacity,
        missed: false,
        ended: false,
        waker: None,
    }));
    (Outbox(Arc::clone(&state)), Inbox(state))
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The pub/sub task's end.
pub(crate) struct Outbox(Arc<Mutex<State>>);

impl Outbox {
    /// Queues `message`, or notes that it was dropped if the queue is full.
    pub(crate) fn send(&self, message: Arc<str>) {
        let waker = {
            let mut state = lock(&self.0);
            if state.messages.len() < state.capacity {
                state.messages.push_back(message);
            } else {
                state.missed = true;
            }
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the listener went away.
    pub(crate) fn is_closed(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let waker = {
            let mut state = lock(&self.0);
            state.ended = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The listener's end.
pub(crate) struct Inbox(Arc<Mutex<State>>);

impl Inbox {
    /// The next thing to find, or `None` once the queue is empty and no more will come.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        let mut state = lock(&self.0);
        if let Some(received) = next(&mut state) {
            return Poll::Ready(Some(received));
        }
        if state.ended {
            return Poll::Ready(None);
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The next thing to find, without waiting: `None` if nothing is there yet.
    pub(crate) fn try_recv(&mut self) -> Option<Received> {
        next(&mut lock(&self.0))
    }
}

fn next(state: &mut State) -> Option<Received> {
    if std::mem::take(&mut state.missed) {
        return Some(Received::Missed);
    }
    state.messages.pop_front().map(Received::Message)
}

#[cfg(test)]
mod tests {
    use futures::task::noop_waker_ref;

    use super::*;

    fn poll(inbox: &mut Inbox) -> Poll<Option<Received>> {
        inbox.poll_recv(&mut Context::from_waker(noop_waker_ref()))
    }

    #[test]
    fn messages_come_out_in_order_and_a_full_queue_reports_what_it_dropped() {
        let (outbox, mut inbox) = inbox(2);
        assert_eq!(poll(&mut inbox), Poll::Pending);
        for message in ["a", "b", "c"] {
            outbox.send(Arc::from(message));
        }
        assert_eq!(inbox.try_recv(), Some(Received::Missed));
        assert_eq!(inbox.try_recv(), Some(Received::Message(Arc::from("a"))));
        assert_eq!(
            poll(&mut inbox),
            Poll::Ready(Some(Received::Message(Arc::from("b"))))
        );
        assert_eq!(inbox.try_recv(), None);
        assert!(!outbox.is_closed());
        drop(outbox);
        assert_eq!(poll(&mut inbox), Poll::Ready(None));
    }

    #[test]
    fn the_task_sees_a_listener_leave() {
        let (outbox, inbox) = inbox(1);
        drop(inbox);
        assert!(outbox.is_closed());
        outbox.send(Arc::from("nobody"));
    }

    #[tokio::test]
    async fn a_waiting_listener_is_woken() {
        let (outbox, mut inbox) = inbox(4);
        let waiting =
            tokio::spawn(async move { std::future::poll_fn(|cx| inbox.poll_recv(cx)).await });
        tokio::task::yield_now().await;
        outbox.send(Arc::from("x"));
        let received = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(received, Some(Received::Message(Arc::from("x"))));
    }
}
