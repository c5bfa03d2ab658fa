//! Tools that run as tasks (the stateless era's tasks extension), as the conformance suite
//! calls them: slow work that can be cancelled, a tool error and a protocol error inside a
//! task, questions asked by a running task (one, then two at once), and a question settled
//! before the task begins.

use std::{borrow::Cow, time::Duration};

use rmcp::model::{
    BooleanSchema, ElicitResult, ElicitationAction, ElicitationSchema, PrimitiveSchemaDefinition,
    StringSchema,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::tools::{Context, NoArguments, TaskSupport, Tool, ToolError, ToolResult, text_result};

/// A form of required fields, each a string or a boolean.
fn form(fields: &[(&str, bool)]) -> Result<ElicitationSchema, ToolError> {
    let mut builder = ElicitationSchema::builder();
    for &(name, boolean) in fields {
        let schema = if boolean {
            PrimitiveSchemaDefinition::Boolean(BooleanSchema::new())
        } else {
            PrimitiveSchemaDefinition::String(StringSchema::new())
        };
        builder = builder.required_property(name, schema);
    }
    builder.build().map_err(ToolError::new)
}

/// Whether the user accepted the question and said yes to `field`.
fn confirmed(answer: &ElicitResult, field: &str) -> bool {
    answer.action == ElicitationAction::Accept
        && answer
            .content
            .as_ref()
            .and_then(|content| content.get(field))
            .and_then(Value::as_bool)
            == Some(true)
}

/// A string the user gave: `field`, else the first string of the answer.
fn given(answer: &ElicitResult, field: &str) -> Option<String> {
    let content = answer.content.as_ref()?.as_object()?;
    content
        .get(field)
        .or_else(|| content.values().find(|value| value.is_string()))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Arguments of `slow_compute`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct SlowComputeInput {
    /// How long the computation takes.
    #[serde(default)]
    seconds: u64,
    /// A name for the computation, echoed in the result.
    #[serde(default)]
    label: Option<String>,
}

/// `slow_compute`: sleeps for `seconds`, as a task when the client allows; cancellable.
#[derive(Debug)]
pub(super) struct SlowCompute;

impl Tool for SlowCompute {
    type Input = SlowComputeInput;

    fn name(&self) -> Cow<'static, str> {
        "slow_compute".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Computes for the given number of seconds (as a task when the client supports tasks)".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Optional
    }

    async fn call(&self, input: SlowComputeInput, context: Context) -> ToolResult {
        context.run_as_task().await;
        let seconds = input.seconds.min(3600);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(seconds)) => {}
            () = context.cancellation().cancelled() => return Err(ToolError::new("Cancelled")),
        }
        let label = input.label.unwrap_or_else(|| "the computation".to_owned());
        Ok(text_result(format!("Computed {label} in {seconds}s")))
    }
}

/// `failing_job`: a task that ends with a tool error (`isError: true`).
#[derive(Debug)]
pub(super) struct FailingJob;

impl Tool for FailingJob {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "failing_job".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Runs as a task and fails with a tool error".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Required
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.run_as_task().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err(ToolError::new("The job failed: the input was rejected"))
    }
}

/// `protocol_error_job`: a task that ends with a protocol-level error.
#[derive(Debug)]
pub(super) struct ProtocolErrorJob;

impl Tool for ProtocolErrorJob {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "protocol_error_job".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Runs as a task and fails with a protocol error".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Required
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.run_as_task().await;
        Err(ToolError::internal("Tool execution failed"))
    }
}

/// Arguments of `confirm_delete`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct ConfirmDeleteInput {
    /// The file to delete.
    filename: String,
}

/// `confirm_delete`: a task that asks the user to confirm before it "deletes" a file.
#[derive(Debug)]
pub(super) struct ConfirmDelete;

impl Tool for ConfirmDelete {
    type Input = ConfirmDeleteInput;

    fn name(&self) -> Cow<'static, str> {
        "confirm_delete".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Deletes a file after the user confirms (the question is asked by the running task)".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Optional
    }

    async fn call(&self, input: ConfirmDeleteInput, context: Context) -> ToolResult {
        context.run_as_task().await;
        let question = format!("Delete {}?", input.filename);
        let answer = context
            .elicit("confirm", question, form(&[("confirm", true)])?)
            .await?;
        if confirmed(&answer, "confirm") {
            Ok(text_result(format!("Deleted {}", input.filename)))
        } else {
            Ok(text_result(format!("Kept {}", input.filename)))
        }
    }
}

/// `multi_input`: a task that asks two questions at once.
#[derive(Debug)]
pub(super) struct MultiInput;

impl Tool for MultiInput {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "multi_input".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks two questions at once from a running task".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Optional
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.run_as_task().await;
        let schema = form(&[("name", false), ("confirm", true)])?;
        let (first, second) = tokio::join!(
            context.elicit("first", "First part: a name", schema.clone()),
            context.elicit("second", "Second part: another name", schema),
        );
        let (first, second) = (first?, second?);
        let name = |answer: &ElicitResult| given(answer, "name").unwrap_or_default();
        Ok(text_result(format!(
            "Received {} and {}",
            name(&first),
            name(&second)
        )))
    }
}

/// `test_tool_with_task`: asks the user's name (multi-round-trip, before any task), then
/// greets them from a task.
#[derive(Debug)]
pub(super) struct NameThenTask;

impl Tool for NameThenTask {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_tool_with_task".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks the user's name, then greets them from a task".into()
    }

    fn task_support(&self) -> TaskSupport {
        TaskSupport::Required
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let answer = context
            .elicit("user_name", "What is your name?", form(&[("name", false)])?)
            .await?;
        let name = given(&answer, "name").unwrap_or_else(|| "stranger".to_owned());
        context.run_as_task().await;
        Ok(text_result(format!("Hello, {name}!")))
    }
}
