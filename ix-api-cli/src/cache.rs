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

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| {
        Failure::local(format!(
            "cannot create the token cache directory {}: {e}",
            dir.display()
        ))
    })
}

pub(crate) fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create_new(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    //! The token cache read from any file: edits of a real cache, other
    //! JSON, arbitrary bytes, tokens with any claims. Reading may find the
    //! file unreadable; it must not panic, nor may what `ix-api` does next
    //! with the tokens (their expiry, whether they are fresh).

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use ix_api_test_support::{Tally, shown};

    use crate::profile::tests::{apply, byte_edits, draw, runner, target};

    const CACHE_FILES: usize = 1_000;
    const URL: &str = "https://ixp.example.net/api/v2";
    const API_KEY: &str = "0123456789abcdef";
    const TOKEN_URL: &str = "https://id.example.net/oauth2/token";

    const JSON_TOKENS: &[&str] = &[
        ",",
        ":",
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        "{",
        "}",
        "[",
        "]",
        "null",
        "1e400",
        "123456789012345678901234567890",
        "\u{0}",
        "\u{feff}",
        "\"access_token\":\"x\",",
        "\"refresh_token\":null,",
    ];

    /// A JWT whose claims hold `exp`, whatever it is.
    fn jwt(exp: &Value) -> String {
        let claims = URL_SAFE_NO_PAD.encode(json!({"exp": exp, "iat": 0}).to_string());
        format!("eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln")
    }

    fn exp() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
            prop::sample::select(vec![
                json!(4_000_000_000_u64),
                json!(1e300),
                json!(-1),
                json!("soon"),
                json!(null),
                json!([1]),
            ]),
        ]
    }

    /// Any token text: a JWT with any `exp`, or any text.
    fn token() -> impl Strategy<Value = Value> {
        prop_oneof![
            6 => exp().prop_map(|exp| Value::from(jwt(&exp))),
            1 => any::<String>().prop_map(Value::from),
            1 => prop::sample::select(vec![json!(null), json!(7), json!(["a"]), json!({})]),
        ]
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            prop::sample::select(vec![URL, API_KEY, TOKEN_URL, ""]).prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{0,16}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A cache file: its members as written, then edited.
    fn cache_file() -> impl Strategy<Value = Vec<u8>> {
        // Mostly the target's own URL and key, so that the tokens are read.
        let exactly =
            |text: &'static str| prop_oneof![9 => Just(Value::from(text)), 1 => any_json()];
        let members = (
            prop::option::weighted(0.95, exactly(URL)),
            prop::option::weighted(0.95, exactly(API_KEY)),
            prop::option::weighted(0.4, exactly(TOKEN_URL)),
            prop::option::weighted(0.9, token()),
            prop::option::weighted(0.7, token()),
            prop::option::weighted(0.2, ("[a-z_]{1,12}", any_json())),
        )
            .prop_map(|(url, api_key, token_url, access, refresh, extra)| {
                let mut file = serde_json::Map::new();
                let named = [
                    ("url", url),
                    ("api_key", api_key),
                    ("oauth2_token_url", token_url),
                    ("access_token", access),
                    ("refresh_token", refresh),
                ];
                for (name, value) in named {
                    if let Some(value) = value {
                        file.insert(name.into(), value);
                    }
                }
                if let Some((name, value)) = extra {
                    file.insert(name, value);
                }
                serde_json::to_vec_pretty(&Value::Object(file)).expect("JSON encodes")
            })
            .boxed();
        prop_oneof![
            5 => members.clone(),
            3 => (members, byte_edits(JSON_TOKENS)).prop_map(|(mut bytes, edits)| {
                apply(&mut bytes, &edits);
                bytes
            }),
            1 => any_json().prop_map(|v| v.to_string().into_bytes()),
            1 => prop::collection::vec(any::<u8>(), 0..128),
        ]
    }

    #[test]
    fn any_token_cache_file_is_read_or_refused_without_panicking() {
        let dir = std::env::temp_dir().join(format!("ix-api-cache-inputs-{}", std::process::id()));
        let cache = Cache::new(&dir, "default");
        create_private_dir(&dir).expect("a temporary directory");
        let targets = [
            target(URL, API_KEY, Login::Legacy),
            target(
                URL,
                API_KEY,
                Login::OAuth2 {
                    token_url: TOKEN_URL.into(),
                    scopes: vec!["ix-api".into()],
                    client_auth: ix_api_client::ClientAuthentication::Basic,
                },
            ),
        ];
        let strategy = cache_file();
        let mut runner = runner(2);
        let mut tally = Tally::new("token cache files");
        for _ in 0..CACHE_FILES {
            let bytes = draw(&mut runner, &strategy);
            std::fs::write(cache.file(), &bytes).expect("write the cache file");
            tally.outcome(
                || shown(&bytes),
                || {
                    let mut outcome = "unreadable";
                    for target in &targets {
                        match cache.read(target) {
                            Found::Tokens(saved) => {
                                let _ = saved.access_token.expires_at();
                                let _ = saved.refresh_token.as_ref().map(RefreshToken::expires_at);
                                let _ = crate::tokens::fresh(&saved);
                                let _ = saved.pair();
                                outcome = "tokens";
                            }
                            Found::Nothing if outcome != "tokens" => {
                                outcome = "not for this target"
                            }
                            _ => {}
                        }
                    }
                    outcome
                },
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        tally.finish();
    }
}
