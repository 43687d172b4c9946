//! Log in, call IX-API, refresh: the whole auth cycle in one run.
//!
//! With nothing set, it runs against a local IX-API sandbox started in this
//! process. With `IX_API_URL`, `IX_API_KEY` and `IX_API_SECRET` set, it runs
//! against that server instead.
//!
//! ```text
//! cargo run --example quickstart
//! IX_API_URL=https://ixp.example.net/api/v2 IX_API_KEY=... IX_API_SECRET=... cargo run --example quickstart
//! ```

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use ix_api_client::{AccessToken, Session};
use ix_api_sandbox::{Sandbox, SandboxConfig};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    // Keep the sandbox alive until the end, if we started one.
    let (_sandbox, url, key, secret) = match target_from_env()? {
        Some((url, key, secret)) => (None, url, key, secret),
        None => {
            let sandbox = Sandbox::start(SandboxConfig::default()).await?;
            let (key, secret) = sandbox.credentials();
            let (key, secret) = (key.to_string(), secret.to_string());
            let url = sandbox.base_url().to_string();
            println!(
                "Started a local IX-API sandbox (set IX_API_URL, IX_API_KEY and IX_API_SECRET to use a real one)."
            );
            (Some(sandbox), url, key, secret)
        }
    };
    println!("IX-API at {url}");

    let session = Session::builder(&url).credentials(key, secret).build()?;

    let implementation = session
        .client()
        .api_implementation_read()
        .send()
        .await?
        .into_inner();
    println!(
        "Logged in; access token {}",
        expiry(&session.access_token().await?)
    );
    println!("Implements IX-API {}", implementation.schema_version);
    println!(
        "Operations: {}",
        implementation.supported_operations.join(", ")
    );

    let before = session.tokens().ok_or("no tokens after logging in")?;
    let after = session.refresh().await?;
    let rotated = session.tokens().ok_or("no tokens after refreshing")?;
    println!("Refreshed; new access token {}", expiry(&after));
    println!(
        "Rotation: access token {}, refresh token {}",
        changed(before.access_token != rotated.access_token),
        changed(before.refresh_token != rotated.refresh_token),
    );
    if let Some(at) = rotated.refresh_token.expires_at() {
        println!("Refresh token expires in {}", duration(until(at)));
    }
    Ok(())
}

fn target_from_env() -> Result<Option<(String, String, String)>, Failure> {
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        read("IX_API_URL"),
        read("IX_API_KEY"),
        read("IX_API_SECRET"),
    ) {
        (Some(url), Some(key), Some(secret)) => Ok(Some((url, key, secret))),
        (None, None, None) => Ok(None),
        _ => Err("set all of IX_API_URL, IX_API_KEY and IX_API_SECRET, or none".into()),
    }
}

fn expiry(token: &AccessToken) -> String {
    match token.expires_at() {
        Some(at) => format!("expires in {}", duration(until(at))),
        None => "has no expiry the client can read".to_string(),
    }
}

fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now()).unwrap_or_default()
}

fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, s) => format!("{h}h {m:02}m {s:02}s"),
    }
}

fn changed(yes: bool) -> &'static str {
    if yes { "rotated" } else { "NOT rotated" }
}
