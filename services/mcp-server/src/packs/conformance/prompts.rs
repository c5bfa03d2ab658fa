//! Prompts: plain, with arguments (and their completion), with an embedded resource, with an
//! image.

use std::collections::HashMap;

use rmcp::model::{
    GetPromptResult, Prompt as PromptDefinition, PromptArgument, PromptMessage, ResourceContents,
    Role,
};

use super::media::RED_PIXEL_PNG;
use crate::prompts::{Context, Prompt, PromptError};

/// `test_simple_prompt`.
#[derive(Debug)]
pub(super) struct Simple;

impl Prompt for Simple {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_simple_prompt",
            Some("A simple prompt without arguments"),
            None,
        )
        .with_title("Simple Prompt")
    }

    async fn get(
        &self,
        _arguments: HashMap<String, String>,
        _context: Context,
    ) -> Result<GetPromptResult, PromptError> {
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            "This is a simple prompt for testing.",
        )]))
    }
}

/// `test_prompt_with_arguments`: two required arguments, both completable.
#[derive(Debug)]
pub(super) struct WithArguments;

const SUGGESTIONS: [&str; 8] = [
    "hello", "help", "paris", "park", "party", "world", "word", "test",
];

impl Prompt for WithArguments {
    fn definition(&self) -> PromptDefinition {
        let arguments = vec![
            PromptArgument::new("arg1")
                .with_description("First test argument")
                .with_required(true),
            PromptArgument::new("arg2")
                .with_description("Second test argument")
                .with_required(true),
        ];
        PromptDefinition::new(
            "test_prompt_with_arguments",
            Some("A prompt with two required arguments"),
            Some(arguments),
        )
        .with_title("Prompt With Arguments")
    }

    async fn get(
        &self,
        arguments: HashMap<String, String>,
        _context: Context,
    ) -> Result<GetPromptResult, PromptError> {
        let (arg1, arg2) = (&arguments["arg1"], &arguments["arg2"]);
        let text = format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'");
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            text,
        )]))
    }

    async fn complete(
        &self,
        argument: String,
        value: String,
        _resolved: HashMap<String, String>,
        _context: Context,
    ) -> Vec<String> {
        if argument != "arg1" && argument != "arg2" {
            return Vec::new();
        }
        let value = value.to_lowercase();
        SUGGESTIONS
            .into_iter()
            .filter(|word| word.starts_with(&value))
            .map(str::to_owned)
            .collect()
    }
}

/// `test_prompt_with_embedded_resource`: embeds the resource named by `resourceUri`.
#[derive(Debug)]
pub(super) struct WithEmbeddedResource;

impl Prompt for WithEmbeddedResource {
    fn definition(&self) -> PromptDefinition {
        let arguments = vec![
            PromptArgument::new("resourceUri")
                .with_description("URI of the resource to embed")
                .with_required(true),
        ];
        PromptDefinition::new(
            "test_prompt_with_embedded_resource",
            Some("A prompt that embeds a resource"),
            Some(arguments),
        )
        .with_title("Prompt With Embedded Resource")
    }

    async fn get(
        &self,
        arguments: HashMap<String, String>,
        _context: Context,
    ) -> Result<GetPromptResult, PromptError> {
        let uri = arguments["resourceUri"].clone();
        let resource = ResourceContents::text("Embedded resource content for testing.", uri)
            .with_mime_type("text/plain");
        Ok(GetPromptResult::new(vec![
            PromptMessage::new(Role::User, rmcp::model::ContentBlock::resource(resource)),
            PromptMessage::new_text(Role::User, "Please process the embedded resource above."),
        ]))
    }
}

/// `test_prompt_with_image`.
#[derive(Debug)]
pub(super) struct WithImage;

impl Prompt for WithImage {
    fn definition(&self) -> PromptDefinition {
        PromptDefinition::new(
            "test_prompt_with_image",
            Some("A prompt that includes an image"),
            None,
        )
        .with_title("Prompt With Image")
    }

    async fn get(
        &self,
        _arguments: HashMap<String, String>,
        _context: Context,
    ) -> Result<GetPromptResult, PromptError> {
        Ok(GetPromptResult::new(vec![
            PromptMessage::new(
                Role::User,
                rmcp::model::ContentBlock::image(RED_PIXEL_PNG, "image/png"),
            ),
            PromptMessage::new_text(Role::User, "Please analyze the image above."),
        ]))
    }
}
