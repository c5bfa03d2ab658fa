//! The tasks extension in the engine: running a tool call as a task, and `tasks/get`,
//! `tasks/update`, `tasks/cancel`.
//!
//! A task-capable tool runs in its own tokio task from the start. If it calls
//! `Context::run_as_task` (and the client declared the extension), the engine stores a task
//! record, answers the call with the task handle, and lets the tool run on: its questions
//! become the task's input requests (answered with `tasks/update`, possibly on another
//! replica, and routed back through the event bus), its result or error is stored in the
//! record, and `tasks/cancel` stops it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use futures::StreamExt;
use rmcp::model::{
    CreateTaskResult, ErrorCode, ErrorData, GetTaskResult, TASKS_EXTENSION_ID, TaskAckResult,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::{sync::CancellationToken, task::AbortOnDropHandle};

use super::{ClientRequestError, McpServer, RequestContext, dispatch::typed_params};
use crate::{
    bus::Signal,
    tasks::{TaskChange, TaskRecord, TaskStore},
};

/// The error for a client that did not declare the tasks extension.
pub(super) fn extension_required() -> ErrorData {
    ErrorData::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        "Missing required client capability",
        Some(json!({ "requiredCapabilities": { "extensions": { TASKS_EXTENSION_ID: {} } } })),
    )
}

/// The task side of one task-capable call.
#[derive(Debug)]
pub(crate) struct TaskRun {
    /// Fired by the tool when it becomes a task.
    detach: Mutex<Option<oneshot::Sender<()>>>,
    /// The task's id once the engine created it.
    created: watch::Sender<Option<String>>,
    /// Questions the tool waits on, by key.
    waiting: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    store: Arc<dyn TaskStore>,
}

impl TaskRun {
    fn new(detach: oneshot::Sender<()>, store: Arc<dyn TaskStore>) -> Self {
        Self {
            detach: Mutex::new(Some(detach)),
            created: watch::Sender::new(None),
            waiting: Mutex::new(HashMap::new()),
            store,
        }
    }

    fn waiting(&self) -> MutexGuard<'_, HashMap<String, oneshot::Sender<Value>>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The task id, once the call became a task.
    pub(super) fn task_id(&self) -> Option<String> {
        self.created.borrow().clone()
    }

    /// Asks the engine to turn the call into a task; returns once the task exists.
    pub(super) async fn detach(&self) {
        let sender = self
            .detach
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
        let mut created = self.created.subscribe();
        let _ = created.wait_for(Option::is_some).await;
    }

    /// A question of the running task: recorded as an input request, answered through
    /// `tasks/update`.
    pub(super) async fn ask(&self, key: &str, request: Value) -> Result<Value, ClientRequestError> {
        let Some(task) = self.task_id() else {
            return Err(ClientRequestError::Abandoned);
        };
        let (sender, receiver) = oneshot::channel();
        self.waiting().insert(key.to_owned(), sender);
        let change = TaskChange::Ask {
            key: key.to_owned(),
            request,
        };
        if let Err(error) = self.store.update(&task, change).await {
            tracing::error!(%error, "cannot record a task's input request");
            return Err(ClientRequestError::Abandoned);
        }
        receiver.await.map_err(|_| ClientRequestError::Abandoned)
    }

