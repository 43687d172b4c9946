//! A client for [IX-API](https://ix-api.net), the API Internet Exchanges
//! offer for ordering and configuring connections, peering LAN access and
//! virtual circuits.
//!
//! The operations and models are generated from `spec/ix-api.yaml` by
//! progenitor ([`Client`], [`types`], [`builder`]); small hand-written layers
//! make them safe to use: [`credentials`] keeps secrets out of logs,
//! [`problem`] classifies IX-API's error documents, and [`auth`] puts the
//! access token on the wire.
//!
//! # A session: the recommended way in
//!
//! A [`Session`] logs in when first needed, keeps the access token valid on
//! its own (refreshing before it expires, one renewal at a time however many
//! tasks ask), and authenticates every call made through
//! [`Session::client`], retrying once after a 401.
//!
//! ```
//! use ix_api_client::Session;
//! # use ix_api_sandbox::{Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! # let (url, (api_key, api_secret)) = (sandbox.base_url(), sandbox.credentials());
//! // url: e.g. "https://ixp.example.net/api/v2"
//! let session = Session::builder(url).credentials(api_key, api_secret).build()?;
//!
//! let implementation = session.client().api_implementation_read().send().await?;
//! println!("IX-API {}", implementation.schema_version);
//!
//! // Save the tokens to resume later without logging in again.
//! let saved = serde_json::to_string(&session.tokens())?;
//! # assert!(saved.contains("access_token"));
//! # Ok(())
//! # }
//! ```
//!
//! # The generated client on its own
//!
//! ```no_run
//! use ix_api_client::{Auth, Client, ProblemError, types};
//!
//! # async fn run(api_key: String, api_secret: String) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("https://ixp.example.net/api/v2", Auth::none());
//! let tokens = client
//!     .auth_token_create()
//!     .body(types::AuthTokenRequest::builder().api_key(api_key).api_secret(api_secret))
//!     .send()
//!     .await?
//!     .into_inner();
//!
//! let client = Client::with_access_token("https://ixp.example.net/api/v2", tokens.access_token);
//! match client.api_implementation_read().send().await {
//!     Ok(implementation) => println!("IX-API {}", implementation.schema_version),
//!     Err(e) => match e.problem() {
//!         Some(problem) => eprintln!("IX-API said no: {problem}"),
//!         None => eprintln!("no answer from IX-API: {e}"),
//!     },
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Generated operations return [`OperationError`]. For the problem document
//! of an error answer use [`ProblemError::problem`], and
//! [`ProblemResponse::kind`](types::ProblemResponse::kind) for its
//! [`ProblemKind`]. The session returns [`Error`], whose messages never carry
//! a secret or a response body; prefer it for logging, since
//! `OperationError`'s `Display` of a malformed answer includes the raw body.

#![warn(missing_docs)]

pub mod auth;
pub mod credentials;
mod error;
mod generated;
mod jwt;
pub mod problem;
pub mod session;

pub use auth::Auth;
pub use credentials::{AccessToken, ApiKey, ApiSecret, CredentialLengthError, RefreshToken};
pub use error::{Error, OperationError};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
pub use problem::{ProblemError, ProblemKind};
pub use session::{Session, SessionBuilder, TokenPair};
