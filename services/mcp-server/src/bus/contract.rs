//! The behaviour every [`EventBus`] must have, as one suite each backend runs.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;

use super::{EventBus, ServerEvent, Signal, StreamId, StreamKey, Subscription};
use crate::session::SessionId;

const WAIT: Duration = Duration::from_secs(5);

fn request_stream(session: &SessionId) -> StreamKey {
    StreamKey {
        session: session.clone(),
        stream: StreamId::new_request(),
    }
}

async fn next(subscription: &mut Subscription) -> Option<(u64, String)> {
    tokio::time::timeout(WAIT, subscription.events.next())
        .await
        .expect("an event or the end arrives")
        .map(|event| (event.position, event.data.to_string()))
}

async fn quiet(subscription: &mut Subscription) -> bool {
    tokio::time::timeout(Duration::from_millis(200), subscription.events.next())
        .await
        .is_err()
}

/// Runs the suite against buses made by `make(events_per_stream)`.
pub(crate) async fn suite<B: EventBus>(make: impl Fn(usize) -> B) {
    positions_start_at_one_and_grow(&make(100)).await;
    subscribers_see_only_new_events_in_order(&make(100)).await;
    resume_replays_exactly_the_missed_events_then_follows(&make(100)).await;
    finished_logs_end_their_readers(&make(100)).await;
    unknown_logs_cannot_be_resumed(&make(100)).await;
    capped_logs_resume_from_the_oldest_kept(&make(4)).await;
    a_reader_that_falls_behind_the_cap_ends_lagged(&make(4)).await;
    removing_a_session_ends_its_readers(&make(100)).await;
    streams_and_sessions_are_isolated(&make(100)).await;
    signals_reach_every_listener_of_their_session_only(&make(100)).await;
    server_events_reach_every_listener(&make(100)).await;
    task_signals_reach_the_task_only(&make(100)).await;
    make(100).check().await.unwrap();
}

async fn positions_start_at_one_and_grow(bus: &impl EventBus) {
    let key = request_stream(&SessionId::generate());
    for expected in 1..=3 {
        assert_eq!(bus.append(&key, Arc::from("m")).await.unwrap(), expected);
    }
}

async fn subscribers_see_only_new_events_in_order(bus: &impl EventBus) {
    let key = StreamKey::standalone(SessionId::generate());
    bus.append(&key, Arc::from("old")).await.unwrap();
    let mut subscription = bus.subscribe(&key).await.unwrap();
    assert_eq!(subscription.after, 1);
    bus.append(&key, Arc::from("a")).await.unwrap();
    bus.append(&key, Arc::from("b")).await.unwrap();
    assert_eq!(next(&mut subscription).await, Some((2, "a".into())));
    assert_eq!(next(&mut subscription).await, Some((3, "b".into())));
    assert!(quiet(&mut subscription).await);
}

async fn resume_replays_exactly_the_missed_events_then_follows(bus: &impl EventBus) {
    let key = request_stream(&SessionId::generate());
    for data in ["1", "2", "3"] {
        bus.append(&key, Arc::from(data)).await.unwrap();
    }
    let mut resumed = bus.resume(&key, 1).await.unwrap().unwrap();
    assert_eq!(resumed.after, 1);
    assert_eq!(next(&mut resumed).await, Some((2, "2".into())));
    assert_eq!(next(&mut resumed).await, Some((3, "3".into())));
    bus.append(&key, Arc::from("4")).await.unwrap();
    assert_eq!(next(&mut resumed).await, Some((4, "4".into())));
    assert!(quiet(&mut resumed).await);
}

async fn finished_logs_end_their_readers(bus: &impl EventBus) {
    let key = request_stream(&SessionId::generate());
    let mut live = bus.subscribe(&key).await.unwrap();
    bus.append(&key, Arc::from("last")).await.unwrap();
    bus.finish(&key).await.unwrap();
    assert_eq!(next(&mut live).await, Some((1, "last".into())));
    assert_eq!(next(&mut live).await, None);
    let mut late = bus.resume(&key, 0).await.unwrap().unwrap();
    assert_eq!(next(&mut late).await, Some((1, "last".into())));
    assert_eq!(next(&mut late).await, None);
    assert!(
        !live.lagged.is_set() && !late.lagged.is_set(),
        "ended with the log"
    );
}

async fn unknown_logs_cannot_be_resumed(bus: &impl EventBus) {
    assert!(
        bus.resume(&request_stream(&SessionId::generate()), 3)
            .await
            .unwrap()
            .is_none()
    );
}

