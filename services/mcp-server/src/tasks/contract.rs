//! The behaviour every [`TaskStore`] must have, as one suite each backend runs.

use std::time::Duration;

use serde_json::json;

use super::{TaskChange, TaskRecord, TaskStatus, TaskStore};
use crate::session::StoreError;

fn task(ttl: Duration) -> TaskRecord {
    TaskRecord::new("[\"alice\",null]".into(), ttl, Duration::from_secs(1))
}

/// Runs the suite against stores made by `make()`.
pub(crate) async fn suite<S: TaskStore>(make: impl Fn() -> S) {
    let store = make();
    let record = task(Duration::from_secs(60));
    store.create(record.clone()).await.unwrap();
    assert!(matches!(
        store.create(record.clone()).await,
        Err(StoreError::Duplicate)
    ));
    assert_eq!(store.get(&record.id).await.unwrap(), Some(record.clone()));
    assert_eq!(store.get("unknown").await.unwrap(), None);
    assert_eq!(
        store.update("unknown", TaskChange::Cancel).await.unwrap(),
        None
    );

    let asked = TaskChange::Ask {
        key: "k".into(),
        request: json!({"method": "roots/list"}),
    };
    let parked = store.update(&record.id, asked).await.unwrap().unwrap();
    assert_eq!(parked.status, TaskStatus::InputRequired);
    let resumed = store
        .update(&record.id, TaskChange::Answered(vec!["k".into()]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.status, TaskStatus::Working);
    store
        .update(&record.id, TaskChange::Complete(json!({"content": []})))
        .await
        .unwrap();
    let after_cancel = store
        .update(&record.id, TaskChange::Cancel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after_cancel.status,
        TaskStatus::Completed,
        "terminal tasks stay as they are"
    );
    assert_eq!(
        store.get(&record.id).await.unwrap().unwrap().result,
        Some(json!({"content": []}))
    );

    let short = task(Duration::from_millis(300));
    store.create(short.clone()).await.unwrap();
    assert!(store.get(&short.id).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.get(&short.id).await.unwrap(),
        None,
        "past its TTL the task is gone"
    );
}
