//! The behaviour every [`Records`] implementation must show, run against each backend.

use std::time::Duration;

use super::{Consumed, Key, Kind, Records};

fn key(id: &str) -> Key {
    // Unique per run, so a shared backend (a real Redis) never sees stale records.
    Key::new(Kind::Code, format!("{id}-{:016x}", rand::random::<u64>()))
}

/// Runs every check against `records`.
pub(crate) async fn run(records: &dyn Records) {
    put_get_remove(records).await;
    insert_only_when_free(records).await;
    consume_once(records).await;
    records_expire(records).await;
    kinds_are_separate(records).await;
    records.ping().await.expect("the backend answers");
}

async fn put_get_remove(records: &dyn Records) {
    let k = key("put");
    assert_eq!(records.get(&k).await.unwrap(), None);
    records.put(&k, "one", None).await.unwrap();
    assert_eq!(records.get(&k).await.unwrap().as_deref(), Some("one"));
    records.put(&k, "two", None).await.unwrap();
    assert_eq!(records.get(&k).await.unwrap().as_deref(), Some("two"));
    assert!(records.remove(&k).await.unwrap());
    assert!(!records.remove(&k).await.unwrap());
    assert_eq!(records.get(&k).await.unwrap(), None);
}

async fn insert_only_when_free(records: &dyn Records) {
    let k = key("insert");
    assert!(records.insert(&k, "first", None).await.unwrap());
    assert!(!records.insert(&k, "second", None).await.unwrap());
    assert_eq!(records.get(&k).await.unwrap().as_deref(), Some("first"));
}

async fn consume_once(records: &dyn Records) {
    let k = key("consume");
    assert_eq!(records.consume(&k).await.unwrap(), Consumed::Missing);
    records
        .put(&k, "code", Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(
        records.consume(&k).await.unwrap(),
        Consumed::First("code".into())
    );
    let before = super::now_ms();
    match records.consume(&k).await.unwrap() {
        Consumed::Again(value, first_used_ms) => {
            assert_eq!(value, "code");
            assert!(
                first_used_ms <= super::now_ms() && first_used_ms + 60_000 > before,
                "the time of the first use"
            );
        }
        other => panic!("expected Again, got {other:?}"),
    }
    assert_eq!(
        records.get(&k).await.unwrap().as_deref(),
        Some("code"),
        "a used record keeps its value"
    );
    // A replaced record starts unused.
    records.put(&k, "fresh", None).await.unwrap();
    assert_eq!(
        records.consume(&k).await.unwrap(),
        Consumed::First("fresh".into())
    );

    // Many concurrent uses: exactly one first.
    let race = key("race");
    records.put(&race, "x", None).await.unwrap();
    let uses = futures::future::join_all((0..16).map(|_| records.consume(&race))).await;
    let firsts = uses
        .iter()
        .filter(|outcome| matches!(outcome, Ok(Consumed::First(_))))
        .count();
    assert_eq!(firsts, 1);
    assert!(uses.iter().all(|outcome| outcome.is_ok()));
}

async fn records_expire(records: &dyn Records) {
    let k = key("ttl");
    records
        .put(&k, "brief", Some(Duration::from_millis(300)))
        .await
        .unwrap();
    assert!(records.get(&k).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(records.get(&k).await.unwrap(), None);
    assert_eq!(records.consume(&k).await.unwrap(), Consumed::Missing);
    assert!(
        records.insert(&k, "again", None).await.unwrap(),
        "an expired key is free"
    );
}

async fn kinds_are_separate(records: &dyn Records) {
    let id = format!("same-{:016x}", rand::random::<u64>());
    let code = Key::new(Kind::Code, id.clone());
    let client = Key::new(Kind::Client, id);
    records.put(&code, "code", None).await.unwrap();
    assert_eq!(records.get(&client).await.unwrap(), None);
}
