//! `oauth-server`: reads its configuration, starts logging and tracing, serves until SIGINT/SIGTERM.

use oauth_server::{App, Config};
use service_kit::{
    config::{self, Configuration},
    shutdown, telemetry, tls,
};
use tokio_util::sync::CancellationToken;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Before anything builds an HTTPS client (the trace exporter, the services' own).
    tls::install_crypto_provider();
    let config = config::exit_on_error("oauth-server", Config::from_env());
    let telemetry = config::exit_on_error("oauth-server", telemetry::TelemetryConfig::from_env());
    let telemetry = config::exit_on_error(
        "oauth-server",
        telemetry::init(&telemetry, "oauth-server", env!("CARGO_PKG_VERSION")),
    );

    let shutdown_token = CancellationToken::new();
    let app = match App::build(config, shutdown_token.clone()).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("oauth-server: cannot start: {error:#}");
            std::process::exit(config::EXIT_CONFIG);
        }
    };
    shutdown::cancel_on_signal(shutdown_token);
    let served = app.run().await;
    tracing::info!("stopped");
    telemetry.shutdown();
    Ok(served?)
}
