//! Optional tool packs, switched on by name with `MCP_FEATURE_PACKS`.
//!
//! A pack is a set of ordinary tools registered together. Add a variant, its name in
//! [`FeaturePack::NAMES`], and its registrations in [`FeaturePack::install`].

use service_kit::config::ConfigError;

use super::{ToolRegistry, registry::DuplicateTool};

/// A named set of optional tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeaturePack {}

impl FeaturePack {
    /// The names `MCP_FEATURE_PACKS` accepts.
    pub const NAMES: &'static [&'static str] = &[];

    /// Parses one `MCP_FEATURE_PACKS` item.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        let known = if Self::NAMES.is_empty() {
            "none yet".to_owned()
        } else {
            Self::NAMES.join(", ")
        };
        Err(ConfigError::new(format!(
            "MCP_FEATURE_PACKS: unknown pack {name:?} (known: {known})"
        )))
    }

    /// Registers the pack's tools.
    pub fn install(self, _registry: &mut ToolRegistry) -> Result<(), DuplicateTool> {
        match self {}
    }
}
