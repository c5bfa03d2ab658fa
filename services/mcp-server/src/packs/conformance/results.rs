//! Tools showing the richer result shapes: resource links, and structured content described by
//! an output schema (with a title and an icon on the tool).

use std::borrow::Cow;

use rmcp::model::{CallToolResult, ContentBlock, Icon, JsonObject, Resource as ResourceDefinition};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::{Context, NoArguments, Tool, ToolError, ToolResult, schema_for};

/// `test_resource_link`: points at a resource instead of embedding it.
#[derive(Debug)]
pub(super) struct ResourceLink;

impl Tool for ResourceLink {
    type Input = NoArguments;

    fn name(&self) -> Cow<'static, str> {
        "test_resource_link".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Returns a link to a resource the client can read".into()
    }

    async fn call(&self, _input: NoArguments, _context: Context) -> ToolResult {
        let link = ResourceDefinition::new("test://static-text", "static-text")
            .with_description("A static text resource for testing")
            .with_mime_type("text/plain");
        Ok(CallToolResult::success(vec![
            ContentBlock::text("The text is in the linked resource."),
            ContentBlock::resource_link(link),
        ]))
    }
}

// `test_structured_content`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub(super) struct CityInput {
    /// City to report on
    city: String,
}

/// What `test_structured_content` returns, as `structuredContent`.
#[derive(Debug, Serialize, JsonSchema)]
pub(super) struct Weather {
    /// The city
    city: String,
    /// Temperature in degrees Celsius
    temperature: f64,
    /// Short description of the sky
    conditions: String,
}

/// `test_structured_content`: a typed result with an `outputSchema`, a title and an icon.
#[derive(Debug)]
pub(super) struct StructuredContent;

const SUN_ICON: &str = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHZpZXdCb3g9JzAgMCAxMCAxMCc+PGNpcmNsZSBjeD0nNScgY3k9JzUnIHI9JzQnIGZpbGw9J2dvbGQnLz48L3N2Zz4=";

impl Tool for StructuredContent {
    type Input = CityInput;

    fn name(&self) -> Cow<'static, str> {
        "test_structured_content".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Reports the weather as structured content matching the output schema".into()
    }

    fn title(&self) -> Option<String> {
        Some("Weather Report".to_owned())
    }

    fn icons(&self) -> Option<Vec<Icon>> {
        let mut icon = Icon::new(SUN_ICON);
        icon.mime_type = Some("image/svg+xml".to_owned());
        icon.sizes = Some(vec!["any".to_owned()]);
        Some(vec![icon])
    }

    fn output_schema(&self) -> Option<JsonObject> {
        Some(schema_for::<Weather>())
    }

    async fn call(&self, input: CityInput, _context: Context) -> ToolResult {
        let weather = Weather {
            city: input.city,
            temperature: 22.5,
            conditions: "sunny".to_owned(),
        };
        let value = serde_json::to_value(weather).map_err(ToolError::from)?;
        // `structured` also puts the JSON in a text block, for clients that ignore structure.
        Ok(CallToolResult::structured(value))
    }
}
