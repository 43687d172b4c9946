//! Which exchange and API user a command is for, and how it logs in, and
//! where each of those came from. The rungs, first wins:
//!
//! 1. the command line's flags (`--url`, `--api-key`, ...);
//! 2. a profile named by `--profile` or `IX_API_PROFILE` (so that an
//!    exported `IX_API_URL` cannot mix a second exchange into it);
//! 3. the environment (`IX_API_URL`, `IX_API_KEY`, ...);
//! 4. the default profile: `default_profile` of the config file, else the
//!    profile `default`.
//!
//! The config file is `$XDG_CONFIG_HOME/ix-api/config.toml`:
//!
//! ```toml
//! default_profile = "de-cix"                        # what `profile use` sets
//!
//! [profiles.de-cix]
//! url = "https://api.de-cix.net/api/v2"
//! api_key = "0123456789abcdef"
//! secret_file = "/home/noc/.config/ix-api/de-cix.secret"  # optional
//! cacert = "/etc/ssl/private-ca.pem"                # optional
//!
//! [profiles.oauth2-exchange]
//! url = "https://ixp.example.net/api/v2"
//! auth = "oauth2"                                   # or "legacy", the default
//! api_key = "my-client-id"                          # the OAuth2 client id
//! oauth2_token_url = "https://id.example.net/oauth2/token"
//! oauth2_scopes = "ix-api"                          # the default
//! oauth2_client_auth = "form"                       # or "basic", the default
//! ```
//!
//! The environment's names are those of the IX-API Terraform provider, so
//! that one `.env` serves both: `IX_API_URL` (else `IX_API_HOST`),
//! `IX_API_KEY`, `IX_API_SECRET`, `IX_API_AUTH` (`legacy` or `oauth2`),
//! `IX_API_OAUTH2_TOKEN_URL`, `IX_API_OAUTH2_SCOPES` (commas or spaces);
//! and ix-api's own `IX_API_OAUTH2_CLIENT_AUTH`, `IX_API_CACERT`.
//!
//! The secret never comes from argv: `--secret-file`, else
//! `IX_API_SECRET` or the profile's `secret_file` (in the order above),
//! else a prompt on the terminal.

pub mod commands;
mod store;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;
use ix_api_client::ClientAuthentication;
use serde::Deserialize;

pub use commands::run as profile_command;
pub use store::save;

use crate::Failure;

/// The profile used when none is named and the config file names no
/// default.
pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// The profile used when none is named (`ix-api profile use NAME`).
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileEntry>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileEntry {
    url: Option<String>,
    api_key: Option<String>,
    secret_file: Option<PathBuf>,
    auth: Option<String>,
    oauth2_token_url: Option<String>,
    oauth2_scopes: Option<Scopes>,
    oauth2_client_auth: Option<String>,
    cacert: Option<PathBuf>,
}

/// Scopes as one string (commas or spaces) or as a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Scopes {
    Text(String),
    List(Vec<String>),
}

impl Scopes {
    fn split(self) -> Vec<String> {
        match self {
            Self::Text(text) => split_scopes(&text),
            Self::List(list) => list,
        }
    }
}

fn split_scopes(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t'])
        .filter(|scope| !scope.is_empty())
        .map(String::from)
        .collect()
}

/// What the command line says, before the environment and the profile.
#[derive(Debug, Default, Clone)]
pub struct Given {
    pub profile: Option<String>,
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub secret_file: Option<PathBuf>,
    /// `--oauth2`.
    pub oauth2: bool,
    pub oauth2_token_url: Option<String>,
    pub oauth2_scopes: Option<String>,
    pub oauth2_client_auth: Option<String>,
    pub cacert: Option<PathBuf>,
    /// `login` with `--url` or `--api-key`: the profile it saves need not
    /// exist yet, and is named after the exchange's host unless
    /// `--profile` names it.
    pub saving: bool,
}

/// How a target obtains its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    /// IX-API's `/auth/token` with `api_key` and `api_secret`.
    Legacy,
    /// OAuth2 client credentials at the identity provider's token URL.
    OAuth2 {
        token_url: String,
        scopes: Vec<String>,
        /// HTTP Basic, or the form body.
        client_auth: ClientAuthentication,
    },
}

