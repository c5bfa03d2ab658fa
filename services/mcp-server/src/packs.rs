//! Optional feature packs, switched on by name with `MCP_FEATURE_PACKS`.
//!
//! A pack is a set of ordinary tools, resources and prompts registered together. To add one:
//! a variant here, its name in [`FeaturePack::NAMES`], and its registrations in
//! [`FeaturePack::install`].

pub mod conformance;

use service_kit::config::ConfigError;

use crate::features::{Features, RegisterError};

/// A named set of optional features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeaturePack {
    /// What the official MCP conformance suite calls by name (`test_*` tools, `test://`
    /// resources, `test_*` prompts); also the example set to copy from.
    Conformance,
}

impl FeaturePack {
    /// The names `MCP_FEATURE_PACKS` accepts.
    pub const NAMES: &'static [&'static str] = &["conformance"];

    /// Parses one `MCP_FEATURE_PACKS` item.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "conformance" => Ok(Self::Conformance),
            _ => Err(ConfigError::new(format!(
                "MCP_FEATURE_PACKS: unknown pack {name:?} (known: {})",
                Self::NAMES.join(", ")
            ))),
        }
    }

    /// Registers the pack's features.
    pub fn install(self, features: &mut Features) -> Result<(), RegisterError> {
        match self {
            Self::Conformance => conformance::install(features),
        }
    }
}
