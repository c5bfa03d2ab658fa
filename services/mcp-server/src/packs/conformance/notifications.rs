//! Tools that talk while they run: log messages, progress, a failure, and SSE polling.

use std::{borrow::Cow, time::Duration};

use crate::{
    protocol::LogLevel,
    tools::{Context, NoArguments, Tool, ToolError, ToolResult, text_result},
};

const STEP: Duration = Duration::from_millis(50);

/// `test_tool_with_logging`: three log messages on the call's stream, 50 ms apart.
#[derive(Debug)]
pub(super) struct WithLogging;

impl Tool for WithLogging {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_tool_with_logging".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Sends three log messages while it runs".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.log(LogLevel::Info, "Tool execution started").await;
        tokio::time::sleep(STEP).await;
        context.log(LogLevel::Info, "Tool processing data").await;
        tokio::time::sleep(STEP).await;
        context
            .log(LogLevel::Info, "Tool execution completed")
            .await;
        Ok(text_result("Tool with logging executed successfully"))
    }
}

/// `test_tool_with_progress`: progress 0, 50 and 100 of 100, 50 ms apart.
#[derive(Debug)]
pub(super) struct WithProgress;

impl Tool for WithProgress {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_tool_with_progress".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Reports progress 0, 50 and 100 of 100".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        for (index, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
            if index > 0 {
                tokio::time::sleep(STEP).await;
            }
            let message = format!("Completed step {progress} of 100");
            context.progress(progress, Some(100.0), Some(message)).await;
        }
        Ok(text_result("Progress reported: 0, 50 and 100 of 100"))
    }
}

/// `test_error_handling`: always fails, as a tool error (`isError: true`).
#[derive(Debug)]
pub(super) struct ErrorHandling;

impl Tool for ErrorHandling {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_error_handling".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Always fails, to show how tool errors are reported".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        Err(ToolError::new(
            "This tool intentionally returns an error for testing",
        ))
    }
}

/// `test_reconnection`: closes its SSE response mid-call; the client reconnects with
/// `Last-Event-ID` and receives the result on the resumed stream.
#[derive(Debug)]
pub(super) struct Reconnection;

impl Tool for Reconnection {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_reconnection".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Closes its stream mid-call; the result arrives after the client reconnects".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        context.close_stream().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(text_result(
            "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.",
        ))
    }
}
