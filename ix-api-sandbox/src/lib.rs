#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod catalogue;
mod exchange;
mod facts;
mod filters;
mod models;
mod persist;
mod problem;
mod references;
mod routes;
mod store;
mod tokens;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ix_api_client::spec::{BASE_PATH, StringConstraints};
use ix_api_client::{ApiKey, ApiSecret};
use rand::distr::{Alphanumeric, SampleString};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use routes::{MAX_BODY_BYTES, OPERATIONS};

/// An API user the sandbox accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// As long as the spec says `api_key` is.
    pub api_key: String,
    /// As long as the spec says `api_secret` is.
    pub api_secret: String,
}

impl Account {
    /// A new account with random, spec-valid credentials: each as long as
    /// the spec allows.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let mut random = |c: StringConstraints| {
            Alphanumeric.sample_string(&mut rng, c.max_length.or(c.min_length).unwrap_or(32))
        };
        Self {
            api_key: random(ApiKey::CONSTRAINTS),
            api_secret: random(ApiSecret::CONSTRAINTS),
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("api_key", &self.api_key)
            .field("api_secret", &"***")
            .finish()
    }
}

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free one. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// Lifetime of access tokens. Default 900 s.
    pub access_ttl: Duration,
    /// Lifetime of refresh tokens. Default 86,400 s.
    pub refresh_ttl: Duration,
    /// The API users accepted; the first is the demo account. Default: one
    /// generated account.
    pub accounts: Vec<Account>,
    /// Seconds added to the sandbox's clock in the tokens it issues and
    /// checks, to play an exchange whose clock is off. Default 0. The clock
    /// itself is tokio's, counted from the start, so that tests running on
    /// paused time move it too.
    pub clock_offset_secs: i64,
    /// A delay before answering the token operations, to make concurrent
    /// waiting visible in tests. Default none.
    pub token_latency: Duration,
    /// How long a new or changed object takes to reach `production`, and a
    /// deleted one `decommissioned`. Default 1 s; zero for tests.
    pub provisioning_delay: Duration,
    /// Where the exchange's objects persist: loaded at start, written after
    /// every change. Default none: memory only.
    pub state_file: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(86_400),
            accounts: vec![Account::generate()],
            clock_offset_secs: 0,
            token_latency: Duration::ZERO,
            provisioning_delay: Duration::from_secs(1),
            state_file: None,
        }
    }
}

/// How many requests of each kind the sandbox answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Successful `POST /auth/token`.
    pub logins: u64,
    /// Successful `POST /auth/refresh`.
    pub refreshes: u64,
    /// Successful `GET /implementation`.
    pub implementation_reads: u64,
    /// Requests answered with a 4xx problem.
    pub rejected: u64,
    /// Creates, updates and deletes the exchange answered.
    pub changes: u64,
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`]
/// also waits for it.
pub struct Sandbox {
    base_url: String,
    demo: Account,
    state: Arc<routes::AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds `config.listen` and serves in the background on the current
    /// tokio runtime. Fails if it cannot listen, or if `config.state_file`
    /// cannot be read or is not a sandbox state file (which is then left
    /// untouched).
    pub async fn start(config: SandboxConfig) -> std::io::Result<Self> {
        let accounts = if config.accounts.is_empty() {
            vec![Account::generate()]
        } else {
            config.accounts
        };
        let demo = accounts[0].clone();
        let (seeded, seeded_accounts) = catalogue::seed();
        let mut store = match &config.state_file {
            Some(path) => persist::load(path)
                .map_err(std::io::Error::other)?
                .unwrap_or(seeded),
            None => seeded,
        };
        let roots = api_user_accounts(&mut store, &accounts, &seeded_accounts);
        if let Some(path) = &config.state_file {
            persist::save(path, &store).map_err(std::io::Error::other)?;
        }
        let delay_ms = i64::try_from(config.provisioning_delay.as_millis()).unwrap_or(i64::MAX);
        let state = Arc::new(routes::AppState {
            roots,
            exchange: exchange::Exchange::new(store, config.state_file.clone(), delay_ms),
            accounts,
            issuer: tokens::Issuer::new(
                config.access_ttl,
                config.refresh_ttl,
                config.clock_offset_secs,
            ),
            counters: routes::Counters::default(),
            token_latency: config.token_latency,
        });
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let address = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = routes::router(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            base_url: format!("http://{address}{BASE_PATH}"),
            demo,
            state,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// `http://127.0.0.1:PORT` and the spec's base path (`/api/v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The demo account's `api_key` and `api_secret`.
    pub fn credentials(&self) -> (&str, &str) {
        (&self.demo.api_key, &self.demo.api_secret)
    }

    /// Requests answered so far.
    pub fn counts(&self) -> Counts {
        let c = &self.state.counters;
        Counts {
            logins: c.logins.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            implementation_reads: c.implementation_reads.load(Ordering::Relaxed),
            rejected: c.rejected.load(Ordering::Relaxed),
            changes: c.changes.load(Ordering::Relaxed),
        }
    }

    /// How many objects the exchange holds, over all collections.
    pub fn objects(&self) -> usize {
        self.state.exchange.read().0.len()
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// The account each API user acts for: the demo user is the seeded
/// reseller; every other API user has an account of its own, found again by
/// its `external_ref` in a loaded state.
fn api_user_accounts(
    store: &mut store::Store,
    users: &[Account],
    seeded: &catalogue::Accounts,
) -> HashMap<String, String> {
    let mut roots = HashMap::new();
    for (i, user) in users.iter().enumerate() {
        if i == 0 {
            roots.insert(user.api_key.clone(), seeded.reseller.clone());
            continue;
        }
        let reference = format!("api-user:{}", user.api_key);
        let existing = store
            .collection("/accounts")
            .find(|(_, account)| account.str("external_ref") == Some(reference.as_str()))
            .and_then(|(_, account)| account.str("id").map(str::to_string));
        let id = existing.unwrap_or_else(|| {
            let account = serde_json::json!({
                "name": format!("API user {i}"), "state": "production", "external_ref": reference,
                "address": {"street_address": "Sandboxstrasse 1", "postal_code": "60313",
                            "locality": "Frankfurt am Main", "country": "DE"},
                "metro_area_network_presence": [],
            });
            let serde_json::Value::Object(account) = account else {
                unreachable!("an object")
            };
            store.insert("/accounts", account).to_string()
        });
        roots.insert(user.api_key.clone(), id);
    }
    roots
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
