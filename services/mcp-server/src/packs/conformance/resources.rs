//! Resources: static text, static binary, a URI template, and a resource that changes.

use std::{
    collections::HashMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures::{FutureExt, future::BoxFuture};
use rmcp::model::{
    Resource as ResourceDefinition, ResourceContents, ResourceTemplate as TemplateDefinition,
};
use serde_json::json;

use super::media::RED_PIXEL_PNG;
use crate::{
    protocol::Notifier,
    resources::{Context, ReadResult, Resource, ResourceTemplate},
};

const WATCHED_URI: &str = "test://watched-resource";
/// How often the watched resource changes.
const WATCHED_PERIOD: Duration = Duration::from_secs(3);

/// `test://static-text`.
#[derive(Debug)]
pub(super) struct StaticText;

impl Resource for StaticText {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new("test://static-text", "static-text")
            .with_title("Static Text Resource")
            .with_description("A static text resource for testing")
            .with_mime_type("text/plain")
    }

    async fn read(&self, _context: Context) -> ReadResult {
        Ok(vec![
            ResourceContents::text(
                "This is the content of the static text resource.",
                "test://static-text",
            )
            .with_mime_type("text/plain"),
        ])
    }
}

/// `test://static-binary`: a PNG, as a blob.
#[derive(Debug)]
pub(super) struct StaticBinary;

impl Resource for StaticBinary {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new("test://static-binary", "static-binary")
            .with_title("Static Binary Resource")
            .with_description("A static binary resource (a PNG image) for testing")
            .with_mime_type("image/png")
    }

    async fn read(&self, _context: Context) -> ReadResult {
        Ok(vec![
            ResourceContents::blob(RED_PIXEL_PNG, "test://static-binary")
                .with_mime_type("image/png"),
        ])
    }
}

/// `test://template/{id}/data`: JSON that echoes `id`.
#[derive(Debug)]
pub(super) struct TemplateData;

impl ResourceTemplate for TemplateData {
    fn definition(&self) -> TemplateDefinition {
        TemplateDefinition::new("test://template/{id}/data", "template")
            .with_title("Resource Template")
            .with_description("A resource template with parameter substitution")
            .with_mime_type("application/json")
    }

    async fn read(
        &self,
        uri: String,
        variables: HashMap<String, String>,
        _context: Context,
    ) -> ReadResult {
        let id = variables.get("id").cloned().unwrap_or_default();
        let text = json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") })
            .to_string();
        Ok(vec![
            ResourceContents::text(text, uri).with_mime_type("application/json"),
        ])
    }

    async fn complete(
        &self,
        variable: String,
        value: String,
        _resolved: HashMap<String, String>,
        _context: Context,
    ) -> Vec<String> {
        if variable != "id" {
            return Vec::new();
        }
        ["100", "123", "200", "404"]
            .into_iter()
            .filter(|id| id.starts_with(&value))
            .map(str::to_owned)
            .collect()
    }
}

/// `test://watched-resource`: its text changes every three seconds (the same on every replica,
/// as it follows the clock), and subscribers are told.
#[derive(Debug)]
pub(super) struct Watched;

impl Resource for Watched {
    fn definition(&self) -> ResourceDefinition {
        ResourceDefinition::new(WATCHED_URI, "watched-resource")
            .with_title("Watched Resource")
            .with_description(
                "A resource whose content changes every 3 seconds; subscribe to hear about it",
            )
            .with_mime_type("text/plain")
    }

    async fn read(&self, _context: Context) -> ReadResult {
        Ok(vec![
            ResourceContents::text(
                format!("Watched resource content, revision {}", revision()),
                WATCHED_URI,
            )
            .with_mime_type("text/plain"),
        ])
    }
}

fn revision() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs() / WATCHED_PERIOD.as_secs()
}

/// Announces each change of the watched resource to its subscribers, just after it happens.
pub(super) fn announce_watched_changes(notifier: Notifier) -> BoxFuture<'static, ()> {
    async move {
        loop {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let period = WATCHED_PERIOD.as_millis() as u64;
            let until_next = period - (now.as_millis() as u64 % period);
            tokio::time::sleep(Duration::from_millis(until_next + 20)).await;
            if let Err(error) = notifier.resource_updated(WATCHED_URI).await {
                tracing::warn!(%error, "cannot announce a change of the watched resource");
            }
        }
    }
    .boxed()
}
