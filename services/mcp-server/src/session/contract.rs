//! The behaviour every [`SessionStore`] must have, as one suite each backend runs.

use std::time::Duration;

use rmcp::model::{ClientCapabilities, Implementation, ProtocolVersion};

use super::{SessionId, SessionRecord, SessionStore, SessionUpdate, StoreError};
use crate::protocol::LogLevel;

pub(crate) fn record() -> SessionRecord {
    SessionRecord {
        id: SessionId::generate(),
        protocol_version: ProtocolVersion::V_2025_06_18,
        owner: "[\"alice\",\"cli\"]".to_owned(),
        client_info: Implementation::new("suite", "1.0.0"),
        client_capabilities: ClientCapabilities::default(),
        log_level: None,
        initialized: false,
        standalone_opened: false,
        subscriptions: Default::default(),
        created_at: 1_700_000_000,
    }
}

/// Runs the suite against stores made by `make(idle_ttl)`.
pub(crate) async fn suite<S: SessionStore>(make: impl Fn(Duration) -> S) {
    stores_and_loads(&make(Duration::from_secs(60))).await;
    refuses_duplicates(&make(Duration::from_secs(60))).await;
    applies_updates(&make(Duration::from_secs(60))).await;
    deletes(&make(Duration::from_secs(60))).await;
    expires_when_idle(&make(Duration::from_millis(600))).await;
    store_checks(&make(Duration::from_secs(60))).await;
    indexes_subscriptions(&make(Duration::from_secs(60))).await;
}

async fn stores_and_loads(store: &impl SessionStore) {
    let record = record();
    store.create(record.clone()).await.unwrap();
    assert_eq!(store.load(&record.id).await.unwrap(), Some(record));
    assert_eq!(store.load(&SessionId::generate()).await.unwrap(), None);
}

async fn refuses_duplicates(store: &impl SessionStore) {
    let record = record();
    store.create(record.clone()).await.unwrap();
    assert!(matches!(
        store.create(record).await,
        Err(StoreError::Duplicate)
    ));
}

async fn applies_updates(store: &impl SessionStore) {
    let record = record();
    store.create(record.clone()).await.unwrap();
    assert!(
        store
            .update(&record.id, SessionUpdate::SetLogLevel(LogLevel::Warning))
            .await
            .unwrap()
    );
    assert!(
        store
            .update(&record.id, SessionUpdate::MarkInitialized)
            .await
            .unwrap()
    );
    assert!(
        store
            .update(&record.id, SessionUpdate::MarkStandaloneOpened)
            .await
            .unwrap()
    );
    let loaded = store.load(&record.id).await.unwrap().unwrap();
    assert_eq!(loaded.log_level, Some(LogLevel::Warning));
    assert!(loaded.initialized);
    assert!(loaded.standalone_opened);
    assert!(
        !store
            .update(&SessionId::generate(), SessionUpdate::MarkInitialized)
            .await
            .unwrap()
    );
}

async fn deletes(store: &impl SessionStore) {
    let record = record();
    store.create(record.clone()).await.unwrap();
    assert!(store.delete(&record.id).await.unwrap());
    assert_eq!(store.load(&record.id).await.unwrap(), None);
    assert!(!store.delete(&record.id).await.unwrap());
    assert!(!store.touch(&record.id).await.unwrap());
}

async fn expires_when_idle(store: &impl SessionStore) {
    let idle = record();
    let used = record();
    store.create(idle.clone()).await.unwrap();
    store.create(used.clone()).await.unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            store.touch(&used.id).await.unwrap(),
            "use keeps a session alive"
        );
    }
    assert_eq!(
        store.load(&idle.id).await.unwrap(),
        None,
        "600 ms idle TTL passed"
    );
    assert!(
        !store
            .update(&idle.id, SessionUpdate::MarkInitialized)
            .await
            .unwrap()
    );
    assert!(store.load(&used.id).await.unwrap().is_some());
}

async fn store_checks(store: &impl SessionStore) {
    store.check().await.unwrap();
}

async fn indexes_subscriptions(store: &impl SessionStore) {
    let (one, two) = (record(), record());
    store.create(one.clone()).await.unwrap();
    store.create(two.clone()).await.unwrap();
    let uri = "test://watched";
    assert!(store.subscribers(uri).await.unwrap().is_empty());
    for session in [&one, &two] {
        assert!(
            store
                .update(&session.id, SessionUpdate::Subscribe(uri.into()))
                .await
                .unwrap()
        );
    }
    let mut subscribers = store.subscribers(uri).await.unwrap();
    subscribers.sort();
    let mut expected = vec![one.id.clone(), two.id.clone()];
    expected.sort();
    assert_eq!(subscribers, expected);
    let loaded = store.load(&one.id).await.unwrap().unwrap();
    assert!(loaded.subscriptions.contains(uri));

    store
        .update(&one.id, SessionUpdate::Unsubscribe(uri.into()))
        .await
        .unwrap();
    assert_eq!(store.subscribers(uri).await.unwrap(), vec![two.id.clone()]);
    store.delete(&two.id).await.unwrap();
    assert!(
        store.subscribers(uri).await.unwrap().is_empty(),
        "deleted sessions leave the index"
    );
    assert!(store.subscribers("test://other").await.unwrap().is_empty());
}
