#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The module docs of `auth` and `problem` link to the private
// `problem::readable`; until they name something public, rustdoc shows
// those two links as plain code in brackets rather than failing the build.
#![allow(rustdoc::private_intra_doc_links)]

pub mod auth;
mod call;
pub mod credentials;
pub mod dry_run;
mod error;
// Formatted by the generator: rustfmt's output would vary with the
// installed toolchain.
#[rustfmt::skip]
mod generated;
mod jwt;
pub mod lenient;
mod login;
pub mod oauth2;
pub mod pages;
pub mod problem;
pub mod raw;
mod renewal;
pub mod session;
#[doc(hidden)]
pub mod tagged;
mod tls;
mod token_cache;
pub mod token_source;
mod validity;
pub mod wait;
mod wire;

pub use auth::Auth;
pub use call::{Call, with_answer_status};
pub use credentials::{AccessToken, ApiKey, ApiSecret, CredentialLengthError, RefreshToken};
pub use error::{Error, OperationError, RawBody, TransportCause, Unimplemented};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, spec, types};
pub use oauth2::{ClientAuthentication, OAuth2};
pub use pages::Paginate;
pub use problem::{ProblemError, ProblemKind};
pub use session::{RenewalStatus, Session, SessionBuilder, TokenPair};
pub use token_source::{Grant, Held, TokenSource};

/// The workspace README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
