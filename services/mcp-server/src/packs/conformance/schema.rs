//! A tool whose input schema uses JSON Schema 2020-12 features, published exactly as written.

use std::borrow::Cow;

use rmcp::model::JsonObject;
use serde_json::{Value, json};

use crate::tools::{Context, Tool, ToolResult, text_result};

/// `json_schema_2020_12_tool`: `$schema`, `$defs` with `$anchor`, `$ref`, `allOf`/`anyOf`,
/// `if`/`then`/`else` and `additionalProperties`, all passed through unchanged.
#[derive(Debug)]
pub(super) struct JsonSchema202012;

impl Tool for JsonSchema202012 {
    /// Any object: the schema above is the contract, checked by the client.
    type Input = JsonObject;

    fn name(&self) -> Cow<'static, str> {
        "json_schema_2020_12_tool".into()
    }

    fn description(&self) -> Cow<'static, str> {
        "Tool with JSON Schema 2020-12 features".into()
    }

    fn input_schema(&self) -> JsonObject {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                }
            },
            "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" },
                "contactMethod": { "type": "string", "enum": ["phone", "email"] },
                "phone": { "type": "string" },
                "email": { "type": "string" }
            },
            "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
            "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
            "then": { "required": ["phone"] },
            "else": { "required": ["email"] },
            "additionalProperties": false
        });
        match schema {
            Value::Object(object) => object,
            _ => JsonObject::new(),
        }
    }

    async fn call(&self, input: JsonObject, _context: Context) -> ToolResult {
        Ok(text_result(format!(
            "JSON Schema 2020-12 tool called with: {}",
            Value::Object(input)
        )))
    }
}
