//! What the tests and benches of ix-api-rs share (the workspace's `tests/`,
//! the sandbox's benches and tests, the command line's tests), so that
//! each is written once: an API user over plain HTTP, real JWTs, resident
//! memory, the property tests' tally, and the catalogue's types as the
//! spec maps them. Not published; it depends on the client alone.

mod api_user;
mod catalogue;
mod jwt;
mod memory;
mod tally;

pub use api_user::{ApiUser, access_token, token_pair};
pub use catalogue::{offering_types, values_of};
pub use jwt::{jwt, jwt_issued, jwt_with_claims};
pub use memory::resident_kib;
pub use tally::{Tally, shown};
