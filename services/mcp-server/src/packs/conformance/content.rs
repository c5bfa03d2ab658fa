//! Tools that return each kind of content: text, image, audio, embedded resource, a mix.

use std::borrow::Cow;

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};

use super::media::{RED_PIXEL_PNG, SILENT_WAV};
use crate::tools::{Context, NoArguments, Tool, ToolResult, text_result};

/// `test_simple_text`: one text block.
#[derive(Debug)]
pub(super) struct SimpleText;

impl Tool for SimpleText {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_simple_text".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns a simple text response".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        Ok(text_result("This is a simple text response for testing."))
    }
}

/// `test_image_content`: one PNG image.
#[derive(Debug)]
pub(super) struct ImageContent;

impl Tool for ImageContent {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_image_content".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns a 1x1 red PNG image".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        Ok(CallToolResult::success(vec![ContentBlock::image(
            RED_PIXEL_PNG,
            "image/png",
        )]))
    }
}

/// `test_audio_content`: one WAV clip.
#[derive(Debug)]
pub(super) struct AudioContent;

impl Tool for AudioContent {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_audio_content".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns a short WAV audio clip".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        Ok(CallToolResult::success(vec![ContentBlock::audio(
            SILENT_WAV,
            "audio/wav",
        )]))
    }
}

/// `test_embedded_resource`: one embedded text resource.
#[derive(Debug)]
pub(super) struct EmbeddedResource;

impl Tool for EmbeddedResource {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_embedded_resource".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns an embedded text resource".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        let resource = ResourceContents::text(
            "This is an embedded resource content.",
            "test://embedded-resource",
        )
        .with_mime_type("text/plain");
        Ok(CallToolResult::success(vec![ContentBlock::resource(
            resource,
        )]))
    }
}

/// `test_multiple_content_types`: text, image and an embedded JSON resource together.
#[derive(Debug)]
pub(super) struct MultipleContentTypes;

impl Tool for MultipleContentTypes {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_multiple_content_types".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns text, an image and an embedded resource".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        let resource = ResourceContents::text(
            r#"{"test":"data","value":123}"#,
            "test://mixed-content-resource",
        )
        .with_mime_type("application/json");
        Ok(CallToolResult::success(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(RED_PIXEL_PNG, "image/png"),
            ContentBlock::resource(resource),
        ]))
    }
}