    fn deliver(&self, key: &str, answer: Value) {
        if let Some(waiter) = self.waiting().remove(key) {
            let _ = waiter.send(answer);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskParams {
    task_id: String,
    #[serde(default)]
    input_responses: Option<Map<String, Value>>,
}

impl McpServer {
    /// Runs a call of a task-capable tool: directly, unless it becomes a task (then the answer
    /// is the task handle and the tool runs on).
    pub(super) async fn run_task_capable(
        self: &Arc<Self>,
        context: &mut RequestContext,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        let (detach, mut detached) = oneshot::channel();
        let run = Arc::new(TaskRun::new(detach, Arc::clone(&self.tasks.store)));
        context.task = Some(Arc::clone(&run));
        // The call gets its own cancellation: once a task, it outlives the HTTP request, and
        // only `tasks/cancel` stops it.
        let request_cancellation =
            std::mem::replace(&mut context.cancellation, CancellationToken::new());
        let mut work = {
            let (server, context) = (Arc::clone(self), context.clone());
            AbortOnDropHandle::new(tokio::spawn(async move {
                server.handle_request(&context, "tools/call", params).await
            }))
        };
        loop {
            tokio::select! {
                joined = &mut work => return joined.unwrap_or_else(|_| Err(ErrorData::internal_error("Internal error", None))),
                Ok(()) = &mut detached => break,
                () = request_cancellation.cancelled(), if !request_cancellation.is_cancelled() => context.cancellation.cancel(),
            }
        }
        let record = TaskRecord::new(
            context.principal.owner_key(),
            self.tasks.ttl,
            self.tasks.poll_interval,
        );
        let signals = self
            .services
            .bus
            .task_signals(&record.id)
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot listen to a new task's signals");
                ErrorData::internal_error("Internal error", None)
            })?;
        self.tasks
            .store
            .create(record.clone())
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot store a new task");
                ErrorData::internal_error("Internal error", None)
            })?;
        tracing::info!(task.id = %record.id, "call continues as a task");
        run.created.send_replace(Some(record.id.clone()));
        let finisher = Finisher {
            store: Arc::clone(&self.tasks.store),
            run,
            task: record.id.clone(),
            cancellation: context.cancellation.clone(),
        };
        let work = work.detach();
        tokio::spawn(finisher.finish(work, signals));
        to_value(CreateTaskResult::new(record.task()))
    }

    /// `tasks/get`, `tasks/update` and `tasks/cancel`, for the task's owner.
    pub(super) async fn task_method(
        &self,
        context: &RequestContext,
        method: &str,
        params: Option<Map<String, Value>>,
    ) -> Result<Value, ErrorData> {
        if !context.peer.client_capabilities().supports_tasks() {
            return Err(extension_required());
        }
        let TaskParams {
            task_id,
            input_responses,
        } = typed_params(params)?;
        let store = &self.tasks.store;
        let unknown = || {
            ErrorData::invalid_params(
                "Failed to retrieve task: Task not found",
                Some(json!({ "taskId": task_id })),
            )
        };
        let record = store.get(&task_id).await.map_err(internal)?;
        let record = record
            .filter(|record| record.owner == context.principal.owner_key())
            .ok_or_else(unknown)?;
        let ack = to_value(TaskAckResult::new());
        match method {
            "tasks/get" => to_value(GetTaskResult::new(record.detailed())),
            "tasks/update" => {
                let answers = input_responses.unwrap_or_default();
                let open: Vec<String> = answers
                    .keys()
                    .filter(|key| record.input_requests.contains_key(*key))
                    .cloned()
                    .collect();
                if !open.is_empty() {
                    store
                        .update(&task_id, TaskChange::Answered(open.clone()))
                        .await
                        .map_err(internal)?;
                    for key in open {
                        let signal = Signal::TaskInput {
                            answer: answers[&key].clone(),
                            key,
                        };
                        self.services
                            .bus
                            .publish_task(&task_id, signal)
                            .await
                            .map_err(internal)?;
                    }
                }
                ack
            }
            _ => {
                let updated = store
                    .update(&task_id, TaskChange::Cancel)
                    .await
                    .map_err(internal)?;
                if updated.is_some_and(|task| task.status == crate::tasks::TaskStatus::Cancelled) {
                    self.services
                        .bus
                        .publish_task(&task_id, Signal::TaskCancelled)
                        .await
                        .map_err(internal)?;
                }
                ack
            }
        }
    }
}

fn to_value(result: impl serde::Serialize) -> Result<Value, ErrorData> {
    serde_json::to_value(result).map_err(internal)
}

fn internal(error: impl std::fmt::Display) -> ErrorData {
    tracing::error!(%error, "task store or bus failed");
    ErrorData::internal_error("Internal error", None)
}

/// Waits for a task's tool to finish (storing its outcome), passing it answers and stopping
/// it when cancelled.
struct Finisher {
    store: Arc<dyn TaskStore>,
    run: Arc<TaskRun>,
    task: String,
    cancellation: CancellationToken,
}

impl Finisher {
    async fn finish(
        self,
        work: JoinHandle<Result<Value, ErrorData>>,
        mut signals: futures::stream::BoxStream<'static, Signal>,
    ) {
        tokio::pin!(work);
        let change = loop {
            tokio::select! {
                joined = &mut work => break match joined {
                    Ok(Ok(result)) => TaskChange::Complete(result),
                    Ok(Err(error)) => TaskChange::Fail(serde_json::to_value(&error).unwrap_or(Value::Null)),
                    Err(_) => TaskChange::Fail(json!({ "code": -32603, "message": "Internal error" })),
                },
                signal = signals.next() => match signal {
                    Some(Signal::TaskCancelled) => {
                        self.cancellation.cancel();
                        work.abort();
                        break TaskChange::Cancel;
                    }
                    Some(Signal::TaskInput { key, answer }) => self.run.deliver(&key, answer),
                    Some(_) => {}
                    // Nobody can reach the task any more; let it finish on its own.
                    None => break match (&mut work).await {
                        Ok(Ok(result)) => TaskChange::Complete(result),
                        _ => TaskChange::Fail(json!({ "code": -32603, "message": "Internal error" })),
                    },
                },
            }
        };
        if let Err(error) = self.store.update(&self.task, change).await {
            tracing::error!(%error, task.id = %self.task, "cannot store a task's outcome");
        }
    }
}