async fn capped_logs_resume_from_the_oldest_kept(bus: &impl EventBus) {
    let key = request_stream(&SessionId::generate());
    for position in 1..=10 {
        bus.append(&key, Arc::from(position.to_string()))
            .await
            .unwrap();
    }
    let mut resumed = bus.resume(&key, 2).await.unwrap().unwrap();
    assert_eq!(resumed.after, 6, "only the last 4 events are kept");
    assert_eq!(next(&mut resumed).await, Some((7, "7".into())));
}

async fn a_reader_that_falls_behind_the_cap_ends_lagged(bus: &impl EventBus) {
    let key = request_stream(&SessionId::generate());
    bus.append(&key, Arc::from("1")).await.unwrap();
    let mut slow = bus.resume(&key, 0).await.unwrap().unwrap();
    assert_eq!(next(&mut slow).await, Some((1, "1".into())));
    assert!(quiet(&mut slow).await);
    // More than a reader holds on to while it is not polled (a Redis reader keeps a few
    // wake-ups, which may carry events).
    for position in 2..=50 {
        bus.append(&key, Arc::from(position.to_string()))
            .await
            .unwrap();
    }
    // Only 47..=50 are kept: whatever the slow reader had already read, it ends without a gap.
    let mut read = Vec::new();
    while let Some((position, _)) = next(&mut slow).await {
        read.push(position);
    }
    assert!(
        read.iter().copied().eq(2..2 + read.len() as u64),
        "no gap in what was delivered: {read:?}"
    );
    assert!(slow.lagged.is_set(), "it ended because it fell behind");
    let mut resumed = bus
        .resume(&key, read.last().copied().unwrap_or(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.after, 46, "the client resumes from the oldest kept");
    assert_eq!(next(&mut resumed).await, Some((47, "47".into())));
}

async fn removing_a_session_ends_its_readers(bus: &impl EventBus) {
    let session = SessionId::generate();
    let key = StreamKey::standalone(session.clone());
    let mut reader = bus.subscribe(&key).await.unwrap();
    bus.remove_session(&session).await.unwrap();
    assert_eq!(next(&mut reader).await, None);
    assert!(bus.resume(&key, 0).await.unwrap().is_none());
}

async fn streams_and_sessions_are_isolated(bus: &impl EventBus) {
    let (one, two) = (SessionId::generate(), SessionId::generate());
    let mut standalone_one = bus
        .subscribe(&StreamKey::standalone(one.clone()))
        .await
        .unwrap();
    bus.append(&StreamKey::standalone(two), Arc::from("other session"))
        .await
        .unwrap();
    bus.append(&request_stream(&one), Arc::from("other stream"))
        .await
        .unwrap();
    assert!(quiet(&mut standalone_one).await);
}

async fn signals_reach_every_listener_of_their_session_only(bus: &impl EventBus) {
    let (one, two) = (SessionId::generate(), SessionId::generate());
    let mut first = bus.signals(&one).await.unwrap();
    let mut second = bus.signals(&one).await.unwrap();
    let mut other = bus.signals(&two).await.unwrap();
    bus.publish(&one, Signal::Closed).await.unwrap();
    for listener in [&mut first, &mut second] {
        let signal = tokio::time::timeout(WAIT, listener.next()).await.unwrap();
        assert_eq!(signal, Some(Signal::Closed));
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(200), other.next())
            .await
            .is_err()
    );
    // Publishing to a session nobody listens to is fine.
    bus.publish(&SessionId::generate(), Signal::Closed)
        .await
        .unwrap();
}

async fn server_events_reach_every_listener(bus: &impl EventBus) {
    bus.publish_server_event(ServerEvent::ToolsListChanged)
        .await
        .unwrap();
    let mut first = bus.server_events().await.unwrap();
    let mut second = bus.server_events().await.unwrap();
    let event = ServerEvent::ResourceUpdated {
        uri: "test://x".into(),
    };
    bus.publish_server_event(event.clone()).await.unwrap();
    for listener in [&mut first, &mut second] {
        let received = tokio::time::timeout(WAIT, listener.next()).await.unwrap();
        assert_eq!(
            received,
            Some(event.clone()),
            "only events published after listening"
        );
    }
}

async fn task_signals_reach_the_task_only(bus: &impl EventBus) {
    let mut runner = bus.task_signals("t1").await.unwrap();
    let mut other = bus.task_signals("t2").await.unwrap();
    let mut session = bus.signals(&SessionId::generate()).await.unwrap();
    bus.publish_task("t1", Signal::TaskCancelled).await.unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, runner.next()).await.unwrap(),
        Some(Signal::TaskCancelled)
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(200), other.next())
            .await
            .is_err()
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(200), session.next())
            .await
            .is_err()
    );
}
