//! Tasks (the `io.modelcontextprotocol/tasks` extension of the stateless era): a tool call that
//! answers at once with a task handle and runs on; the client polls `tasks/get`, answers the
//! task's questions with `tasks/update`, and may `tasks/cancel` it.
//!
//! Task records live behind [`TaskStore`], so any replica can answer for a task another one
//! runs; the replica running it learns of cancellations and answers through the event bus.

#[cfg(test)]
mod contract;
mod memory;
mod redis;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rmcp::model::{DetailedTask, Task, TaskPayload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use self::{memory::MemoryTaskStore, redis::RedisTaskStore};
use crate::session::StoreError;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Running.
    Working,
    /// Waiting for answers to its input requests.
    InputRequired,
    /// Finished with a result (which may be a tool error, `isError: true`).
    Completed,
    /// Ended by a protocol-level error.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl TaskStatus {
    /// Whether the task is over (its record no longer changes).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// One task, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task id: 128 random bits in hex.
    pub id: String,
    /// Who created it ([`crate::auth::Principal::owner_key`]); nobody else sees it.
    pub owner: String,
    /// Where it is.
    pub status: TaskStatus,
    /// A human-readable note about the status.
    pub status_message: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Last change, milliseconds since the Unix epoch.
    pub updated_at_ms: u64,
    /// How long the task stays readable after its creation.
    pub ttl_ms: u64,
    /// How often clients should poll.
    pub poll_interval_ms: u64,
    /// Open input requests: key → `{method, params}`, in the order they were raised.
    pub input_requests: Map<String, Value>,
    /// The call's result, once completed.
    pub result: Option<Value>,
    /// The JSON-RPC error, once failed.
    pub error: Option<Value>,
}

/// A change to a stored task. Terminal tasks ignore every change.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskChange {
    /// The task raised an input request.
    Ask {
        /// Its key.
        key: String,
        /// `{method, params}`.
        request: Value,
    },
    /// The client answered these keys (unknown keys are ignored).
    Answered(Vec<String>),
    /// The call finished with a result.
    Complete(Value),
    /// The call failed with a JSON-RPC error object.
    Fail(Value),
    /// The client cancelled the task.
    Cancel,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl TaskRecord {
    /// A new working task.
    pub fn new(owner: String, ttl: Duration, poll_interval: Duration) -> Self {
        let now = now_ms();
        Self {
            id: format!("{:032x}", rand::random::<u128>()),
            owner,
            status: TaskStatus::Working,
            status_message: None,
            created_at_ms: now,
            updated_at_ms: now,
            ttl_ms: ttl.as_millis() as u64,
            poll_interval_ms: poll_interval.as_millis() as u64,
            input_requests: Map::new(),
            result: None,
            error: None,
        }
    }

    /// Whether the record is past its time to live.
    pub fn expired(&self, now_ms: u64) -> bool {
        now_ms >= self.created_at_ms.saturating_add(self.ttl_ms)
    }

    /// Applies `change`; returns whether anything changed.
    pub fn apply(&mut self, change: &TaskChange) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        match change {
            TaskChange::Ask { key, request } => {
                self.input_requests.insert(key.clone(), request.clone());
                self.status = TaskStatus::InputRequired;
            }
            TaskChange::Answered(keys) => {
                let before = self.input_requests.len();
                for key in keys {
                    self.input_requests.shift_remove(key);
                }
                if self.input_requests.len() == before {
                    return false;
                }
                if self.input_requests.is_empty() {
                    self.status = TaskStatus::Working;
                }
            }
            TaskChange::Complete(result) => {
                self.status = TaskStatus::Completed;
                self.result = Some(result.clone());
                self.input_requests.clear();
            }
            TaskChange::Fail(error) => {
                self.status = TaskStatus::Failed;
                self.status_message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .map(|m| format!("Tool execution failed: {m}"));
                self.error = Some(error.clone());
                self.input_requests.clear();
            }
            TaskChange::Cancel => {
                self.status = TaskStatus::Cancelled;
                self.status_message = Some("Cancelled by the client".to_owned());
                self.input_requests.clear();
            }
        }
        self.updated_at_ms = now_ms().max(self.updated_at_ms);
        true
    }

    /// The task's metadata on the wire: id, status, times, TTL, poll interval.
    pub fn task(&self) -> Task {
        let mut task = Task::new(
            self.id.clone(),
            self.status.into(),
            rfc3339(self.created_at_ms),
            rfc3339(self.updated_at_ms),
        );
        task.status_message = self.status_message.clone();
        task.ttl_ms = Some(self.ttl_ms);
        task.poll_interval_ms = Some(self.poll_interval_ms);
        task
    }

    /// The task with what its status carries: open input requests, the result, the error.
    pub fn detailed(&self) -> DetailedTask {
        let object = |value: &Option<Value>| match value {
            Some(Value::Object(object)) => object.clone(),
            _ => Map::new(),
        };
        let payload = match self.status {
            TaskStatus::Working => TaskPayload::Working,
            TaskStatus::InputRequired => TaskPayload::InputRequired {
                input_requests: self
                    .input_requests
                    .iter()
                    .filter_map(|(key, request)| {
                        let request = serde_json::from_value(request.clone())
                            .inspect_err(
                                |error| tracing::warn!(%error, key, "unreadable input request"),
                            )
                            .ok()?;
                        Some((key.clone(), request))
                    })
                    .collect(),
            },
            TaskStatus::Completed => TaskPayload::Completed {
                result: object(&self.result),
            },
            TaskStatus::Failed => TaskPayload::Failed {
                error: match &self.error {
                    Some(Value::Object(error)) => error.clone(),
                    _ => json!({"code": -32603, "message": "Internal error"})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                },
            },
            TaskStatus::Cancelled => TaskPayload::Cancelled,
        };
        DetailedTask::new(self.task(), payload)
    }
}

