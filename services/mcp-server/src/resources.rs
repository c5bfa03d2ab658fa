//! Resources: fixed resources ([`Resource`]) and URI templates ([`ResourceTemplate`]), and the
//! registry behind `resources/list`, `resources/templates/list`, `resources/read` and the
//! completion of template variables.
//!
//! A resource is one file implementing [`Resource`] (its definition and a `read`); a family of
//! resources under a URI template implements [`ResourceTemplate`], whose `read` gets the
//! template's variables. Subscriptions and change notices are the protocol layer's business:
//! a handler that changes a resource calls [`Context::notify_resource_updated`].

mod registry;
mod uri_template;

use std::{collections::HashMap, future::Future};

use rmcp::model::{
    Resource as ResourceDefinition, ResourceContents, ResourceTemplate as TemplateDefinition,
};

pub use self::{
    registry::{ReadLookup, ResourceRegistry},
    uri_template::{TemplateError, UriTemplate},
};
pub use crate::context::Context;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// No such resource (for templates: the variables name nothing).
    #[error("Resource not found")]
    NotFound,
    /// Reading failed; the message is shown to the client.
    #[error("{0}")]
    Failed(String),
}

/// The outcome of a read: one or more contents (text or blob).
pub type ReadResult = Result<Vec<ResourceContents>, ResourceError>;

/// A resource with a fixed URI.
pub trait Resource: Send + Sync + 'static {
    /// What `resources/list` shows (URI, name, title, description, MIME type...).
    fn definition(&self) -> ResourceDefinition;

    /// Reads the current contents.
    fn read(&self, context: Context) -> impl Future<Output = ReadResult> + Send;
}

/// A family of resources whose URIs follow a URI template (`test://items/{id}`).
pub trait ResourceTemplate: Send + Sync + 'static {
    /// What `resources/templates/list` shows; `uri_template` must parse as a [`UriTemplate`].
    fn definition(&self) -> TemplateDefinition;

    /// Reads the resource at `uri`, whose template variables are in `variables`.
    fn read(
        &self,
        uri: String,
        variables: HashMap<String, String>,
        context: Context,
    ) -> impl Future<Output = ReadResult> + Send;

    /// Concrete resources of this family to include in `resources/list` (default: none).
    fn list(&self, _context: Context) -> impl Future<Output = Vec<ResourceDefinition>> + Send {
        async { Vec::new() }
    }

    /// Values for the variable `variable` starting from what the user typed (`value`), for
    /// `completion/complete`; `resolved` holds the variables already chosen (default: none).
    fn complete(
        &self,
        _variable: String,
        _value: String,
        _resolved: HashMap<String, String>,
        _context: Context,
    ) -> impl Future<Output = Vec<String>> + Send {
        async { Vec::new() }
    }
}
