//! The tokens of each profile, in `$XDG_CACHE_HOME/ix-api/PROFILE.json`:
//! mode 0600, written atomically (a temporary file beside it, then rename),
//! and used only for the URL, API key and way of logging in they were
//! issued for. An OAuth2 login keeps an access token alone.
//!
//! Renewals take `PROFILE.lock` (an OS file lock, which a killed process
//! releases with its file descriptors, so no lock outlives its holder):
//! refresh tokens are single-use, so of many processes that find the pair
//! expired, one renews and the others read what it wrote.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use ix_api_client::{AccessToken, RefreshToken, TokenPair};
use serde::{Deserialize, Serialize};

use crate::Failure;
use crate::profile::{Login, Target};

#[derive(Serialize, Deserialize)]
struct Cached {
    url: String,
    api_key: String,
    /// The OAuth2 token URL the token came from; absent for IX-API's login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth2_token_url: Option<String>,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// The tokens kept for a target.
#[derive(Debug, Clone)]
pub struct Saved {
    pub access_token: AccessToken,
    /// IX-API's login issues one; OAuth2 does not.
    pub refresh_token: Option<RefreshToken>,
}

impl Saved {
    pub fn pair(&self) -> Option<TokenPair> {
        Some(TokenPair {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone()?,
        })
    }
}

impl From<TokenPair> for Saved {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: Some(pair.refresh_token),
        }
    }
}

fn token_url(target: &Target) -> Option<&str> {
    match &target.login {
        Login::Legacy => None,
        Login::OAuth2 { token_url, .. } => Some(token_url),
    }
}

/// Where one profile's pair lives.
pub struct Cache {
    file: PathBuf,
    lock: PathBuf,
}

/// What the cache holds for a target.
pub enum Found {
    Tokens(Saved),
    Nothing,
    /// The file is there but unreadable; why.
    Unreadable(String),
}

impl Cache {
    pub fn new(dir: &Path, profile: &str) -> Self {
        Self {
            file: dir.join(format!("{profile}.json")),
            lock: dir.join(format!("{profile}.lock")),
        }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The pair cached for `target`: nothing if it was issued for another
    /// URL or API key.
    pub fn read(&self, target: &Target) -> Found {
        let bytes = match std::fs::read(&self.file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Found::Nothing,
            Err(e) => return Found::Unreadable(e.to_string()),
        };
        let cached: Cached = match serde_json::from_slice(&bytes) {
            Ok(cached) => cached,
            // serde's message may quote the file; say where, not what.
            Err(e) => {
                return Found::Unreadable(format!(
                    "not a token cache (line {}, column {})",
                    e.line(),
                    e.column()
                ));
            }
        };
        if cached.url != target.url
            || cached.api_key != target.api_key
            || cached.oauth2_token_url.as_deref() != token_url(target)
        {
            return Found::Nothing;
        }
        let travels =
            |token: &str| !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
        let refresh_ok = cached.refresh_token.as_deref().is_none_or(travels);
        let wanted = matches!(target.login, Login::OAuth2 { .. }) || cached.refresh_token.is_some();
        if !travels(&cached.access_token) || !refresh_ok || !wanted {
            return Found::Unreadable("the cached tokens are malformed".into());
        }
        Found::Tokens(Saved {
            access_token: AccessToken::from(cached.access_token),
            refresh_token: cached.refresh_token.map(RefreshToken::from),
        })
    }

    /// Stores `saved` for `target`, atomically, readable by the user alone.
    pub fn write(&self, target: &Target, saved: &Saved) -> Result<(), Failure> {
        let cached = Cached {
            url: target.url.clone(),
            api_key: target.api_key.clone(),
            oauth2_token_url: token_url(target).map(str::to_string),
            access_token: saved.access_token.expose().to_string(),
            refresh_token: saved
                .refresh_token
                .as_ref()
                .map(|token| token.expose().to_string()),
        };
        let bytes =
            serde_json::to_vec_pretty(&cached).map_err(|e| Failure::local(e.to_string()))?;
        let dir = self.file.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let temporary = dir.join(format!(
            ".{}.{}.tmp",
            self.file
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            std::process::id()
        ));
        let written = (|| {
            let mut file = private_file(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.file)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(Failure::local(format!(
                "cannot write {}: {e}",
                self.file.display()
            )));
        }
        Ok(())
    }

    /// Forgets the pair. True if there was one.
    pub fn remove(&self) -> Result<bool, Failure> {
        match std::fs::remove_file(&self.file) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Failure::local(format!(
                "cannot remove {}: {e}",
                self.file.display()
            ))),
        }
    }

    /// Holds the profile's renewal lock until dropped. Blocks while
    /// another process holds it.
    pub fn lock(&self) -> Result<File, Failure> {
        let dir = self.lock.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&self.lock)
            .map_err(|e| Failure::local(format!("cannot open {}: {e}", self.lock.display())))?;
        file.lock()
            .map_err(|e| Failure::local(format!("cannot lock {}: {e}", self.lock.display())))?;
        Ok(file)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Failure::local(format!("cannot create {}: {e}", dir.display())))
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create_new(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
