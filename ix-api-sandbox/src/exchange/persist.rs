//! `--state FILE`: the store on disk, as a snapshot (`FILE`) and a journal
//! of the changes since (`FILE.journal`, one JSON line per write).
//!
//! At start the snapshot is loaded and the journal replayed, then a new
//! snapshot is written and the journal emptied. After every change only what
//! changed is appended to the journal and synced; changes that arrive while
//! a write is under way go out together in the next line, and an answer
//! leaves only once its change is on disk. When the journal outgrows the
//! snapshot, the writer writes a new snapshot (a temporary file beside it,
//! fsync, rename, fsync of the directory) and empties the journal. A crash
//! at any moment leaves a snapshot and a journal that replay to every
//! acknowledged change: a line cut short by the crash was never
//! acknowledged and is ignored, and lines a new snapshot already holds
//! replay to the same state.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::exchange::store::{Changes, Store};

/// The member that marks a file as ours, with the format's version.
const MARK: &str = "ix-api-sandbox-state";
/// 2 adds the journal, 3 the letters of authorisation (which a sandbox
/// reading format 2 would drop without a word); files of formats 1 and 2
/// still load.
const VERSION: u64 = 3;
/// The journal is folded into a new snapshot once it is larger than the
/// snapshot, or than this.
const MIN_JOURNAL_BYTES: u64 = 4 << 20;

#[derive(Serialize)]
struct FileRef<'a> {
    #[serde(rename = "ix-api-sandbox-state")]
    version: u64,
    store: &'a Store,
}

/// The version member is read before (see `load`).
#[derive(Deserialize)]
struct FileOwned {
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
    if version > VERSION || version == 0 {
        return Err(StateError::Version {
            path: path.into(),
            found: version,
        });
    }
    let file: FileOwned = serde_json::from_value(value).map_err(|e| foreign(e.to_string()))?;
    let mut store = file.store;
    replay(&journal_path(path), &mut store).map_err(|source| StateError::Read {
        path: journal_path(path),
        source,
    })?;
    Ok(Some(store))
}

/// `FILE.journal` beside `FILE`.
fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Applies the journal's lines to `store`, in order, up to the first that
/// is not whole (a write a crash cut short, never acknowledged).
fn replay(journal: &Path, store: &mut Store) -> std::io::Result<()> {
    let file = match File::open(journal) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for line in std::io::BufReader::new(file).split(b'\n') {
        match serde_json::from_slice::<Changes>(&line?) {
            Ok(changes) => store.apply(changes),
            Err(_) => break,
        }
    }
    Ok(())
}

/// The file's bytes for `store`.
fn encode(store: &Store) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&FileRef {
        version: VERSION,
        store,
    })
}

/// Writes `store` to `path` atomically and empties the journal; the size
/// of the snapshot.
pub fn save(path: &Path, store: &Store) -> Result<u64, StateError> {
    let written = encode(store)
        .map_err(std::io::Error::from)
        .and_then(|bytes| {
            write_atomically(path, &bytes)?;
            empty(&journal_path(path))?;
            Ok(bytes.len() as u64)
        });
    written.map_err(|source| StateError::Write {
        path: path.into(),
        source,
    })
}

/// Empties the journal, durably.
fn empty(journal: &Path) -> std::io::Result<()> {
    File::create(journal)?.sync_all()
}

/// The journal as the writer appends to it.
struct Journal {
    path: PathBuf,
    file: File,
    bytes: u64,
    /// Fold it into a new snapshot past this size.
    limit: u64,
}

impl Journal {
    fn open(path: &Path, snapshot_bytes: u64) -> std::io::Result<Self> {
        let journal = journal_path(path);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal)?;
        let bytes = file.metadata()?.len();
        Ok(Self {
            path: path.to_path_buf(),
            file,
            bytes,
            limit: snapshot_bytes.max(MIN_JOURNAL_BYTES),
        })
    }

    /// Appends one line of changes and syncs it.
    fn append(&mut self, changes: &Changes) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(changes)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()?;
        self.bytes += line.len() as u64;
        Ok(())
    }

    /// Writes `store` as the new snapshot and starts the journal anew.
    fn fold(&mut self, store: &Store) -> std::io::Result<()> {
        let snapshot = save(&self.path, store).map_err(std::io::Error::other)?;
        self.bytes = 0;
        self.limit = snapshot.max(MIN_JOURNAL_BYTES);
        Ok(())
    }
}

