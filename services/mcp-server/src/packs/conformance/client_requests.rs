//! Tools that ask the client for something while they run: an LLM completion (sampling),
//! user input (elicitation, with every schema feature of 2025-11-25), or its roots.

use std::borrow::Cow;

#[expect(
    deprecated,
    reason = "sampling is part of every protocol version we serve"
)]
use rmcp::model::CreateMessageRequestParams;
#[expect(
    deprecated,
    reason = "sampling is part of every protocol version we serve"
)]
use rmcp::model::SamplingMessage;
use rmcp::model::{
    BooleanSchema, ElicitResult, ElicitationSchema, EnumSchema, IntegerSchema, LegacyEnumSchema,
    NumberSchema, PrimitiveSchemaDefinition, StringSchema,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::tools::{Context, NoArguments, Tool, ToolError, ToolResult, text_result};

// `test_sampling`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct SamplingInput {
    /// The prompt to send to the LLM
    prompt: String,
}

/// `test_sampling`: asks the client's LLM to answer `prompt`.
#[derive(Debug)]
pub(super) struct Sampling;

impl Tool for Sampling {
    type Input = SamplingInput;

    fn name(&self) -> Cow<'static, str> {
        "test_sampling".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks the client's LLM to complete a prompt (sampling)".into()
    }

    async fn call(&self, input: SamplingInput, context: Context) -> ToolResult {
        #[expect(
            deprecated,
            reason = "sampling is part of every protocol version we serve"
        )]
        let params =
            CreateMessageRequestParams::new(vec![SamplingMessage::user_text(input.prompt)], 100);
        let result = context.create_message("sample", params).await?;
        #[expect(
            deprecated,
            reason = "sampling is part of every protocol version we serve"
        )]
        let message = serde_json::to_value(&result.message).unwrap_or(Value::Null);
        let text = message["content"]["text"]
            .as_str()
            .or_else(|| message["content"][0]["text"].as_str())
            .unwrap_or("(no text)");
        Ok(text_result(format!("LLM response: {text}")))
    }
}

// `test_elicitation`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct ElicitationInput {
    /// The message to show the user
    message: String,
}

/// `test_elicitation`: asks the user for a username and an email address.
#[derive(Debug)]
pub(super) struct Elicitation;

impl Tool for Elicitation {
    type Input = ElicitationInput;

    fn name(&self) -> Cow<'static, str> {
        "test_elicitation".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks the user for a username and an email address (elicitation)".into()
    }

    async fn call(&self, input: ElicitationInput, context: Context) -> ToolResult {
        let schema = ElicitationSchema::builder()
            .required_property(
                "username",
                PrimitiveSchemaDefinition::String(
                    StringSchema::new().description("User's response"),
                ),
            )
            .required_property(
                "email",
                PrimitiveSchemaDefinition::String(
                    StringSchema::new().description("User's email address"),
                ),
            )
            .build()
            .map_err(ToolError::new)?;
        let answer = context.elicit("user_info", input.message, schema).await?;
        Ok(text_result(format!("User response: {}", describe(&answer))))
    }
}

/// `test_elicitation_sep1034_defaults`: a form whose every field has a default (SEP-1034).
#[derive(Debug)]
pub(super) struct ElicitationDefaults;

impl Tool for ElicitationDefaults {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_elicitation_sep1034_defaults".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks for input with a default for every field (SEP-1034)".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let status =
            EnumSchema::builder(vec!["active".into(), "inactive".into(), "pending".into()])
                .untitled()
                .with_default("active")
                .map_err(ToolError::new)?
                .build();
        let schema = ElicitationSchema::builder()
            .required_property(
                "name",
                PrimitiveSchemaDefinition::String(StringSchema::new().with_default("John Doe")),
            )
            .required_property(
                "age",
                PrimitiveSchemaDefinition::Integer(IntegerSchema::new().with_default(30)),
            )
            .required_property(
                "score",
                PrimitiveSchemaDefinition::Number(NumberSchema::new().with_default(95.5)),
            )
            .required_enum_schema("status", status)
            .required_property(
                "verified",
                PrimitiveSchemaDefinition::Boolean(BooleanSchema::new().with_default(true)),
            )
            .build()
            .map_err(ToolError::new)?;
        let answer = context
            .elicit(
                "defaults",
                "Please review and update the form fields with defaults",
                schema,
            )
            .await?;
        Ok(text_result(format!(
            "Elicitation completed: {}",
            describe(&answer)
        )))
    }
}

