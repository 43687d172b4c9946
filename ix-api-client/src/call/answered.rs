//! The status of the answer the hooks saw last, for the errors of answers
//! progenitor keeps no status for.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    /// The status of the last answer the hooks saw in this scope, for the
    /// errors of answers progenitor keeps no status for (an unreadable
    /// success).
    static ANSWERED: Cell<Option<u16>>;
}

/// Runs `future` so that the [`Error`](crate::Error)s made inside it
/// ([`Error::from_operation`](crate::Error::from_operation),
/// [`Error::from_operation_ref`](crate::Error::from_operation_ref)) name the
/// status of an answer that progenitor's error does not keep: an answer
/// that broke the spec ([`Error::MalformedResponse`](crate::Error::MalformedResponse)) of an operation that
/// documents more than one success (a list's 200 and 206).
/// [`Call::call`](crate::Call::call) does this itself; use it around code that calls `send()`
/// and converts the error.
pub fn with_answer_status<F: Future>(future: F) -> impl Future<Output = F::Output> {
    ANSWERED.scope(Cell::new(None), future)
}

/// The hooks saw an answer of `status`.
pub(crate) fn note_status(status: u16) {
    let _ = ANSWERED.try_with(|answered| answered.set(Some(status)));
}

/// The status of the last answer the hooks saw, inside
/// [`with_answer_status`].
pub(crate) fn noted_status() -> Option<u16> {
    ANSWERED.try_with(Cell::get).ok().flatten()
}