/// Where a setting came from, as `status` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A flag (`--url`).
    Flag(&'static str),
    /// An environment variable (`IX_API_URL`).
    Env(&'static str),
    /// A profile of the config file.
    Profile(String),
    /// `default_profile` of the config file.
    ConfigDefault,
    /// The exchange's host: what `login` names the profile it saves.
    Host,
    /// ix-api's own default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "{flag}"),
            Self::Env(name) => write!(f, "{name}"),
            Self::Profile(name) => write!(f, "profile {name:?}"),
            Self::ConfigDefault => write!(f, "default_profile in config.toml"),
            Self::Host => write!(f, "the exchange's host"),
            Self::Default => write!(f, "default"),
        }
    }
}

/// Where each of a target's settings came from.
#[derive(Debug, Clone)]
pub struct Sources {
    pub profile: Source,
    pub url: Source,
    pub api_key: Source,
    pub auth: Source,
    pub cacert: Option<Source>,
}

/// The exchange and API user a command acts for.
#[derive(Debug, Clone)]
pub struct Target {
    pub profile: String,
    pub url: String,
    /// The API key; the client id for OAuth2.
    pub api_key: String,
    pub login: Login,
    /// A private CA's certificates (PEM), trusted beside the system's.
    pub cacert: Option<PathBuf>,
    pub sources: Sources,
    secret_file: Option<PathBuf>,
    /// Whether the secret file goes before `IX_API_SECRET`: given as a
    /// flag, or in a profile named on purpose.
    secret_file_first: bool,
}

/// The user's config and cache directories (XDG, on every platform).
pub struct Directories {
    pub config: PathBuf,
    pub cache: PathBuf,
}

