//! The conformance pack: every tool, resource and prompt the official MCP conformance suite
//! calls by name, plus a few more that show the remaining result and request kinds (resource
//! links, structured content, icons, URL-mode elicitation, roots), all written with the public
//! handler API like any other feature.
//!
//! Each item is small on purpose: together they show every kind of content, notification and
//! client request a handler can produce.

mod client_requests;
mod content;
mod media;
mod notifications;
mod prompts;
mod resources;
mod results;
mod schema;

use crate::features::{Features, RegisterError};

/// Registers the pack.
pub fn install(features: &mut Features) -> Result<(), RegisterError> {
    features
        .tools
        .register(content::SimpleText)?
        .register(content::ImageContent)?
        .register(content::AudioContent)?
        .register(content::EmbeddedResource)?
        .register(content::MultipleContentTypes)?
        .register(results::ResourceLink)?
        .register(results::StructuredContent)?
        .register(notifications::WithLogging)?
        .register(notifications::WithProgress)?
        .register(notifications::ErrorHandling)?
        .register(notifications::Reconnection)?
        .register(client_requests::Sampling)?
        .register(client_requests::Elicitation)?
        .register(client_requests::ElicitationDefaults)?
        .register(client_requests::ElicitationEnums)?
        .register(client_requests::UrlElicitation)?
        .register(client_requests::ListRoots)?
        .register(schema::JsonSchema202012)?;
    features
        .resources
        .register(resources::StaticText)?
        .register(resources::StaticBinary)?
        .register(resources::Watched)?
        .register_template(resources::TemplateData)?;
    features
        .prompts
        .register(prompts::Simple)?
        .register(prompts::WithArguments)?
        .register(prompts::WithEmbeddedResource)?
        .register(prompts::WithImage)?;
    features
        .background
        .push(Box::new(resources::announce_watched_changes));
    Ok(())
}
