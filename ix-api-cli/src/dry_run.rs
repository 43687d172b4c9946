//! `--dry-run`: the requests a command would send, printed on stdout and
//! not sent. The client is a dry run's ([`ix_api_client::Auth::dry_run`]):
//! it builds each request as it would send it, fetches no token, and stops
//! before the network; the first request ends the command (a list's first
//! page, an operation before `--wait`).

use std::fmt::Write as _;

use ix_api_client::dry_run::{DryRun, Unsent};
use ix_api_client::{Auth, Client};
use serde::Serialize;

use crate::api::{Error, ResponseValue};
use crate::generated::CliConfig;
use crate::output;
use crate::profile::Target;

/// A client for `target` that sends nothing, and what it kept.
pub fn client(target: &Target) -> (Client, DryRun) {
    let kept = DryRun::default();
    (Client::new(&target.url, Auth::dry_run(&kept)), kept)
}

/// Prints what `kept` holds; `false` if it holds nothing (the command
/// failed before it made a request).
pub fn print(kept: &DryRun) -> bool {
    let requests = kept.requests();
    let shown: Vec<String> = requests.iter().map(shown).collect();
    output::write_stdout(shown.join("\n").as_bytes());
    !requests.is_empty()
}

/// A request as HTTP writes it: the request line (URL and query), the
/// headers (the token as `Bearer <token>`), a blank line and the body
/// (JSON pretty-printed).
fn shown(request: &Unsent) -> String {
    let mut text = format!("{} {}\n", request.method, request.url);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if value.is_sensitive() {
                "<secret>".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.to_string(), value)
        })
        .collect();
    if request.bearer {
        headers.push(("authorization".into(), "Bearer <token>".into()));
    }
    headers.sort();
    for (name, value) in headers {
        let _ = writeln!(text, "{name}: {value}");
    }
    if let Some(body) = request.body.as_ref().filter(|body| !body.is_empty()) {
        text.push('\n');
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(json) => text.push_str(&serde_json::to_string_pretty(&json).unwrap_or_default()),
            Err(_) => match std::str::from_utf8(body) {
                Ok(body) => text.push_str(body),
                Err(_) => {
                    let _ = write!(text, "<{} bytes>", body.len());
                }
            },
        }
        text.push('\n');
    }
    text
}

/// What the generated subcommands report to in a dry run: nothing, since
/// nothing was answered (the request is printed by [`print()`]).
pub struct Silent;

impl CliConfig for Silent {
    fn success_item<T>(&self, _: &ResponseValue<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn success_no_item(&self, _: &ResponseValue<()>) {}

    fn error<T>(&self, _: &Error<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_start<T>(&self)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_item<T>(&self, _: &T)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_end_success<T>(&self)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_end_error<T>(&self, _: &Error<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }
}
