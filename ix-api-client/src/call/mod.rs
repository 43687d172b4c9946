//! The call layer: how a generated operation goes on the wire and comes back
//! (hooks, wire rules, errors, problems, the raw door, dry runs); for any caller.
//!
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

mod answered;
#[doc(hidden)]
pub mod decode;
pub mod dry_run;
pub(crate) mod error;
pub(crate) mod hooks;
pub(crate) mod member_path;
pub mod problem;
pub mod raw;
mod wire;

pub use answered::with_answer_status;
pub use error::{Error, OperationError, RawBody, TransportCause, Unimplemented};

/// Where in `body` decoding it as `T` fails: the member path
/// (`[3].state`, `connection.vlan_config`), `None` if it decodes or the
/// answer as a whole is wrong. For [`Call::locate`].
pub(crate) fn locate<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<String> {
    // The same decode as the operation's own: no second decoder per model.
    let cause = decode::decode::<T>(body).err()?;
    member_path::at_error(body, &cause)
}

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

    /// Where an answer `body` that does not decode as [`Call::Answer`]
    /// breaks it: the member path, with the index of an item in a list
    /// (`[3].state`). `None` when it decodes, when the answer as a whole is
    /// wrong, or for answers that are not JSON. Codegen implements it for
    /// every JSON answer.
    fn locate(body: &[u8]) -> Option<String> {
        let _ = body;
        None
    }

    /// Sends the request. Errors are [`Error`]s: the operation's problem
    /// document with the HTTP status ([`Error::Rejected`]), the session's
    /// own failure ([`Error::ReauthenticationRequired`], ...), or what went
    /// wrong on the way, never with a secret in what they show. An answer
    /// that breaks the spec is [`Error::MalformedResponse`] naming the
    /// status and the member ([`Call::locate`]), its raw body kept (but for
    /// the token operations).
    fn call(self) -> impl Future<Output = Result<ResponseValue<Self::Answer>, Error>> + Send {
        with_answer_status(async move {
            self.send()
                .await
                .map_err(|error| Error::from_operation(Self::OPERATION, error))
        })
    }
}
