#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// Formatted by the generator: rustfmt's output would vary with the
// installed toolchain.
#[rustfmt::skip]
mod generated;

pub use generated::{MockServerExt, operations};

/// The httpmock these mocks are made for, so that a test needs no
/// dependency of its own on the same version.
pub use httpmock;
/// httpmock's mock server, which [`MockServerExt`] extends.
pub use httpmock::MockServer;
