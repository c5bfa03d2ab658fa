//! The conformance pack: every tool, resource and prompt the official MCP conformance suite
//! calls by name, plus a few more that show the remaining result and request kinds (resource
//! links, structured content, icons, URL-mode elicitation, roots, tasks), all written with the public
//! handler API like any other feature.
//!
//! Each item is small on purpose: together they show every kind of content, notification and
//! client request a handler can produce.

mod client_requests;
mod content;
mod diagnostics;
mod media;
mod multi_round;
mod notifications;
mod prompts;
mod resources;
mod results;
mod schema;
mod tasks;

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
        .register(schema::JsonSchema202012)?
        .register(multi_round::AskName)?
        .register(multi_round::AskModel)?
        .register(multi_round::AskRoots)?
        .register(multi_round::RequestState)?
        .register(multi_round::TamperedState)?
        .register(multi_round::MultipleInputs)?
        .register(multi_round::MultiRound)?
        .register(multi_round::Capabilities)?
        .register(diagnostics::MissingCapability)?
        .register(diagnostics::StreamingElicitation)?
        .register(diagnostics::Logging)?
        .register(diagnostics::TriggerToolChange)?
        .register(diagnostics::TriggerPromptChange)?
        .register(diagnostics::HeaderParam)?
        .register(tasks::SlowCompute)?
        .register(tasks::FailingJob)?
        .register(tasks::ProtocolErrorJob)?
        .register(tasks::ConfirmDelete)?
        .register(tasks::MultiInput)?
        .register(tasks::NameThenTask)?;
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
        .register(prompts::WithImage)?
        .register(multi_round::ContextPrompt)?;
    features
        .background
        .push(Box::new(resources::announce_watched_changes));
    Ok(())
}
