//! `mcp-server`: reads its configuration, starts logging, serves until SIGINT/SIGTERM.

use mcp_server::{App, Config};
use service_kit::{
    config::{self, Configuration},
    shutdown, telemetry, tls,
};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = config::exit_on_error("mcp-server", Config::from_env());
    let telemetry = config::exit_on_error("mcp-server", telemetry::TelemetryConfig::from_env());
    config::exit_on_error("mcp-server", telemetry::init(&telemetry));
    tls::install_crypto_provider();

    let shutdown_token = CancellationToken::new();
    let app = match App::build(config, shutdown_token.clone()).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("mcp-server: cannot start: {error:#}");
            std::process::exit(config::EXIT_CONFIG);
        }
    };
    shutdown::cancel_on_signal(shutdown_token);
    app.run().await?;
    tracing::info!("stopped");
    Ok(())
}
