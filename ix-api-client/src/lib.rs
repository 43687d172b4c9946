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
//! # Example
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
//! Operations return [`OperationError`]. For the
//! problem document of an error answer use [`ProblemError::problem`], and
//! [`ProblemResponse::kind`](types::ProblemResponse::kind) for its
//! [`ProblemKind`].

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
