//! What the generated subcommands name (`use crate::api::*`): the client,
//! its builders and types, and the generic operation error.

pub use ix_api_client::{Client, ResponseValue, builder, types};
pub use progenitor_client::Error;