/// `test_elicitation_sep1330_enums`: a form with all five kinds of choice fields (SEP-1330).
#[derive(Debug)]
pub(super) struct ElicitationEnums;

impl Tool for ElicitationEnums {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_elicitation_sep1330_enums".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks for input with every kind of enum field (SEP-1330)".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let options = |names: &[&str]| {
            names
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };
        let values = options(&["value1", "value2", "value3"]);
        let untitled_single = EnumSchema::builder(options(&["option1", "option2", "option3"]))
            .untitled()
            .build();
        let titled_single = EnumSchema::builder(values.clone())
            .enum_titles(options(&["First Option", "Second Option", "Third Option"]))
            .map_err(ToolError::new)?
            .build();
        let mut legacy = LegacyEnumSchema::new(options(&["opt1", "opt2", "opt3"]));
        legacy.enum_names = Some(options(&["Option One", "Option Two", "Option Three"]));
        let untitled_multi = EnumSchema::builder(options(&["option1", "option2", "option3"]))
            .untitled()
            .multiselect()
            .build();
        let titled_multi = EnumSchema::builder(values)
            .enum_titles(options(&["First Choice", "Second Choice", "Third Choice"]))
            .map_err(ToolError::new)?
            .multiselect()
            .build();
        let schema = ElicitationSchema::builder()
            .required_enum_schema("untitledSingle", untitled_single)
            .required_enum_schema("titledSingle", titled_single)
            .required_enum_schema("legacyEnum", EnumSchema::Legacy(legacy))
            .required_enum_schema("untitledMulti", untitled_multi)
            .required_enum_schema("titledMulti", titled_multi)
            .build()
            .map_err(ToolError::new)?;
        let answer = context
            .elicit("choices", "Please choose from each kind of list", schema)
            .await?;
        Ok(text_result(format!(
            "Elicitation completed: {}",
            describe(&answer)
        )))
    }
}

/// `test_url_elicitation`: sends the user to a URL (URL-mode elicitation), then reports that the
/// out-of-band step completed.
#[derive(Debug)]
pub(super) struct UrlElicitation;

impl Tool for UrlElicitation {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_url_elicitation".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Asks the user to complete a step on a web page (URL-mode elicitation)".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let elicitation_id = format!("{:016x}", rand::random::<u64>());
        let url = format!("https://example.com/authorize?elicitation={elicitation_id}");
        let answer = context
            .elicit_url(
                "authorization",
                "Please authorize access on the linked page",
                url,
                elicitation_id.clone(),
            )
            .await?;
        if answer.action == rmcp::model::ElicitationAction::Accept {
            context.notify_elicitation_complete(&elicitation_id).await;
        }
        Ok(text_result(format!(
            "URL elicitation finished: {}",
            describe(&answer)
        )))
    }
}

/// `test_list_roots`: asks the client which roots it exposes.
#[derive(Debug)]
pub(super) struct ListRoots;

impl Tool for ListRoots {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_list_roots".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Lists the client's roots".into()
    }

    async fn call(&self, _input: NoArguments, context: Context) -> ToolResult {
        let roots = context.list_roots("roots").await?;
        #[expect(
            deprecated,
            reason = "roots are part of every protocol version we serve"
        )]
        let uris: Vec<&str> = roots.roots.iter().map(|root| root.uri.as_str()).collect();
        Ok(text_result(format!("Roots: {}", json!(uris))))
    }
}

/// `action=<accept|decline|cancel>, content=<JSON>`.
fn describe(answer: &ElicitResult) -> String {
    let action = serde_json::to_value(&answer.action).unwrap_or(Value::Null);
    let content = answer.content.clone().unwrap_or(Value::Null);
    format!(
        "action={}, content={content}",
        action.as_str().unwrap_or("?")
    )
}