/// What the writer does next.
enum Work {
    Append(Changes),
    Fold(Store),
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
    /// Starts the writer for `path`, whose snapshot `save` just wrote
    /// (`snapshot_bytes` long); `store` holds the store and the generation
    /// it is at. The writer stops once the store is dropped, or at
    /// [`Writer::stop`].
    pub fn start(
        path: PathBuf,
        snapshot_bytes: u64,
        store: &Arc<RwLock<(Store, u64)>>,
    ) -> std::io::Result<Arc<Self>> {
        let mut journal = Journal::open(&path, snapshot_bytes)?;
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
                // Under the lock only what changed is taken (or, to fold,
                // a snapshot: records are shared, so a walk over the ids).
                // Encoding and the disk happen off the lock and the runtime.
                let (generation, work) = {
                    let mut guard = store.write().unwrap_or_else(|e| e.into_inner());
                    let work = if journal.bytes > journal.limit {
                        guard.0.forget_changes();
                        Work::Fold(guard.0.clone())
                    } else {
                        Work::Append(guard.0.take_changes())
                    };
                    (guard.1, work)
                };
                drop(store);
                let outcome = tokio::task::spawn_blocking(move || {
                    let written = match &work {
                        Work::Append(changes) => journal.append(changes),
                        Work::Fold(snapshot) => journal.fold(snapshot),
                    };
                    let written = written.map_err(|e| format!("{}: {e}", journal.path.display()));
                    (journal, written)
                })
                .await;
                let Ok((returned, written)) = outcome else {
                    writer.saved.send_replace(Saved {
                        generation: u64::MAX,
                        error: Some("the state writer failed".into()),
                    });
                    break;
                };
                journal = returned;
                if let Err(e) = &written {
                    tracing::error!(error = %e, "could not save the state");
                }
                writer.saved.send_replace(Saved {
                    generation,
                    error: written.err(),
                });
            }
        });
        Ok(writer)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ix-api-sandbox-persist-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("state.json")
    }

    fn contact(name: &str) -> serde_json::Map<String, serde_json::Value> {
        json!({"name": name}).as_object().unwrap().clone()
    }

    fn names(store: &Store) -> Vec<String> {
        store
            .collection("/contacts")
            .filter_map(|(_, r)| r.str("name").map(str::to_string))
            .collect()
    }

    #[test]
    fn a_snapshot_and_its_journal_load_as_the_store_was() {
        let path = scratch("journal");
        let mut store = Store::default();
        store.insert("/contacts", contact("a"));
        let bytes = save(&path, &store).unwrap();
        store.forget_changes();
        let mut journal = Journal::open(&path, bytes).unwrap();
        let b = store.insert("/contacts", contact("b"));
        journal.append(&store.take_changes()).unwrap();
        store.remove("/contacts", "1");
        store
            .get_mut("/contacts", &b.to_string())
            .unwrap()
            .object
            .insert("name".into(), "b2".into());
        journal.append(&store.take_changes()).unwrap();
        assert_eq!(names(&load(&path).unwrap().unwrap()), ["b2"]);

        // A line a crash cut short was never acknowledged: ignored.
        journal
            .file
            .write_all(br#"{"next_id": 9, "records": [["/contacts", 7, {"obj"#)
            .unwrap();
        assert_eq!(names(&load(&path).unwrap().unwrap()), ["b2"]);
    }

    #[test]
    fn folding_keeps_the_state_even_if_the_journal_was_not_emptied() {
        let path = scratch("fold");
        let mut store = Store::default();
        let bytes = save(&path, &store).unwrap();
        let mut journal = Journal::open(&path, bytes).unwrap();
        let mut lines = Vec::new();
        for name in ["a", "b", "c"] {
            store.insert("/contacts", contact(name));
            let changes = store.take_changes();
            journal.append(&changes).unwrap();
            lines.push(changes);
        }
        store.remove("/contacts", "2");
        let removal = store.take_changes();
        journal.append(&removal).unwrap();
        lines.push(removal);
        journal.fold(&store).unwrap();
        assert_eq!(journal.bytes, 0);
        assert_eq!(std::fs::metadata(journal_path(&path)).unwrap().len(), 0);
        assert_eq!(names(&load(&path).unwrap().unwrap()), ["a", "c"]);
        // A crash between the new snapshot and the emptied journal: the old
        // lines replay over the snapshot to the same state.
        for changes in &lines {
            journal.append(changes).unwrap();
        }
        assert_eq!(names(&load(&path).unwrap().unwrap()), ["a", "c"]);
    }

    #[test]
    fn a_file_of_the_first_format_still_loads() {
        let path = scratch("v1");
        std::fs::write(
            &path,
            br#"{"ix-api-sandbox-state": 1, "store": {"next_id": 2, "collections": {"/contacts": {"1": {"object": {"id": "1", "name": "old"}}}}}}"#,
        )
        .unwrap();
        assert_eq!(names(&load(&path).unwrap().unwrap()), ["old"]);
    }
}
