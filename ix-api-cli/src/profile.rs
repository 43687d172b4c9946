//! Which exchange and API user a command is for: `--url`/`--api-key`, else
//! `IX_API_URL`/`IX_API_KEY`, else the profile's entry in
//! `$XDG_CONFIG_HOME/ix-api/config.toml`:
//!
//! ```toml
//! [profiles.de-cix]
//! url = "https://api.de-cix.net/api/v2"
//! api_key = "0123456789abcdef"
//! secret_file = "/home/noc/.config/ix-api/de-cix.secret"  # optional
//! ```
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
}

/// What the command line says, before the environment and the profile.
#[derive(Debug, Default, Clone)]
pub struct Given {
    pub profile: Option<String>,
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub secret_file: Option<PathBuf>,
}

/// The exchange and API user a command acts for.
#[derive(Debug, Clone)]
pub struct Target {
    pub profile: String,
    pub url: String,
    pub api_key: String,
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
        let url = given
            .url
            .clone()
            .or_else(|| env("IX_API_URL"))
            .or(entry.url)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "which exchange? Give --url, set IX_API_URL, or set url in [profiles.{profile}] of {}",
                    dirs.config_file().display()
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
                    dirs.config_file().display()
                ))
            })?;
        ix_api_client::ApiKey::try_from(api_key.as_str())
            .map_err(|e| Failure::usage(e.to_string()))?;
        Ok(Self {
            profile,
            url: url.trim_end_matches('/').to_string(),
            api_key,
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
