//! Which exchange and API user a command is for, and how it logs in: the
//! command line's flags, else the environment, else the profile's entry in
//! `$XDG_CONFIG_HOME/ix-api/config.toml`:
//!
//! ```toml
//! [profiles.de-cix]
//! url = "https://api.de-cix.net/api/v2"
//! api_key = "0123456789abcdef"
//! secret_file = "/home/noc/.config/ix-api/de-cix.secret"  # optional
//!
//! [profiles.oauth2-exchange]
//! url = "https://ixp.example.net/api/v2"
//! auth = "oauth2"                                   # or "legacy", the default
//! api_key = "my-client-id"                          # the OAuth2 client id
//! oauth2_token_url = "https://id.example.net/oauth2/token"
//! oauth2_scopes = "ix-api"                          # the default
//! ```
//!
//! The environment's names are those of the IX-API Terraform provider, so
//! that one `.env` serves both: `IX_API_URL` (else `IX_API_HOST`),
//! `IX_API_KEY`, `IX_API_SECRET`, `IX_API_AUTH` (`legacy` or `oauth2`),
//! `IX_API_OAUTH2_TOKEN_URL`, `IX_API_OAUTH2_SCOPES` (commas or spaces).
//!
//! The secret never comes from argv: `IX_API_SECRET`, else `--secret-file`
//! or the profile's `secret_file`, else a prompt on the terminal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;
use serde::Deserialize;

use crate::Failure;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
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
    },
}

/// The exchange and API user a command acts for.
#[derive(Debug, Clone)]
pub struct Target {
    pub profile: String,
    pub url: String,
    /// The API key; the client id for OAuth2.
    pub api_key: String,
    pub login: Login,
    secret_file: Option<PathBuf>,
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

impl Target {
    /// Resolves what `given` leaves open from the environment and the
    /// profile.
    pub fn resolve(given: &Given, dirs: &Directories) -> Result<Self, Failure> {
        let profile = given
            .profile
            .clone()
            .or_else(|| env("IX_API_PROFILE"))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let config = read_config(&dirs.config_file())?;
        let named = config.profiles.get(&profile).cloned();
        if named.is_none() && given.profile.is_some() {
            return Err(Failure::usage(format!(
                "no profile [profiles.{profile}] in {}",
                dirs.config_file().display()
            )));
        }
        let entry = named.unwrap_or_default();
        let config_file = dirs.config_file();
        let url = given
            .url
            .clone()
            .or_else(|| env("IX_API_URL"))
            .or_else(|| env("IX_API_HOST"))
            .or(entry.url)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "which exchange? Give --url, set IX_API_URL (or IX_API_HOST), or set url in [profiles.{profile}] of {}",
                    config_file.display()
                ))
            })?;
        let api_key = given
            .api_key
            .clone()
            .or_else(|| env("IX_API_KEY"))
            .or(entry.api_key)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "which API user? Give --api-key, set IX_API_KEY, or set api_key in [profiles.{profile}] of {}",
                    config_file.display()
                ))
            })?;
        let auth = if given.oauth2 {
            "oauth2".to_string()
        } else {
            env("IX_API_AUTH")
                .or(entry.auth)
                .unwrap_or_else(|| "legacy".into())
        };
        let login = match auth.trim().to_ascii_lowercase().as_str() {
            "legacy" => {
                ix_api_client::ApiKey::try_from(api_key.as_str())
                    .map_err(|e| Failure::usage(e.to_string()))?;
                Login::Legacy
            }
            "oauth2" => Login::OAuth2 {
                token_url: given
                    .oauth2_token_url
                    .clone()
                    .or_else(|| env("IX_API_OAUTH2_TOKEN_URL"))
                    .or(entry.oauth2_token_url)
                    .ok_or_else(|| {
                        Failure::usage(format!(
                            "OAuth2 needs a token URL: give --oauth2-token-url, set IX_API_OAUTH2_TOKEN_URL, or set oauth2_token_url in [profiles.{profile}] of {}",
                            config_file.display()
                        ))
                    })?,
                scopes: given
                    .oauth2_scopes
                    .as_deref()
                    .map(split_scopes)
                    .or_else(|| env("IX_API_OAUTH2_SCOPES").as_deref().map(split_scopes))
                    .or_else(|| entry.oauth2_scopes.map(Scopes::split))
                    .unwrap_or_else(|| vec![ix_api_client::oauth2::DEFAULT_SCOPE.to_string()]),
            },
            other => {
                return Err(Failure::usage(format!(
                    "IX_API_AUTH (or auth in the profile) is {other:?}: legacy or oauth2"
                )));
            }
        };
        Ok(Self {
            profile,
            url: url.trim_end_matches('/').to_string(),
            api_key,
            login,
            secret_file: given.secret_file.clone().or(entry.secret_file),
        })
    }

    /// The API secret, if one is at hand without asking: `IX_API_SECRET`,
    /// else the secret file.
    pub fn secret(&self) -> Result<Option<String>, Failure> {
        if let Some(secret) = env("IX_API_SECRET") {
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
            None => Ok(None),
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
}

fn read_config(path: &Path) -> Result<ConfigFile, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(Failure::usage(format!("{}: {e}", path.display()))),
    }
}