impl Directories {
    pub fn find() -> Result<Self, Failure> {
        let xdg = etcetera::base_strategy::Xdg::new()
            .map_err(|e| Failure::usage(format!("cannot find your home directory: {e}")))?;
        Ok(Self {
            config: xdg.config_dir().join("ix-api"),
            cache: xdg.cache_dir().join("ix-api"),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The host of `url`, lower-case, without port or credentials: the name
/// `login` gives the profile it saves, as `gh` names its hosts.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The rungs of one setting: the flag's value, the environment's (with its
/// variable), the profile's; the profile goes before the environment when
/// it was named on purpose.
struct Rungs<'a> {
    profile: &'a str,
    named: bool,
}

impl Rungs<'_> {
    fn pick<T>(
        &self,
        flag: Option<(T, &'static str)>,
        env: Option<(T, &'static str)>,
        profile: Option<T>,
    ) -> Option<(T, Source)> {
        let flag = flag.map(|(v, name)| (v, Source::Flag(name)));
        let env = || env.map(|(v, name)| (v, Source::Env(name)));
        let profile = profile.map(|v| (v, Source::Profile(self.profile.to_string())));
        if self.named {
            flag.or(profile).or_else(env)
        } else {
            flag.or_else(env).or(profile)
        }
    }
}

fn env_as(name: &'static str) -> Option<(String, &'static str)> {
    env(name).map(|v| (v, name))
}

impl Target {
    /// Resolves what `given` leaves open from the environment and the
    /// profile, rung by rung (see the module's docs).
    pub fn resolve(given: &Given, dirs: &Directories) -> Result<Self, Failure> {
        let config_file = dirs.config_file();
        let config = read_config(&config_file)?;
        let env_url = || env_as("IX_API_URL").or_else(|| env_as("IX_API_HOST"));
        let (profile, profile_source) = if let Some(name) = &given.profile {
            (name.clone(), Source::Flag("--profile"))
        } else if let Some(name) = env("IX_API_PROFILE") {
            (name, Source::Env("IX_API_PROFILE"))
        } else if given.saving {
            let url = given.url.clone().or_else(|| env_url().map(|(url, _)| url));
            let named = url.as_deref().and_then(host).ok_or_else(|| {
                Failure::usage("which exchange? Give --url (login names the profile it saves after its host, or --profile NAME)")
            })?;
            (named, Source::Host)
        } else if let Some(name) = &config.default_profile {
            (name.clone(), Source::ConfigDefault)
        } else {
            (DEFAULT_PROFILE.to_string(), Source::Default)
        };
        let named = config.profiles.get(&profile).cloned();
        let on_purpose = !matches!(profile_source, Source::ConfigDefault | Source::Default);
        if named.is_none() && !given.saving {
            if on_purpose {
                return Err(Failure::usage(format!(
                    "no profile [profiles.{profile}] in {} (ix-api profile list shows them)",
                    config_file.display()
                )));
            }
            if profile_source == Source::ConfigDefault {
                return Err(Failure::usage(format!(
                    "default_profile = {profile:?} in {} names no profile: ix-api profile use NAME chooses another",
                    config_file.display()
                )));
            }
        }
        let entry = named.unwrap_or_default();
        let rungs = Rungs {
            profile: &profile,
            named: on_purpose,
        };
        let (url, url_source) = rungs
            .pick(given.url.clone().map(|v| (v, "--url")), env_url(), entry.url)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "which exchange? Give --url, set IX_API_URL (or IX_API_HOST), or set url in [profiles.{profile}] of {}",
                    config_file.display()
                ))
            })?;
        let (api_key, api_key_source) = rungs
            .pick(
                given.api_key.clone().map(|v| (v, "--api-key")),
                env_as("IX_API_KEY"),
                entry.api_key,
            )
            .ok_or_else(|| {
                Failure::usage(format!(
                    "which API user? Give --api-key, set IX_API_KEY, or set api_key in [profiles.{profile}] of {}",
                    config_file.display()
                ))
            })?;
        let (auth, auth_source) = rungs
            .pick(
                given.oauth2.then(|| ("oauth2".to_string(), "--oauth2")),
                env_as("IX_API_AUTH"),
                entry.auth,
            )
            .unwrap_or_else(|| ("legacy".into(), Source::Default));
        let login = match auth.trim().to_ascii_lowercase().as_str() {
            "legacy" => {
                ix_api_client::ApiKey::try_from(api_key.as_str())
                    .map_err(|e| Failure::usage(e.to_string()))?;
                Login::Legacy
            }
            "oauth2" => Login::OAuth2 {
                token_url: rungs
                    .pick(
                        given.oauth2_token_url.clone().map(|v| (v, "--oauth2-token-url")),
                        env_as("IX_API_OAUTH2_TOKEN_URL"),
                        entry.oauth2_token_url,
                    )
                    .map(|(v, _)| v)
                    .ok_or_else(|| {
                        Failure::usage(format!(
                            "OAuth2 needs a token URL: give --oauth2-token-url, set IX_API_OAUTH2_TOKEN_URL, or set oauth2_token_url in [profiles.{profile}] of {}",
                            config_file.display()
                        ))
                    })?,
                scopes: rungs
                    .pick(
                        given
                            .oauth2_scopes
                            .as_deref()
                            .map(|v| (split_scopes(v), "--oauth2-scopes")),
                        env("IX_API_OAUTH2_SCOPES")
                            .map(|v| (split_scopes(&v), "IX_API_OAUTH2_SCOPES")),
                        entry.oauth2_scopes.map(Scopes::split),
                    )
                    .map(|(v, _)| v)
                    .unwrap_or_else(|| vec![ix_api_client::oauth2::DEFAULT_SCOPE.to_string()]),
                client_auth: match rungs.pick(
                    given
                        .oauth2_client_auth
                        .clone()
                        .map(|v| (v, "--oauth2-client-auth")),
                    env_as("IX_API_OAUTH2_CLIENT_AUTH"),
                    entry.oauth2_client_auth,
                ) {
                    None => ClientAuthentication::Basic,
                    Some((value, source)) => client_auth(&value).ok_or_else(|| {
                        Failure::usage(format!(
                            "the OAuth2 client authentication ({source}) is {value:?}: basic or form"
                        ))
                    })?,
                },
            },
            other => {
                return Err(Failure::usage(format!(
                    "the way to log in ({auth_source}) is {other:?}: legacy or oauth2"
                )));
            }
        };
        let cacert = rungs.pick(
            given.cacert.clone().map(|v| (v, "--cacert")),
            env("IX_API_CACERT").map(|v| (PathBuf::from(v), "IX_API_CACERT")),
            entry.cacert,
        );
        let secret_file_first = given.secret_file.is_some() || on_purpose;
        Ok(Self {
            profile,
            url: url.trim_end_matches('/').to_string(),
            api_key,
            login,
            cacert: cacert.as_ref().map(|(path, _)| expand_home(path)),
            sources: Sources {
                profile: profile_source,
                url: url_source,
                api_key: api_key_source,
                auth: auth_source,
                cacert: cacert.map(|(_, source)| source),
            },
            secret_file: given
                .secret_file
                .clone()
                .or(entry.secret_file)
                .map(|path| expand_home(&path)),
            secret_file_first,
        })
    }

