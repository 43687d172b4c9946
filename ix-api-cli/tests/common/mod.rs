//! What the command line's tests share: a sandbox and a home for
//! `ix-api`'s config and cache, reading what a process printed, and a
//! scripted exchange with real JWTs.

// Each test binary uses part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ix_api_sandbox::{Sandbox, SandboxConfig};
use ix_api_test_support::{jwt, jwt_with_claims};
use serde_json::{Value, json};
use tokio::process::Command;

pub mod pty;

/// A sandbox and a home for `ix-api`'s config and cache.
pub struct World {
    pub sandbox: Sandbox,
    pub home: PathBuf,
    /// The exchange `ix-api` is pointed at: the sandbox, unless another.
    pub url: String,
}

impl World {
    pub async fn new(name: &str) -> Self {
        Self::with(
            name,
            SandboxConfig {
                provisioning_delay: Duration::ZERO,
                ..SandboxConfig::default()
            },
        )
        .await
    }

    /// Points `ix-api` at `url` instead of the sandbox.
    pub fn at(mut self, url: &str) -> Self {
        self.url = url.to_string();
        self
    }

    pub async fn with(name: &str, config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.unwrap();
        let home = std::env::temp_dir().join(format!("ix-api-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let url = sandbox.base_url().to_string();
        Self { sandbox, home, url }
    }

    pub fn secret(&self) -> String {
        self.sandbox.credentials().1.to_string()
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home.join("cache/ix-api")
    }

    /// `ix-api ARGS` with the sandbox's URL and key in the environment, and
    /// the secret if `with_secret`.
    pub fn command(&self, args: &[&str], with_secret: bool) -> Command {
        Command::from(self.std_command(args, with_secret))
    }

    /// [`World::command`], to be run on a pseudo-terminal
    /// ([`pty::Terminal`]) or without tokio.
    pub fn std_command(&self, args: &[&str], with_secret: bool) -> std::process::Command {
        let (api_key, api_secret) = self.sandbox.credentials();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ix-api"));
        command
            .args(args)
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("IX_API_URL", &self.url)
            .env("IX_API_KEY", api_key)
            .env_remove("IX_API_SECRET")
            .env_remove("IX_API_PROFILE")
            .stdin(Stdio::null());
        if with_secret {
            command.env("IX_API_SECRET", api_secret);
        }
        command
    }

    pub async fn run(&self, args: &[&str], with_secret: bool) -> Output {
        self.command(args, with_secret).output().await.unwrap()
    }

    pub async fn run_with_stdin(&self, args: &[&str], input: impl AsRef<[u8]>) -> Output {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command(args, false)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_ref()).await.unwrap();
        drop(stdin);
        child.wait_with_output().await.unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn json_out(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&output.stdout)))
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A JWT whose `exp` has passed long ago, the same every time; `ix-api`
/// reads only `exp`.
pub fn expired_jwt() -> String {
    jwt_with_claims(&json!({"sub": "x", "iat": 1000, "exp": 1060}))
}

/// A JWT for `subject` that expires in an hour, which no exchange issued;
/// `ix-api` reads only `exp`.
pub fn hour_jwt(subject: &str) -> String {
    jwt(subject, Duration::from_secs(3_600))
}

/// What a scripted exchange answers: status, content type, body.
pub type Answer = (u16, &'static str, String);

/// An exchange on 127.0.0.1 that logs anyone in at `/api/v2/auth/token` and
/// answers every other request (path and query) through `answer`; its
/// base URL, and how many requests it answered through `answer`.
pub async fn scripted(
    answer: impl Fn(&str) -> Answer + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let answer = Arc::new(answer);
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let fallback = move |request: Request| {
        let answer = answer.clone();
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            let target = request
                .uri()
                .path_and_query()
                .map_or_else(String::new, |p| p.to_string());
            let (status, content_type, body) = answer(&target);
            Response::builder()
                .status(StatusCode::from_u16(status).unwrap())
                .header(header::CONTENT_TYPE, content_type)
                .body(axum::body::Body::from(body))
                .unwrap()
        }
    };
    let login = || async {
        (
            StatusCode::CREATED,
            axum::Json(json!({"access_token": hour_jwt("a"), "refresh_token": hour_jwt("r")})),
        )
            .into_response()
    };
    let app = Router::new()
        .route("/api/v2/auth/token", post(login))
        .fallback(fallback);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/api/v2"), asked)
}