impl From<TaskStatus> for rmcp::model::TaskStatus {
    fn from(status: TaskStatus) -> Self {
        match status {
            TaskStatus::Working => Self::Working,
            TaskStatus::InputRequired => Self::InputRequired,
            TaskStatus::Completed => Self::Completed,
            TaskStatus::Failed => Self::Failed,
            TaskStatus::Cancelled => Self::Cancelled,
        }
    }
}

fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// Where task records are kept.
///
/// Every method is atomic on its record. A record is readable until its TTL (counted from
/// creation) has passed; after that `get` and `update` treat it as unknown.
#[async_trait]
pub trait TaskStore: Send + Sync + std::fmt::Debug + 'static {
    /// Stores a new task. It is readable (from any replica) once this returns.
    async fn create(&self, record: TaskRecord) -> Result<(), StoreError>;

    /// The live record of task `id`, or `None`.
    async fn get(&self, id: &str) -> Result<Option<TaskRecord>, StoreError>;

    /// Applies `change` to the live record and returns it as it now is (`None` if unknown).
    async fn update(&self, id: &str, change: TaskChange) -> Result<Option<TaskRecord>, StoreError>;
}

#[cfg(test)]
mod tests {
    use rmcp::model::{CreateTaskResult, GetTaskResult};

    use super::*;

    fn wire(task: &TaskRecord) -> Value {
        serde_json::to_value(GetTaskResult::new(task.detailed())).unwrap()
    }

    fn question() -> Value {
        json!({"method": "elicitation/create", "params": {
            "mode": "form", "message": "Sure?",
            "requestedSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
        }})
    }

    fn task() -> TaskRecord {
        TaskRecord::new(
            "owner".into(),
            Duration::from_secs(60),
            Duration::from_secs(1),
        )
    }

    #[test]
    fn input_requests_come_and_go() {
        let mut task = task();
        task.apply(&TaskChange::Ask {
            key: "a".into(),
            request: question(),
        });
        task.apply(&TaskChange::Ask {
            key: "b".into(),
            request: question(),
        });
        assert_eq!(task.status, TaskStatus::InputRequired);
        assert!(
            !task.apply(&TaskChange::Answered(vec!["unknown".into()])),
            "unknown keys change nothing"
        );
        task.apply(&TaskChange::Answered(vec!["a".into()]));
        assert_eq!(task.status, TaskStatus::InputRequired);
        assert_eq!(wire(&task)["inputRequests"]["b"], question());
        assert_eq!(
            wire(&task)["inputRequests"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["b"]
        );
        task.apply(&TaskChange::Answered(vec!["b".into()]));
        assert_eq!(task.status, TaskStatus::Working);
        assert!(wire(&task).get("inputRequests").is_none());
    }

    #[test]
    fn terminal_tasks_never_change() {
        let mut task = task();
        task.apply(&TaskChange::Complete(json!({"content": []})));
        assert!(!task.apply(&TaskChange::Cancel));
        assert_eq!(task.status, TaskStatus::Completed);
        assert_eq!(wire(&task)["result"], json!({"content": []}));
    }

    #[test]
    fn the_wire_shapes_carry_only_what_their_status_has() {
        let mut task = task();
        let created = serde_json::to_value(CreateTaskResult::new(task.task())).unwrap();
        assert_eq!(created["resultType"], "task");
        for absent in [
            "result",
            "error",
            "inputRequests",
            "requestState",
            "task",
            "ttl",
            "pollInterval",
        ] {
            assert!(created.get(absent).is_none(), "{absent}");
        }
        assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
        assert_eq!(created["ttlMs"], 60_000);
        assert_eq!(wire(&task)["resultType"], "complete");
        task.apply(&TaskChange::Fail(
            json!({"code": -32603, "message": "boom"}),
        ));
        let failed = wire(&task);
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["error"]["code"], -32603);
        assert!(failed.get("result").is_none());
        assert_eq!(failed["statusMessage"], "Tool execution failed: boom");
    }
}
