//! Dry runs: a [`Client`](crate::Client) made with [`Auth::dry_run`](crate::Auth::dry_run)
//! builds each request as it would send it (the spec's wire rules, the
//! `User-Agent`, the body) and keeps it in a [`DryRun`] instead of sending
//! it. No token is fetched and nothing leaves the process: the call then
//! fails with [`Error::NotSent`](crate::Error::NotSent).
//!
//! ```
//! use ix_api_client::{Auth, Client, Error, dry_run::DryRun};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let dry_run = DryRun::default();
//! let client = Client::new("https://ixp.example.net/api/v2", Auth::dry_run(&dry_run));
//! let sent = client.contacts_read().id("42").send().await;
//! let error = Error::from_operation("contacts_read", sent.unwrap_err());
//! assert!(matches!(error, Error::NotSent { .. }));
//! let unsent = &dry_run.requests()[0];
//! assert_eq!(unsent.method, "GET");
//! assert_eq!(unsent.url.as_str(), "https://ixp.example.net/api/v2/contacts/42");
//! assert!(unsent.bearer);
//! # }
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Url};

/// Where a dry-run client keeps the requests it did not send. Clones share
/// them.
#[derive(Debug, Clone, Default)]
pub struct DryRun(Arc<Mutex<Vec<Unsent>>>);

impl DryRun {
    /// The requests kept so far, in the order they were made.
    pub fn requests(&self) -> Vec<Unsent> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn keep(&self, request: &Request, bearer: bool) {
        let unsent = Unsent {
            method: request.method().clone(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            body: request
                .body()
                .and_then(|body| body.as_bytes())
                .map(Bytes::copy_from_slice),
            bearer,
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(unsent);
    }
}

/// A request a dry-run client built and did not send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Unsent {
    /// The HTTP method.
    pub method: Method,
    /// The URL, with its query.
    pub url: Url,
    /// The headers, without `Authorization` (a dry run holds no token).
    pub headers: HeaderMap,
    /// The body, if it is bytes at hand (not a stream).
    pub body: Option<Bytes>,
    /// Whether the request would carry `Authorization: Bearer <token>`.
    pub bearer: bool,
}
