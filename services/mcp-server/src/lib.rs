//! An MCP server over Streamable HTTP.
//!
//! Layers, top to bottom: [`transport`] (HTTP, SSE, headers) adapts requests to [`protocol`]
//! (MCP semantics), which serves the [`features`] ([`tools`], [`resources`], [`prompts`],
//! handed a [`context::Context`]) and keeps cross-request state behind two traits,
//! [`session::SessionStore`] and [`bus::EventBus`]. [`startup`] wires them from [`config`].

pub mod auth;
pub mod bus;
pub mod config;
pub mod context;
pub mod features;
pub mod health;
pub mod instruments;
pub mod packs;
pub mod prompts;
pub mod protocol;
pub mod resources;
pub mod sealing;
pub mod session;
mod shared_state;
pub mod startup;
pub mod tasks;
pub mod tools;
pub mod transport;

pub use self::{config::Config, startup::App};
