//! Input schemas generated from Rust types.

use rmcp::model::JsonObject;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

/// The JSON Schema (2020-12) of `T`, as an MCP `inputSchema`/`outputSchema` object.
///
/// The `$schema` and root `title` keys are left out: MCP reads a schema without `$schema` as
/// 2020-12, and the Rust type name means nothing to a model.
pub fn schema_for<T: JsonSchema>() -> JsonObject {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut object = match Value::from(schema) {
        Value::Object(object) => object,
        // `true`/`false` schemas: an object schema accepting anything.
        _ => JsonObject::from_iter([("type".to_owned(), Value::from("object"))]),
    };
    object.remove("$schema");
    object.remove("title");
    object
}
