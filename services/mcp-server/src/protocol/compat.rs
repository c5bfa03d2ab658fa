//! Shaping results for older protocol versions.
//!
//! The wire types follow the newest revision. Fields a version does not define are left in
//! place (JSON-RPC peers ignore unknown members, and clients written against the original
//! project rely on `title` being present on `2025-03-26`). What an older client cannot parse
//! at all is a content block of a kind its version lacks (audio before 2025-03-26, resource
//! links before 2025-06-18): those are turned into text blocks that say what they were.

use rmcp::model::ProtocolVersion;
use serde_json::{Value, json};

/// Whether `version` predates `since`.
fn before(version: &ProtocolVersion, since: &ProtocolVersion) -> bool {
    version.as_str() < since.as_str()
}

/// A content block the version cannot parse, as text.
fn shape_content(version: &ProtocolVersion, block: &mut Value) {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let text = match kind {
        "resource_link" if before(version, &ProtocolVersion::V_2025_06_18) => {
            let uri = block.get("uri").and_then(Value::as_str).unwrap_or_default();
            let name = block.get("name").and_then(Value::as_str).unwrap_or(uri);
            format!("Resource link: {name} <{uri}>")
        }
        "audio" if before(version, &ProtocolVersion::V_2025_03_26) => {
            let mime = block
                .get("mimeType")
                .and_then(Value::as_str)
                .unwrap_or("audio");
            format!("[{mime} audio omitted: this protocol version cannot carry audio]")
        }
        _ => return,
    };
    *block = json!({ "type": "text", "text": text });
}

/// Shapes the result of `method` for a session on `version` (in place).
pub(super) fn shape_result(method: &str, version: &ProtocolVersion, result: &mut Value) {
    if !before(version, &ProtocolVersion::V_2025_06_18) {
        return;
    }
    match method {
        "tools/call" => {
            for block in result
                .get_mut("content")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                shape_content(version, block);
            }
        }
        "prompts/get" => {
            for message in result
                .get_mut("messages")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(block) = message.get_mut("content") {
                    shape_content(version, block);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> Value {
        json!({"content": [
            {"type": "audio", "data": "AA==", "mimeType": "audio/wav"},
            {"type": "resource_link", "uri": "test://a", "name": "a"},
            {"type": "text", "text": "kept"}
        ], "structuredContent": {"x": 1}})
    }

    #[test]
    fn content_kinds_a_version_lacks_become_text() {
        let mut v0326 = result();
        shape_result("tools/call", &ProtocolVersion::V_2025_03_26, &mut v0326);
        assert_eq!(v0326["content"][0]["type"], "audio");
        assert_eq!(
            v0326["content"][1],
            json!({"type": "text", "text": "Resource link: a <test://a>"})
        );
        assert_eq!(
            v0326["structuredContent"],
            json!({"x": 1}),
            "unknown fields stay"
        );

        let mut oldest = result();
        shape_result("tools/call", &ProtocolVersion::V_2024_11_05, &mut oldest);
        assert_eq!(oldest["content"][0]["type"], "text");
        assert_eq!(oldest["content"][2]["text"], "kept");
    }

    #[test]
    fn current_versions_and_other_methods_are_untouched() {
        for version in [ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_11_25] {
            let mut latest = result();
            shape_result("tools/call", &version, &mut latest);
            assert_eq!(latest, result());
        }
        let mut other = result();
        shape_result("resources/read", &ProtocolVersion::V_2024_11_05, &mut other);
        assert_eq!(other, result());
    }

    #[test]
    fn prompt_messages_are_shaped_too() {
        let mut prompt = json!({"messages": [{"role": "user", "content": {"type": "resource_link", "uri": "u", "name": "n"}}]});
        shape_result("prompts/get", &ProtocolVersion::V_2025_03_26, &mut prompt);
        assert_eq!(prompt["messages"][0]["content"]["type"], "text");
    }
}