    /// The API secret, if one is at hand without asking: `--secret-file`,
    /// else `IX_API_SECRET` and the profile's secret file, in the order of
    /// the rungs.
    pub fn secret(&self) -> Result<Option<String>, Failure> {
        let from_env = env("IX_API_SECRET");
        if !self.secret_file_first
            && let Some(secret) = from_env.clone()
        {
            return Ok(Some(secret));
        }
        match &self.secret_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::auth(format!(
                        "cannot read the secret file {}: {e}",
                        path.display()
                    ))
                })?;
                Ok(Some(text.trim().to_string()))
            }
            None => Ok(from_env),
        }
    }

    /// The API secret, asked for on the terminal if it is not at hand.
    pub fn secret_or_prompt(&self) -> Result<String, Failure> {
        if let Some(secret) = self.secret()? {
            return Ok(secret);
        }
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(Failure::auth(
                "an API secret is needed to log in: set IX_API_SECRET or give --secret-file",
            ));
        }
        let prompt = format!("API secret for {} at {}: ", self.api_key, self.url);
        rpassword::prompt_password(prompt)
            .map(|s| s.trim().to_string())
            .map_err(|e| Failure::auth(format!("cannot read the API secret: {e}")))
    }

    /// The private CA's certificates, if one is configured.
    pub fn cacert_pem(&self) -> Result<Option<Vec<u8>>, Failure> {
        let Some(path) = &self.cacert else {
            return Ok(None);
        };
        std::fs::read(path).map(Some).map_err(|e| {
            Failure::usage(format!(
                "cannot read the CA certificate file {} ({}): {e}",
                path.display(),
                self.sources.cacert.as_ref().unwrap_or(&Source::Default)
            ))
        })
    }
}

/// `basic` or `form`, in any case.
pub fn client_auth(text: &str) -> Option<ClientAuthentication> {
    match text.trim().to_ascii_lowercase().as_str() {
        "basic" => Some(ClientAuthentication::Basic),
        "form" => Some(ClientAuthentication::Form),
        _ => None,
    }
}

/// Keys that name a secret. Their values never appear in an error: the
/// config file is no place for a secret (see [`read_config`]).
const SECRET_KEYS: &[&str] = &[
    "api_secret",
    "secret",
    "password",
    "passwd",
    "token",
    "access_token",
    "refresh_token",
    "client_secret",
    "oauth2_client_secret",
    "private_key",
];

fn secret_like(key: &str) -> bool {
    let key = key.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    SECRET_KEYS.contains(&key.as_str())
}

/// A line of the config file as an error may show it: the value of a
/// secret-like key (`api_secret = "..."`, also inside an inline table) is
/// replaced by `<redacted>`.
fn redacted(line: &str) -> String {
    let mut shown = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('=') {
        let key = rest[..at]
            .rsplit(['{', ',', ' ', '\t', '.', '['])
            .find(|part| !part.trim().is_empty())
            .unwrap_or_default();
        shown.push_str(&rest[..=at]);
        if secret_like(key) {
            shown.push_str(" <redacted>");
            return shown;
        }
        rest = &rest[at + 1..];
    }
    shown.push_str(rest);
    shown
}

/// Reads the config file. Its errors never show a secret: a TOML error
/// says where (line and column) and shows that line with any secret-like
/// value redacted, and a secret-like key in a profile is refused with the
/// ways a secret can be given instead.
fn read_config(path: &Path) -> Result<ConfigFile, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => return Err(Failure::usage(format!("{}: {e}", path.display()))),
    };
    let table = text.parse::<toml::Table>().map_err(|e| {
        let place = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |at| at + 1) + 1;
                let shown = text.lines().nth(line - 1).map(redacted).unwrap_or_default();
                format!(" at line {line}, column {column} (`{}`)", shown.trim())
            })
            .unwrap_or_default();
        Failure::usage(format!(
            "{} is not valid TOML{place}: {}",
            path.display(),
            e.message().trim()
        ))
    })?;
    if let Some(key) = secret_key(&table) {
        return Err(Failure::usage(secret_in_config(path, &key)));
    }
    let refused = |place: String, e: toml::de::Error| {
        Failure::usage(format!("{}: {place}{}", path.display(), e.message().trim()))
    };
    // Profile by profile, so that an error names its profile.
    if let Some(toml::Value::Table(profiles)) = table.get("profiles") {
        for (name, profile) in profiles {
            profile
                .clone()
                .try_into::<ProfileEntry>()
                .map_err(|e| refused(format!("[profiles.{name}]: "), e))?;
        }
    }
    toml::Value::Table(table)
        .try_into::<ConfigFile>()
        .map_err(|e| refused(String::new(), e))
}

