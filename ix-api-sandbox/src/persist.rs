//! `--state FILE`: the store on disk. Loaded at start; written after every
//! change, atomically (a temporary file beside it, fsync, rename, fsync of
//! the directory), so that a crash at any moment leaves the old state or the
//! new one. Changes that arrive while a write is under way go out together
//! in the next one; an answer leaves only once its change is on disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::store::Store;

/// The member that marks a file as ours, with the format's version.
const MARK: &str = "ix-api-sandbox-state";
const VERSION: u64 = 1;

#[derive(Serialize)]
struct FileRef<'a> {
    #[serde(rename = "ix-api-sandbox-state")]
    version: u64,
    store: &'a Store,
}

#[derive(Deserialize)]
struct FileOwned {
    #[serde(rename = "ix-api-sandbox-state")]
    version: u64,
    store: Store,
}

/// Why a state file cannot be used. The file is left as it is.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{}: cannot read the state file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not an ix-api-sandbox state file ({reason}); it was left untouched: \
         move it away or name another file",
        path.display()
    )]
    Foreign { path: PathBuf, reason: String },
    #[error(
        "{}: written by a sandbox with state format {found}, this one reads {VERSION}; \
         it was left untouched",
        path.display()
    )]
    Version { path: PathBuf, found: u64 },
    #[error("{}: cannot write the state file: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The store in `path`, or `None` if there is no such file.
pub fn load(path: &Path) -> Result<Option<Store>, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Read {
                path: path.into(),
                source,
            });
        }
    };
    let foreign = |reason: String| StateError::Foreign {
        path: path.into(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| foreign(format!("not JSON: {e}")))?;
    let Some(version) = value.get(MARK).and_then(serde_json::Value::as_u64) else {
        return Err(foreign(format!("no \"{MARK}\" member")));
    };
    if version != VERSION {
        return Err(StateError::Version {
            path: path.into(),
            found: version,
        });
    }
    let file: FileOwned = serde_json::from_value(value).map_err(|e| foreign(e.to_string()))?;
    debug_assert_eq!(file.version, VERSION);
    Ok(Some(file.store))
}

/// The file's bytes for `store`.
fn encode(store: &Store) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&FileRef {
        version: VERSION,
        store,
    })
}

/// Writes `store` to `path` atomically.
pub fn save(path: &Path, store: &Store) -> Result<(), StateError> {
    let bytes = encode(store).map_err(|e| StateError::Write {
        path: path.into(),
        source: e.into(),
    })?;
    write_atomically(path, &bytes).map_err(|source| StateError::Write {
        path: path.into(),
        source,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        name.unwrap_or_else(|| "state".into()),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        // The rename itself is durable once the directory is.
        if let Ok(dir) = std::fs::File::open(&directory) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// How far the file has caught up with the store.
#[derive(Debug, Clone, Default)]
struct Saved {
    /// The last generation a write was attempted for.
    generation: u64,
    /// Why that write failed, if it did.
    error: Option<String>,
}

/// Writes the store in the background after each change.
pub struct Writer {
    wake: Notify,
    saved: watch::Sender<Saved>,
    stopped: AtomicBool,
}

impl Writer {
    /// Starts the writer for `path`; `store` holds the store and the
    /// generation it is at. The writer stops once the store is dropped, or
    /// at [`Writer::stop`].
    pub fn start(path: PathBuf, store: &Arc<RwLock<(Store, u64)>>) -> Arc<Self> {
        let writer = Arc::new(Self {
            wake: Notify::new(),
            saved: watch::Sender::new(Saved::default()),
            stopped: AtomicBool::new(false),
        });
        let task = writer.clone();
        let store = Arc::downgrade(store);
        tokio::spawn(async move {
            let writer = task;
            loop {
                writer.wake.notified().await;
                if writer.stopped.load(Ordering::Acquire) {
                    break;
                }
                let Some(store) = store.upgrade() else {
                    break;
                };
                // Only the snapshot is taken under the lock: records are
                // shared, so that is a walk over the ids. Encoding it and the
                // disk write happen off the lock, off the runtime's workers.
                let (generation, snapshot) = {
                    let guard = store.read().unwrap_or_else(|e| e.into_inner());
                    (guard.1, guard.0.clone())
                };
                drop(store);
                let path = path.clone();
                let outcome = tokio::task::spawn_blocking(move || {
                    encode(&snapshot)
                        .map_err(std::io::Error::from)
                        .and_then(|bytes| write_atomically(&path, &bytes))
                        .map_err(|e| format!("{}: {e}", path.display()))
                })
                .await;
                let written = outcome.unwrap_or_else(|e| Err(e.to_string()));
                if let Err(e) = &written {
                    tracing::error!(error = %e, "could not save the state");
                }
                writer.saved.send_replace(Saved {
                    generation,
                    error: written.err(),
                });
            }
        });
        writer
    }

    /// Ends the background task; changes are no longer saved.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Waits until the change that made `generation` is on disk.
    pub async fn saved(&self, generation: u64) -> Result<(), String> {
        let mut saved = self.saved.subscribe();
        self.wake.notify_one();
        let outcome = saved
            .wait_for(|saved| saved.generation >= generation)
            .await
            .map_err(|_| "the state writer stopped".to_string())?;
        match &outcome.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}
