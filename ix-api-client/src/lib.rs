#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The module docs of `auth` and `problem` link to the private
// `problem::readable`; until they name something public, rustdoc shows
// those two links as plain code in brackets rather than failing the build.
#![allow(rustdoc::private_intra_doc_links)]

pub mod auth;
pub mod call;
// Formatted by the generator: rustfmt's output would vary with the
// installed toolchain.
#[rustfmt::skip]
mod generated;
pub mod lenient;
pub mod pages;
pub mod prelude;
mod strings;
#[doc(hidden)]
pub mod tagged;
mod tls;
// `wait` imports `ProblemError` for `problem_kind`, which is now `Error`'s
// own method; the allowance goes with that import.
#[allow(unused_imports)]
pub mod wait;

// The paths of the modules before they moved into `auth` and `call`.
#[doc(no_inline)]
pub use auth::{credentials, oauth2, session, token_source};
#[doc(no_inline)]
pub use call::{dry_run, problem, raw};
// The crate's own short path to the error, as `wait` and `pages` use it.
use call::error;

pub use auth::credentials::{AccessToken, ApiKey, ApiSecret, CredentialLengthError, RefreshToken};
pub use auth::oauth2::{ClientAuthentication, OAuth2};
pub use auth::session::{Session, SessionBuilder};
pub use auth::token_source::{Grant, Held, TokenSource};
pub use auth::{RenewalStatus, TokenPair};
pub use call::hooks::Auth;
pub use call::problem::{ProblemError, ProblemKind};
pub use call::with_answer_status;
pub use call::{Call, Error, OperationError, RawBody, TransportCause, Unimplemented};
pub use generated::{
    ByteStream, Client, ClientInfo, ResponseValue, builder, prelude as operations, spec, types,
};
pub use pages::Paginate;

/// The workspace README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