/// The first secret-like key of the file, as `profiles.NAME.KEY`.
fn secret_key(table: &toml::Table) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        if secret_like(key) {
            return Some(key.clone());
        }
        match value {
            toml::Value::Table(inner) => secret_key(inner).map(|below| format!("{key}.{below}")),
            _ => None,
        }
    })
}

fn secret_in_config(path: &Path, key: &str) -> String {
    let (profile, name) = match key
        .strip_prefix("profiles.")
        .and_then(|k| k.rsplit_once('.'))
    {
        Some((profile, name)) => (profile.to_string(), name.to_string()),
        None => (DEFAULT_PROFILE.to_string(), key.to_string()),
    };
    format!(
        "{}: {key} holds a secret (its value is not shown); ix-api does not read {name} from config.toml: \
         put the API secret in a file of its own (mode 0600) and name it with secret_file = \"~/.config/ix-api/{profile}.secret\" \
         in [profiles.{profile}], or set IX_API_SECRET",
        path.display()
    )
}

/// `path` with a leading `~` (`~/x`, or `~` alone) as the home directory,
/// as a shell would expand it.
pub fn expand_home(path: &Path) -> PathBuf {
    let Ok(rest) = path.strip_prefix("~") else {
        return path.to_path_buf();
    };
    match etcetera::home_dir() {
        Ok(home) => home.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! The config file read from any text: random TOML, edits of a real
    //! config's text, arbitrary bytes. Reading may fail (a usage error); it
    //! must not panic. Also the helpers of the token cache's tests.
    //!
    //! Inputs are drawn from `proptest` strategies by a loop with a fixed
    //! seed and count (the same inputs on every run, no wall-clock bound),
    //! as in the workspace's `tests/decoders_never_panic.rs`; panics are
    //! caught and counted, and the test prints `NAME: N inputs, P panics`.

    use ix_api_test_support::{Tally, shown};
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;

    const CONFIG_FILES: usize = 1_000;

    /// A target as [`Target::resolve`] makes one.
    pub(crate) fn target(url: &str, api_key: &str, login: Login) -> Target {
        Target {
            profile: DEFAULT_PROFILE.into(),
            url: url.into(),
            api_key: api_key.into(),
            login,
            cacert: None,
            sources: Sources {
                profile: Source::Default,
                url: Source::Flag("--url"),
                api_key: Source::Flag("--api-key"),
                auth: Source::Default,
                cacert: None,
            },
            secret_file: None,
            secret_file_first: false,
        }
    }

    /// A runner whose inputs are the same on every run.
    pub(crate) fn runner(seed: u8) -> TestRunner {
        let config = Config {
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new_with_rng(
            config,
            TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
        )
    }

    pub(crate) fn draw<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> S::Value {
        strategy
            .new_tree(runner)
            .expect("the strategies here reject nothing")
            .current()
    }

    /// Edits of a file's bytes: cut, overwrite, insert, splice a token,
    /// remove, repeat a stretch.
    pub(crate) fn byte_edits(tokens: &'static [&'static str]) -> BoxedStrategy<Vec<ByteEdit>> {
        let index = any::<prop::sample::Index>;
        let edit = prop_oneof![
            index().prop_map(ByteEdit::Truncate),
            (index(), any::<u8>()).prop_map(|(at, b)| ByteEdit::Set(at, b)),
            (index(), prop::sample::select(tokens)).prop_map(|(at, t)| ByteEdit::Splice(at, t)),
            (index(), 1usize..24).prop_map(|(at, n)| ByteEdit::Remove(at, n)),
            (index(), 1usize..48, 1usize..4).prop_map(|(at, n, k)| ByteEdit::Repeat(at, n, k)),
        ];
        prop::collection::vec(edit, 1..4).boxed()
    }

    #[derive(Debug, Clone)]
    pub(crate) enum ByteEdit {
        Truncate(prop::sample::Index),
        Set(prop::sample::Index, u8),
        Splice(prop::sample::Index, &'static str),
        Remove(prop::sample::Index, usize),
        Repeat(prop::sample::Index, usize, usize),
    }

    pub(crate) fn apply(bytes: &mut Vec<u8>, edits: &[ByteEdit]) {
        for edit in edits {
            let at = |index: &prop::sample::Index| index.index(bytes.len() + 1);
            match edit {
                ByteEdit::Truncate(i) => bytes.truncate(at(i)),
                ByteEdit::Set(i, b) => {
                    if !bytes.is_empty() {
                        let i = i.index(bytes.len());
                        bytes[i] = *b;
                    }
                }
                ByteEdit::Splice(i, token) => {
                    let i = at(i);
                    bytes.splice(i..i, token.bytes());
                }
                ByteEdit::Remove(i, n) => {
                    let i = at(i);
                    let end = (i + n).min(bytes.len());
                    bytes.drain(i..end);
                }
                ByteEdit::Repeat(i, n, times) => {
                    let i = at(i);
                    let end = (i + n).min(bytes.len());
                    let stretch = bytes[i..end].to_vec();
                    for _ in 0..*times {
                        bytes.splice(end..end, stretch.iter().copied());
                    }
                }
            }
        }
    }

    const KEYS: &[&str] = &[
        "url",
        "api_key",
        "secret_file",
        "auth",
        "oauth2_token_url",
        "oauth2_scopes",
        "profiles",
        "default",
        "\"quoted key\"",
        "'literal'",
        "a.b",
        "\"\"",
    ];

    /// The keys of a profile's lines: mostly a profile's own.
    const LINE_KEYS: &[&str] = &[
        "url",
        "url",
        "api_key",
        "api_key",
        "secret_file",
        "auth",
        "auth",
        "oauth2_token_url",
        "oauth2_scopes",
        "oauth2_scopes",
        "profiles",
        "\"quoted key\"",
        "a.b",
    ];

    const TOML_TOKENS: &[&str] = &[
        "\n",
        "=",
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        ",",
        ".",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "\\",
        "\\u",
        "\\UFFFFFFFF",
        "#",
        "\r",
        "\u{0}",
        "\u{feff}",
        "inf",
        "nan",
        "1979-05-27T07:32:00Z",
        "99999999999999999999",
        "0x",
        "[profiles.default]\n",
        "[[profiles]]\n",
        "url = \"https://ixp.example.net/api/v2\"\n",
        "api_key = \"0123456789abcdef\"\n",
        "auth = \"oauth2\"\n",
        "oauth2_scopes = [\"a\", 1]\n",
    ];

    /// A TOML value, written out.
    fn toml_value() -> BoxedStrategy<String> {
        let leaf = prop_oneof![
            any::<String>().prop_map(|s| format!("{s:?}")),
            "[a-z:/. -]{0,40}".prop_map(|s| format!("\"{s}\"")),
            prop::sample::select(vec![
                "\"https://ixp.example.net/api/v2\"",
                "\"0123456789abcdef\"",
                "\"legacy\"",
                "\"oauth2\"",
                "\"OAuth2 \"",
                "\"/dev/null\"",
                "\"ix-api, other\"",
                "\"\"",
                "'literal \\ string'",
                "\"\"\"multi\nline\"\"\"",
                "inf",
                "-nan",
                "1e400",
                "99999999999999999999",
                "-0",
                "0x7f",
                "1_000",
                "true",
                "1979-05-27T07:32:00Z",
                "1979-05-27",
                "07:32:00",
            ])
            .prop_map(String::from),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| format!("{f:?}")),
            any::<bool>().prop_map(|b| b.to_string()),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|v| {
                    let members: Vec<String> =
                        v.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!("{{ {} }}", members.join(", "))
                }),
            ]
        })
        .boxed()
    }

    /// A config file's text: sections of `key = value` lines.
    fn toml_document() -> BoxedStrategy<String> {
        let header = prop_oneof![
            4 => "[a-z0-9-]{0,12}".prop_map(|name| format!("[profiles.{name}]")),
            1 => "[a-z0-9-]{0,12}".prop_map(|name| format!("[profiles.\"{name} x\"]")),
            1 => Just("[profiles]".to_string()),
            1 => Just("[[profiles]]".to_string()),
            1 => Just("[other]".to_string()),
            1 => Just(String::new()),
        ];
        let line =
            (prop::sample::select(LINE_KEYS), toml_value()).prop_map(|(k, v)| format!("{k} = {v}"));
        let section = (header, prop::collection::vec(line, 0..7))
            .prop_map(|(header, lines)| format!("{header}\n{}\n", lines.join("\n")));
        prop::collection::vec(section, 0..4)
            .prop_map(|sections| sections.concat())
            .boxed()
    }

    const REAL_CONFIG: &str = r#"[profiles.de-cix]
