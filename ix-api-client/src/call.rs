//! [`Call`]: any operation, answered with this crate's [`Error`].
//!
//! ```no_run
//! use ix_api_client::{Call, Error, Session};
//!
//! # async fn demo(session: &Session) -> Result<(), Error> {
//! // `send()` answers with progenitor's error; `call()` with ours, naming
//! // the operation and the status, and the session's own typed error when
//! // the session could not provide a token.
//! let contacts = session.client().contacts_list().call().await?.into_inner();
//! # Ok(()) }
//! ```

use std::future::Future;

use crate::ResponseValue;
use crate::error::{Error, OperationError};

/// A generated operation's builder (every `client.<operation>()`); codegen
/// implements it for each.
pub trait Call: Sized + Send {
    /// The operation's `operationId`, e.g. `contacts_list`.
    const OPERATION: &'static str;
    /// What the operation answers with.
    type Answer: Send;

    /// The builder's own `send()`, answering with progenitor's error.
    fn send(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Answer>, OperationError>> + Send;

    /// Sends the request. Errors are [`Error`]s: the operation's problem
    /// document with the HTTP status ([`Error::Rejected`]), the session's
    /// own failure ([`Error::ReauthenticationRequired`], ...), or what went
    /// wrong on the way, never with a secret or a raw body.
    fn call(self) -> impl Future<Output = Result<ResponseValue<Self::Answer>, Error>> + Send {
        async move {
            self.send()
                .await
                .map_err(|error| Error::from_operation(Self::OPERATION, error))
        }
    }
}
