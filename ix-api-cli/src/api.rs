//! What the generated subcommands name (`use crate::api::*`): the client,
//! its builders and types, the generic operation error, and the facts the
//! generated tables name (an operation's kind, a model's states).

pub use ix_api_client::spec::Kind;
pub use ix_api_client::wait::Stateful;
pub use ix_api_client::{Client, ResponseValue, builder, types};
pub use progenitor_client::Error;
