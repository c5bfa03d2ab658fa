//! The set of resources and resource templates a server offers.

use std::{collections::HashMap, fmt, sync::Arc};

use futures::{FutureExt, future::BoxFuture};
use rmcp::model::{Resource as ResourceDefinition, ResourceTemplate as TemplateDefinition};

use super::{Context, ReadResult, Resource, ResourceTemplate, UriTemplate};
use crate::features::{DuplicateName, RegisterError};

/// Resources by URI and templates in registration order.
#[derive(Default)]
pub struct ResourceRegistry {
    fixed: Vec<Fixed>,
    by_uri: HashMap<String, usize>,
    templates: Vec<Template>,
}

struct Fixed {
    definition: ResourceDefinition,
    handler: Arc<dyn ErasedResource>,
}

struct Template {
    definition: TemplateDefinition,
    template: UriTemplate,
    handler: Arc<dyn ErasedTemplate>,
}

/// What `resources/read` found for a URI.
pub enum ReadLookup {
    /// The read, ready to run.
    Found(BoxFuture<'static, ReadResult>),
    /// No resource or template matches the URI.
    Unknown,
}

impl fmt::Debug for ReadLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Found(_) => "Found",
            Self::Unknown => "Unknown",
        })
    }
}

impl ResourceRegistry {
    /// Adds a resource with a fixed URI.
    pub fn register<R: Resource>(&mut self, resource: R) -> Result<&mut Self, DuplicateName> {
        let definition = resource.definition();
        if self.by_uri.contains_key(&definition.uri) {
            return Err(DuplicateName {
                kind: "resource",
                name: definition.uri,
            });
        }
        self.by_uri.insert(definition.uri.clone(), self.fixed.len());
        self.fixed.push(Fixed {
            definition,
            handler: Arc::new(ErasedFixed(Arc::new(resource))),
        });
        Ok(self)
    }

    /// Adds a resource template.
    pub fn register_template<T: ResourceTemplate>(
        &mut self,
        template: T,
    ) -> Result<&mut Self, RegisterError> {
        let definition = template.definition();
        let parsed = UriTemplate::parse(&definition.uri_template)?;
        if self
            .templates
            .iter()
            .any(|t| t.definition.uri_template == definition.uri_template)
        {
            return Err(DuplicateName {
                kind: "resource template",
                name: definition.uri_template,
            }
            .into());
        }
        self.templates.push(Template {
            definition,
            template: parsed,
            handler: Arc::new(ErasedTemplateOf(Arc::new(template))),
        });
        Ok(self)
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty() && self.templates.is_empty()
    }

    /// Whether any template is registered (completion applies to them).
    pub fn has_templates(&self) -> bool {
        !self.templates.is_empty()
    }

    /// The fixed resources, then those the templates list.
    pub async fn list(&self, context: &Context) -> Vec<ResourceDefinition> {
        let mut resources: Vec<ResourceDefinition> =
            self.fixed.iter().map(|f| f.definition.clone()).collect();
        for template in &self.templates {
            resources.extend(template.handler.list(context.clone()).await);
        }
        resources
    }

    /// Every template's definition.
    pub fn templates(&self) -> Vec<TemplateDefinition> {
        self.templates
            .iter()
            .map(|t| t.definition.clone())
            .collect()
    }

    /// Prepares a read of `uri`: a fixed resource first, then the first matching template.
    pub fn read(&self, uri: &str, context: Context) -> ReadLookup {
        if let Some(&index) = self.by_uri.get(uri) {
            return ReadLookup::Found(self.fixed[index].handler.read(context));
        }
        for template in &self.templates {
            if let Some(variables) = template.template.match_uri(uri) {
                return ReadLookup::Found(template.handler.read(
                    uri.to_owned(),
                    variables,
                    context,
                ));
            }
        }
        ReadLookup::Unknown
    }

    /// Completes a template variable; `None` if no template is registered as `uri_template`.
    pub fn complete(
        &self,
        uri_template: &str,
        variable: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> Option<BoxFuture<'static, Vec<String>>> {
        let template = self
            .templates
            .iter()
            .find(|t| t.definition.uri_template == uri_template)?;
        Some(
            template
                .handler
                .complete(variable, value, resolved, context),
        )
    }
}

impl fmt::Debug for ResourceRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceRegistry")
            .field(
                "fixed",
                &self
                    .fixed
                    .iter()
                    .map(|f| &f.definition.uri)
                    .collect::<Vec<_>>(),
            )
            .field(
                "templates",
                &self
                    .templates
                    .iter()
                    .map(|t| t.template.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

trait ErasedResource: Send + Sync {
    fn read(&self, context: Context) -> BoxFuture<'static, ReadResult>;
}

struct ErasedFixed<R>(Arc<R>);

impl<R: Resource> ErasedResource for ErasedFixed<R> {
    fn read(&self, context: Context) -> BoxFuture<'static, ReadResult> {
        let resource = Arc::clone(&self.0);
        async move { resource.read(context).await }.boxed()
    }
}

trait ErasedTemplate: Send + Sync {
    fn read(
        &self,
        uri: String,
        variables: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, ReadResult>;
    fn list(&self, context: Context) -> BoxFuture<'static, Vec<ResourceDefinition>>;
    fn complete(
        &self,
        variable: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Vec<String>>;
}

struct ErasedTemplateOf<T>(Arc<T>);

impl<T: ResourceTemplate> ErasedTemplate for ErasedTemplateOf<T> {
    fn read(
        &self,
        uri: String,
        variables: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, ReadResult> {
        let template = Arc::clone(&self.0);
        async move { template.read(uri, variables, context).await }.boxed()
    }

    fn list(&self, context: Context) -> BoxFuture<'static, Vec<ResourceDefinition>> {
        let template = Arc::clone(&self.0);
        async move { template.list(context).await }.boxed()
    }

    fn complete(
        &self,
        variable: String,
        value: String,
        resolved: HashMap<String, String>,
        context: Context,
    ) -> BoxFuture<'static, Vec<String>> {
        let template = Arc::clone(&self.0);
        async move { template.complete(variable, value, resolved, context).await }.boxed()
    }
}
