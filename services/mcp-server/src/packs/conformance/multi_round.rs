//! Tools and a prompt that need the client's input, written once for both eras: in a session
//! they ask the client directly; in the stateless era each question ends the call with an
//! `InputRequiredResult` and the call runs again with the answers.

use std::{borrow::Cow, collections::HashMap};

use rmcp::model::{
    BooleanSchema, ElicitResult, ElicitationAction, ElicitationSchema, GetPromptResult,
    PrimitiveSchemaDefinition, Prompt as PromptDefinition, PromptMessage, Role, StringSchema,
};
#[expect(
    deprecated,
    reason = "sampling is part of every protocol version we serve"
)]
use rmcp::model::{CreateMessageRequestParams, SamplingMessage};
use serde_json::Value;

use crate::{
    context::Capability,
    prompts::{Prompt, PromptError},
    tools::{Context, NoArguments, Tool, ToolError, ToolResult, text_result},
};

/// A one-field form: `{field: string}` (or boolean), required.
fn form(field: &str, boolean: bool) -> Result<ElicitationSchema, ToolError> {
    let schema = if boolean {
        PrimitiveSchemaDefinition::Boolean(BooleanSchema::new())
    } else {
        PrimitiveSchemaDefinition::String(StringSchema::new())
    };
    ElicitationSchema::builder()
        .required_property(field, schema)
        .build()
        .map_err(ToolError::new)
}

/// The `field` of an accepted answer.
fn field(answer: &ElicitResult, field: &str) -> Option<Value> {
    if answer.action != ElicitationAction::Accept {
        return None;
    }
    answer.content.as_ref()?.get(field).cloned()
}

fn text_of(value: Option<Value>) -> String {
    match value {
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
        None => "unknown".to_owned(),
    }
}

#[expect(
    deprecated,
    reason = "sampling is part of every protocol version we serve"
)]
fn sampling(text: &str, max_tokens: u32) -> CreateMessageRequestParams {
    CreateMessageRequestParams::new(vec![SamplingMessage::user_text(text)], max_tokens)
}

macro_rules! no_argument_tool {
    ($type:ident, $name:literal, $description:literal) => {
        #[doc = concat!("`", $name, "`: ", $description)]
        #[derive(Debug)]
        pub(super) struct $type;

        impl $type {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str = $description;
        }
    };
}

no_argument_tool!(
    AskName,
    "test_input_required_result_elicitation",
    "Asks the user's name, then greets them."
);

impl Tool for AskName {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let answer = context
            .elicit("user_name", "What is your name?", form("name", false)?)
            .await?;
        Ok(text_result(format!(
            "Hello, {}!",
            text_of(field(&answer, "name"))
        )))
    }
}

no_argument_tool!(
    AskModel,
    "test_input_required_result_sampling",
    "Asks the client's LLM a question."
);

impl Tool for AskModel {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let answer = context
            .create_message(
                "capital_question",
                sampling("What is the capital of France?", 100),
            )
            .await?;
        #[expect(
            deprecated,
            reason = "sampling is part of every protocol version we serve"
        )]
        let message = serde_json::to_value(&answer.message).unwrap_or(Value::Null);
        Ok(text_result(format!(
            "Sampling result: {}",
            text_of(message["content"].get("text").cloned())
        )))
    }
}

no_argument_tool!(
    AskRoots,
    "test_input_required_result_list_roots",
    "Asks the client for its roots."
);

impl Tool for AskRoots {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let roots = context.list_roots("client_roots").await?;
        #[expect(
            deprecated,
            reason = "roots are part of every protocol version we serve"
        )]
        let count = roots.roots.len();
        Ok(text_result(format!("Found {count} root(s)")))
    }
}

/// Asks for a confirmation; shared by the request-state and tampered-state tools.
async fn confirm(context: &Context) -> ToolResult {
    let answer = context
        .elicit("confirm", "Please confirm", form("ok", true)?)
        .await?;
    let confirmed = field(&answer, "ok") == Some(Value::Bool(true));
    Ok(text_result(if confirmed {
        "state-ok: requestState validated"
    } else {
        "not confirmed"
    }))
}

