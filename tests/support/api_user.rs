//! An API user of a sandbox: through the client ([`demo_session`]), or
//! over plain HTTP ([`ApiUser`], from `ix-api-test-support`).

use ix_api_sandbox::Sandbox;

pub use ix_api_test_support::ApiUser;

/// A session of the sandbox's demo API user.
pub fn demo_session(sandbox: &Sandbox) -> ix_api_client::Session {
    let (api_key, api_secret) = sandbox.credentials();
    ix_api_client::Session::builder(sandbox.base_url())
        .credentials(api_key, api_secret)
        .build()
        .expect("valid settings")
}
