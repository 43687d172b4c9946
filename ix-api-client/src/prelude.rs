//! The common path in one import: `use ix_api_client::prelude::*;` brings
//! the session, the client, the traits whose methods a workflow calls
//! (`call()`, `pages()`, and `next()` on a page stream or a download), the
//! error, waiting and the models.
//!
//! ```no_run
//! use ix_api_client::prelude::*;
//!
//! # async fn demo(session: &Session) -> Result<(), Error> {
//! let client = session.client();
//! let mut contacts = std::pin::pin!(client.contacts_list().pages(DEFAULT_PAGE_LIMIT));
//! while let Some(contact) = contacts.next().await {
//!     let _: types::Contact = contact?;
//! }
//! # Ok(()) }
//! ```

/// The generated client and whatever codegen adds to its prelude.
pub use crate::generated::prelude::*;

pub use crate::auth::session::Session;
pub use crate::call::problem::ProblemKind;
pub use crate::call::{Call, Error};
pub use crate::generated::types;
pub use crate::pages::{DEFAULT_PAGE_LIMIT, Paginate};
pub use crate::wait::{Wait, Waited};
/// `next()` on a [`Paginate::pages`] stream and on a downloaded
/// `ByteStream`, without naming the trait.
pub use futures_util::StreamExt as _;