no_argument_tool!(
    RequestState,
    "test_input_required_result_request_state",
    "Asks for a confirmation carried in request state."
);

impl Tool for RequestState {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        confirm(&context).await
    }
}

no_argument_tool!(
    TamperedState,
    "test_input_required_result_tampered_state",
    "Asks for a confirmation; a tampered request state is refused."
);

impl Tool for TamperedState {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        confirm(&context).await
    }
}

no_argument_tool!(
    MultipleInputs,
    "test_input_required_result_multiple_inputs",
    "Asks for a name, a greeting and the roots at once."
);

impl Tool for MultipleInputs {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let schema = form("name", false)?;
        let (name, greeting, roots) = tokio::join!(
            context.elicit("user_name", "What is your name?", schema),
            context.create_message("greeting", sampling("Generate a greeting", 50)),
            context.list_roots("client_roots"),
        );
        let (name, greeting, roots) = (name?, greeting?, roots?);
        #[expect(
            deprecated,
            reason = "sampling and roots are part of every protocol version we serve"
        )]
        let (greeting, roots) = (
            serde_json::to_value(&greeting.message).unwrap_or(Value::Null),
            roots.roots.len(),
        );
        Ok(text_result(format!(
            "Name: {}; Greeting: {}; Roots: {roots}",
            text_of(field(&name, "name")),
            text_of(greeting["content"].get("text").cloned())
        )))
    }
}

no_argument_tool!(
    MultiRound,
    "test_input_required_result_multi_round",
    "Asks two questions, one after the other."
);

impl Tool for MultiRound {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let name = context
            .elicit("step1", "Step 1: What is your name?", form("name", false)?)
            .await?;
        let color = context
            .elicit(
                "step2",
                "Step 2: What is your favorite color?",
                form("color", false)?,
            )
            .await?;
        Ok(text_result(format!(
            "Multi-round complete for {} who likes {}",
            text_of(field(&name, "name")),
            text_of(field(&color, "color"))
        )))
    }
}

no_argument_tool!(
    Capabilities,
    "test_input_required_result_capabilities",
    "Asks only for what the client declared it supports."
);

impl Tool for Capabilities {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        Self::NAME.into()
    }

    fn description(&self) -> Cow<'static, str> {
        Self::DESCRIPTION.into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let (elicit, sample) = (
            context.supports(Capability::ElicitationForm),
            context.supports(Capability::Sampling),
        );
        if !elicit && !sample {
            return Ok(text_result("No supported capabilities declared"));
        }
        let schema = form("value", false)?;
        let elicited = async {
            if elicit {
                context
                    .elicit("elicit_input", "Elicitation input", schema)
                    .await
                    .map(|_| Some("elicit_input"))
            } else {
                Ok(None)
            }
        };
        let sampled = async {
            if sample {
                context
                    .create_message("sample_input", sampling("Sample request", 50))
                    .await
                    .map(|_| Some("sample_input"))
            } else {
                Ok(None)
            }
        };
        let (elicited, sampled) = tokio::join!(elicited, sampled);
        let received: Vec<&str> = elicited?.into_iter().chain(sampled?).collect();
        Ok(text_result(format!(
            "capabilities-ok: received {}",
            received.join(", ")
        )))
    }
}

/// `test_input_required_result_prompt`: a prompt that asks for context before it is built.
#[derive(Debug)]
pub(super) struct ContextPrompt;

impl Prompt for ContextPrompt {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_input_required_result_prompt",
            Some("A prompt that asks the user for context first"),
            None,
        )
    }

    async fn get(
        &self,
        _arguments: HashMap<String, String>,
        context: Context,
    ) -> Result<GetPromptResult, PromptError> {
        let schema = form("context", false)
            .map_err(|error| PromptError::Failed(error.message().to_owned()))?;
        let answer = context
            .elicit(
                "user_context",
                "What context should the prompt use?",
                schema,
            )
            .await
            .map_err(|error| PromptError::Failed(error.to_string()))?;
        let text = format!(
            "Prompt with context: {}",
            text_of(field(&answer, "context"))
        );
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            text,
        )]))
    }
}
