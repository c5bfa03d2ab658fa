//! Benchmark peer: an MCP server built on the official Rust SDK (`rmcp`), serving Streamable
//! HTTP with in-memory sessions on `POST /mcp` at 127.0.0.1:$PORT, with the `greet` and `count`
//! tools behaving as the main server's seed tools do.
// Logging messages are deprecated by a newer protocol revision; the peer still sends them.
#![allow(deprecated)]

use std::{sync::Arc, time::Duration};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{
        Implementation, LoggingLevel, LoggingMessageNotificationParam, ServerCapabilities,
        ServerConfig,
    },
    service::RequestContext,
    tool, tool_handler, tool_router,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use schemars::JsonSchema;
use serde::Deserialize;

/// `greet`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct GreetInput {
    /// Name to greet
    name: String,
}

/// `count`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct CountInput {
    /// Number to count to
    number: f64,
}

/// The server handler: one per session, holding the tool router.
#[derive(Clone)]
struct Peer {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Peer {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(name = "greet", title = "Greeting Tool", description = "Say hello")]
    async fn greet(&self, Parameters(input): Parameters<GreetInput>) -> String {
        format!("Hello, {}!", input.name)
    }

    #[tool(
        name = "count",
        description = "A tool that counts to a given number",
        annotations(
            title = "Counting Tool",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn count(
        &self,
        Parameters(input): Parameters<CountInput>,
        context: RequestContext<RoleServer>,
    ) -> Result<String, ErrorData> {
        let number = input.number;
        let mut step = 1.0;
        while step <= number {
            let text = format!("Counted to {}", format_number(step));
            let message = LoggingMessageNotificationParam::new(LoggingLevel::Info, text.into());
            // A client that went away is no reason to stop counting.
            let _ = context.peer.notify_logging_message(message).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            step += 1.0;
        }
        Ok(format!("Counting to {}", format_number(number)))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Peer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_logging()
                .build(),
        )
        .with_server_info(Implementation::new("rmcp-peer", env!("CARGO_PKG_VERSION")))
    }
}

/// Formats a number as JavaScript prints it for the values users type: `5`, `2.5`.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    // Stateful (session) mode, SSE answers as the SDK does by default; the Host check keeps its
    // loopback list (localhost, 127.0.0.1, ::1, any port), which is what the benchmark sends.
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(true)
        .with_allowed_hosts(["localhost", "127.0.0.1", "::1"]);
    let service = StreamableHttpService::new(
        || Ok(Peer::new()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    bench_peers::serve(
        "rmcp-peer",
        axum::Router::new().nest_service("/mcp", service),
    )
    .await
}
