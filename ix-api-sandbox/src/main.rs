//! `ix-api-sandbox`: run the local IX-API server from the command line.
//!
//! Prints one JSON line with the base URL and the demo credentials to
//! stdout, then logs to stderr until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ix_api_client::{ApiKey, ApiSecret};
use ix_api_sandbox::{Account, OAuth2Endpoint, Sandbox, SandboxConfig, SchemaVersion};

#[derive(Parser)]
#[command(
    name = "ix-api-sandbox",
    version,
    about = "A local IX-API server with real JWTs"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 900)]
    access_ttl: u64,
    /// Refresh token lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    refresh_ttl: u64,
    /// Seconds a new or changed object takes to reach `production` (and a
    /// deleted one `decommissioned`); 0 for tests.
    #[arg(long, default_value_t = 1.0, value_parser = seconds)]
    provisioning_delay: f64,
    /// Keep the exchange's objects in FILE: loaded at start, written
    /// atomically after every change. Without it, memory only.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Also issue access tokens by OAuth2 client credentials at /oauth2/token
    /// (client id: the api_key; client secret: the api_secret).
    #[arg(long)]
    oauth2: bool,
    /// Lifetime of the OAuth2 access tokens (`expires_in`), in seconds.
    #[arg(long, default_value_t = 900, requires = "oauth2")]
    oauth2_expires_in: u64,
    /// The scopes the OAuth2 endpoint grants, separated by commas or spaces.
    #[arg(long, default_value = "ix-api", requires = "oauth2")]
    oauth2_scopes: String,
    /// The IX-API version to play: 2.7.1, or 2.1.0 (only the operations and
    /// members of the published 2.1.0 document).
    #[arg(long, default_value_t = SchemaVersion::default(), value_name = "VERSION")]
    schema_version: SchemaVersion,
    /// The demo account's api_key (as long as the spec says); generated if absent.
    #[arg(long, requires = "api_secret", value_parser = api_key)]
    api_key: Option<String>,
    /// The demo account's api_secret (as long as the spec says); generated if absent.
    #[arg(long, requires = "api_key", value_parser = api_secret)]
    api_secret: Option<String>,
}

fn seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=86_400.0 * 365.0).contains(&s) => Ok(s),
        _ => Err(format!("{value:?} is not a number of seconds (0 or more)")),
    }
}

fn api_key(value: &str) -> Result<String, String> {
    ApiKey::try_from(value)
        .map(|key| key.expose().to_string())
        .map_err(|e| e.to_string())
}

fn api_secret(value: &str) -> Result<String, String> {
    ApiSecret::try_from(value)
        .map(|secret| secret.expose().to_string())
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let account = match (args.api_key, args.api_secret) {
        (Some(api_key), Some(api_secret)) => Account {
            api_key,
            api_secret,
        },
        _ => Account::generate(),
    };
    let config = SandboxConfig {
        listen: args.listen,
        access_ttl: Duration::from_secs(args.access_ttl),
        refresh_ttl: Duration::from_secs(args.refresh_ttl),
        accounts: vec![account],
        provisioning_delay: Duration::from_secs_f64(args.provisioning_delay),
        state_file: args.state.clone(),
        oauth2: args.oauth2.then(|| OAuth2Endpoint {
            expires_in: Duration::from_secs(args.oauth2_expires_in),
            scopes: args
                .oauth2_scopes
                .split([',', ' '])
                .filter(|scope| !scope.is_empty())
                .map(String::from)
                .collect(),
        }),
        schema_version: args.schema_version,
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("ix-api-sandbox: cannot start on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let stop = match stop_signals() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("ix-api-sandbox: cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (api_key, api_secret) = sandbox.credentials();
    let mut line = serde_json::json!({"base_url": sandbox.base_url(), "api_key": api_key, "api_secret": api_secret});
    if let Some(token_url) = sandbox.oauth2_token_url() {
        line["oauth2_token_url"] = token_url.into();
    }
    println!("{line}");
    tracing::info!(base_url = sandbox.base_url(), "IX-API sandbox listening");

    stop.await;
    tracing::info!("stopping");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// Listens for SIGINT and SIGTERM from the moment it is called, so that a
/// supervisor which stops the sandbox as soon as it has read the line gets a
/// clean stop, not the default action of the signal.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
    })
}
