use std::time::Duration;

use serde_json::json;

use super::*;

fn setup(
    streams: bool,
    timeout: Duration,
) -> (
    ClientRequests,
    PendingRequests,
    tokio::sync::mpsc::Receiver<Outgoing>,
) {
    let (outbox, receiver) = Outbox::channel(streams);
    let pending = PendingRequests::default();
    (
        ClientRequests::new(pending.clone(), outbox, timeout),
        pending,
        receiver,
    )
}

fn sent_id(item: Outgoing) -> RequestId {
    let Outgoing::Message(text) = item else {
        panic!("expected a message, got {item:?}")
    };
    let value: Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(value["id"].clone()).unwrap()
}

#[tokio::test]
async fn an_answer_reaches_the_caller() {
    let (client, pending, mut receiver) = setup(true, Duration::from_secs(5));
    let call = tokio::spawn(async move { client.send("roots/list", json!({})).await });
    let id = sent_id(receiver.recv().await.unwrap());
    assert!(pending.deliver(&id, Ok(json!({"roots": []}))));
    assert_eq!(call.await.unwrap(), Ok(json!({"roots": []})));
    assert!(
        !pending.deliver(&id, Ok(json!({}))),
        "a second answer finds nobody waiting"
    );
}

#[tokio::test]
async fn a_client_error_is_reported() {
    let (client, pending, mut receiver) = setup(true, Duration::from_secs(5));
    let call = tokio::spawn(async move { client.send("sampling/createMessage", json!({})).await });
    let id = sent_id(receiver.recv().await.unwrap());
    pending.deliver(&id, Err(json!({"code": -1, "message": "User rejected"})));
    match call.await.unwrap() {
        Err(ClientRequestError::Rejected(error)) => assert_eq!(error.message, "User rejected"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn no_answer_times_out_and_cancels_at_the_client() {
    let (client, pending, mut receiver) = setup(true, Duration::from_millis(100));
    let outcome = client.send("elicitation/create", json!({})).await;
    assert_eq!(
        outcome,
        Err(ClientRequestError::TimedOut(Duration::from_millis(100)))
    );
    let id = sent_id(receiver.recv().await.unwrap());
    let Some(Outgoing::Message(notice)) = receiver.recv().await else {
        panic!("expected a cancellation")
    };
    let notice: Value = serde_json::from_str(&notice).unwrap();
    assert_eq!(notice["method"], "notifications/cancelled");
    assert_eq!(
        notice["params"]["requestId"],
        serde_json::to_value(&id).unwrap()
    );
    assert!(
        !pending.deliver(&id, Ok(json!({}))),
        "a late answer is dropped"
    );
}

#[tokio::test]
async fn a_dropped_call_cancels_at_the_client() {
    let (client, _pending, mut receiver) = setup(true, Duration::from_secs(5));
    let call = tokio::spawn(async move { client.send("roots/list", json!({})).await });
    let id = sent_id(receiver.recv().await.unwrap());
    call.abort();
    let _ = call.await;
    let Some(Outgoing::Message(notice)) = receiver.recv().await else {
        panic!("expected a cancellation")
    };
    let notice: Value = serde_json::from_str(&notice).unwrap();
    assert_eq!(
        notice["params"]["requestId"],
        serde_json::to_value(&id).unwrap()
    );
}

#[tokio::test]
async fn a_json_only_client_cannot_be_asked() {
    let (client, _pending, _receiver) = setup(false, Duration::from_secs(5));
    assert_eq!(
        client.send("roots/list", json!({})).await,
        Err(ClientRequestError::NotStreamable)
    );
}
