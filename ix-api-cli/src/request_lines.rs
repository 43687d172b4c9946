//! `-v`: one line on stderr per HTTP request, as it ends: method, path,
//! status and milliseconds (`ix-api: GET /connections/58 200 12ms`),
//! never a token, a secret or a query string. The client opens a span
//! `ix_api.operation` for each request it sends (the IX-API operations,
//! the raw door's requests, the token requests, OAuth2's included) and
//! records those four in it; this layer prints them when the span closes.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The client's span for one request.
const SPAN: &str = "ix_api.operation";

/// What the hooks answer in the exchange's place when they did not send
/// the request (`ix_api_client::auth::UNANSWERED`).
const UNSENT: u64 = ix_api_client::auth::UNANSWERED as u64;

/// Prints the request lines from now on, paths shown below `base_url`'s
/// path (`/connections`, not `/api/v2/connections`).
pub fn start(base_url: &str) {
    let base_path = path_of(base_url);
    let subscriber = tracing_subscriber::registry().with(RequestLines { base_path });
    // Only fails if a subscriber is set already: then that one reports.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The path of a base URL, without its trailing `/`.
fn path_of(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/').to_string()
}

struct RequestLines {
    base_path: String,
}

/// What a span recorded.
#[derive(Default, Debug)]
struct Line {
    method: String,
    path: String,
    status: Option<u64>,
    duration_ms: Option<u64>,
    attempt: u64,
}

impl Visit for Line {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = Some(value),
            "duration_ms" => self.duration_ms = Some(value),
            "attempt" => self.attempt = value,
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.method = value.to_string(),
            // The path as sent; the spec's template only if it is missing.
            "url.path" => self.path = value.to_string(),
            "path" if self.path.is_empty() => self.path = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `method = %...` arrives as Display through Debug.
        self.record_str(field, &format!("{value:?}"));
    }
}

impl Line {
    fn said(&self, base_path: &str) -> String {
        let path = match self.path.strip_prefix(base_path) {
            Some(below) if below.starts_with('/') && !base_path.is_empty() => below,
            _ => self.path.as_str(),
        };
        let mut line = format!("ix-api: {} {path}", self.method);
        let _ = match self.status {
            Some(UNSENT) => write!(line, " not sent"),
            Some(status) => write!(line, " {status}"),
            None => write!(line, " no answer"),
        };
        if let Some(ms) = self.duration_ms {
            let _ = write!(line, " {ms}ms");
        }
        if self.attempt > 1 {
            line.push_str(" (sent again with a new access token after a 401)");
        }
        line
    }
}

impl<S> Layer<S> for RequestLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.is_span() && metadata.name() == SPAN
    }

    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut line = Line::default();
        attributes.record(&mut line);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(line);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(line) = span.extensions_mut().get_mut::<Line>()
        {
            values.record(line);
        }
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        if let Some(span) = context.span(&id)
            && let Some(line) = span.extensions_mut().remove::<Line>()
        {
            eprintln!("{}", line.said(&self.base_path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_method_path_status_and_ms_below_the_base_path() {
        let line = Line {
            method: "GET".into(),
            path: "/api/v2/connections/58".into(),
            status: Some(200),
            duration_ms: Some(12),
            attempt: 1,
        };
        assert_eq!(line.said("/api/v2"), "ix-api: GET /connections/58 200 12ms");
        assert_eq!(line.said(""), "ix-api: GET /api/v2/connections/58 200 12ms");
        let unanswered = Line {
            status: None,
            ..line
        };
        assert_eq!(
            unanswered.said("/api/v2"),
            "ix-api: GET /connections/58 no answer 12ms"
        );
        assert_eq!(path_of("https://ixp.example.net/api/v2/"), "/api/v2");
        assert_eq!(path_of("http://127.0.0.1:9"), "");
    }
}
