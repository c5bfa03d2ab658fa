//! Everything the server offers: its tools, resources and prompts, plus background jobs that
//! keep them current. Built once at start from the defaults and the chosen feature packs.

use futures::future::BoxFuture;

use crate::{
    packs::FeaturePack,
    prompts::PromptRegistry,
    protocol::Notifier,
    resources::{ResourceRegistry, TemplateError},
    tools::{Count, Greet, ToolRegistry},
};

/// A name (or URI) registered twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {kind} named {name:?} is already registered")]
pub struct DuplicateName {
    /// What kind of thing: tool, prompt, resource, resource template.
    pub kind: &'static str,
    /// The name or URI.
    pub name: String,
}

/// Something could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The name is taken.
    #[error(transparent)]
    Duplicate(#[from] DuplicateName),
    /// A resource template does not parse.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A tool's input schema is unusable.
    #[error("tool {tool:?}: {why}")]
    Schema {
        /// The tool.
        tool: String,
        /// What is wrong.
        why: String,
    },
}

/// A job that runs for the life of the server, e.g. to announce changes of a resource.
pub type BackgroundJob = Box<dyn FnOnce(Notifier) -> BoxFuture<'static, ()> + Send + Sync>;

/// The tools, resources and prompts of a server.
#[derive(Default)]
pub struct Features {
    /// `tools/*`.
    pub tools: ToolRegistry,
    /// `resources/*`.
    pub resources: ResourceRegistry,
    /// `prompts/*`.
    pub prompts: PromptRegistry,
    /// Jobs to start with the server.
    pub background: Vec<BackgroundJob>,
}

impl Features {
    /// What every server has (`greet`, `count`) plus the chosen feature packs.
    pub fn with_defaults(packs: &[FeaturePack]) -> Result<Self, RegisterError> {
        let mut features = Self::default();
        features.tools.register(Greet)?.register(Count)?;
        for pack in packs {
            pack.install(&mut features)?;
        }
        Ok(features)
    }
}

impl std::fmt::Debug for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Features")
            .field("tools", &self.tools)
            .field("resources", &self.resources)
            .field("prompts", &self.prompts)
            .field("background", &self.background.len())
            .finish()
    }
}