url = "https://api.de-cix.net/api/v2"
api_key = "0123456789abcdef"
secret_file = "/nonexistent/de-cix.secret"

[profiles.oauth2-exchange]
url = "https://ixp.example.net/api/v2"
auth = "oauth2"
api_key = "my-client-id"
oauth2_token_url = "https://id.example.net/oauth2/token"
oauth2_scopes = ["ix-api", "extra"]
"#;

    #[test]
    fn secret_like_values_are_redacted_from_shown_lines() {
        assert_eq!(redacted(r#"api_secret = "abc""#), "api_secret = <redacted>");
        assert_eq!(
            redacted(r#"default = { url = "u", "client_secret"="abc" }"#),
            r#"default = { url = "u", "client_secret"= <redacted>"#
        );
        assert_eq!(
            redacted(r#"url = "https://x/?a=b""#),
            r#"url = "https://x/?a=b""#
        );
        assert_eq!(expand_home(Path::new("/a/~")), PathBuf::from("/a/~"));
        assert_ne!(expand_home(Path::new("~/x")), PathBuf::from("~/x"));
    }

    #[test]
    fn any_config_file_is_read_or_refused_without_panicking() {
        let input = prop_oneof![
            3 => toml_document().prop_map(String::into_bytes),
            3 => byte_edits(TOML_TOKENS).prop_map(|edits| {
                let mut bytes = REAL_CONFIG.as_bytes().to_vec();
                apply(&mut bytes, &edits);
                bytes
            }),
            2 => (toml_document(), byte_edits(TOML_TOKENS)).prop_map(|(text, edits)| {
                let mut bytes = text.into_bytes();
                apply(&mut bytes, &edits);
                bytes
            }),
            1 => prop::collection::vec(any::<u8>(), 0..128),
            1 => (prop_oneof![1usize..200, 1_000usize..5_000], any::<bool>()).prop_map(|(depth, table)| {
                let (open, close) = if table { ("{ a = ", " }") } else { ("[", "]") };
                format!("[profiles.x]\nurl = {}1{}\n", open.repeat(depth), close.repeat(depth))
                    .into_bytes()
            }),
        ];
        let home =
            std::env::temp_dir().join(format!("ix-api-config-inputs-{}", std::process::id()));
        let dirs = Directories {
            config: home.join("config"),
            cache: home.join("cache"),
        };
        std::fs::create_dir_all(&dirs.config).expect("a temporary directory");
        let mut runner = runner(1);
        let mut tally = Tally::new("config files");
        for _ in 0..CONFIG_FILES {
            let bytes = draw(&mut runner, &input);
            std::fs::write(dirs.config_file(), &bytes).expect("write the config file");
            tally.outcome(
                || shown(&bytes),
                || {
                    let text = String::from_utf8_lossy(&bytes);
                    let Ok(config) = toml::from_str::<ConfigFile>(&text) else {
                        // Through the file as `ix-api` reads it: refused too.
                        let resolved = Target::resolve(&Given::default(), &dirs);
                        return if resolved.is_err() {
                            "refused"
                        } else {
                            "read from the file alone"
                        };
                    };
                    let mut resolved = 0;
                    let named = config.profiles.keys().take(3).cloned().map(Some);
                    for profile in named.chain([None]) {
                        let given = Given {
                            profile,
                            ..Given::default()
                        };
                        if let Ok(target) = Target::resolve(&given, &dirs) {
                            let _ = format!("{target:?}");
                            resolved += 1;
                        }
                    }
                    if resolved > 0 {
                        "read, a profile resolved"
                    } else {
                        "read, no profile complete"
                    }
                },
            );
        }
        let _ = std::fs::remove_dir_all(&home);
        tally.finish();
    }
}
