//! The exchange's objects, by collection (`/contacts`, `/network-services`,
//! ...) and id, with the state each one moves on to and when; and the
//! letters of authorisation uploaded for them, byte for byte.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An object and its next state, if one is scheduled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub object: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Transition>,
}

/// The `state` an object takes at `at_ms` (the exchange's clock).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transition {
    pub at_ms: i64,
    pub state: String,
}

impl Record {
    pub fn new(object: Map<String, Value>) -> Self {
        Self { object, next: None }
    }

    /// The object as it is at `now_ms`.
    pub fn view(&self, now_ms: i64) -> Map<String, Value> {
        self.view_borrowed(now_ms).into_owned()
    }

    /// The object as it is at `now_ms`, borrowed unless a transition is
    /// due: a list reads every object to skip to its page, and copies only
    /// those on it.
    pub fn view_borrowed(&self, now_ms: i64) -> Cow<'_, Map<String, Value>> {
        match self.due(now_ms) {
            None => Cow::Borrowed(&self.object),
            Some(next) => {
                let mut object = self.object.clone();
                object.insert("state".into(), Value::String(next.state.clone()));
                Cow::Owned(object)
            }
        }
    }

    /// Whether the object has been decommissioned by `now_ms`: it is then
    /// no longer read, listed or referred to.
    pub fn gone(&self, now_ms: i64) -> bool {
        let state = match self.due(now_ms) {
            Some(next) => Some(next.state.as_str()),
            None => self.str("state"),
        };
        state == Some("decommissioned")
    }

    /// Applies a transition that is due.
    pub fn settle(&mut self, now_ms: i64) {
        if let Some(next) = self.due(now_ms).cloned() {
            self.object
                .insert("state".into(), Value::String(next.state));
            self.next = None;
        }
    }

    fn due(&self, now_ms: i64) -> Option<&Transition> {
        self.next.as_ref().filter(|next| next.at_ms <= now_ms)
    }

    pub fn str(&self, member: &str) -> Option<&str> {
        self.object.get(member).and_then(Value::as_str)
    }
}

/// One collection's records by id. Records are shared between the store
/// and its snapshots, and copied only when changed, so that a snapshot for
/// `--state` costs a walk over the ids, not a copy of every object.
pub type Records = BTreeMap<u64, Arc<Record>>;

/// Every object of the exchange. Cloning it is cheap: see [`Records`].
/// Every change goes through its methods, which note what changed for
/// `--state` to write (see [`Store::take_changes`]).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Store {
    /// The id the next new object gets.
    next_id: u64,
    #[serde(serialize_with = "shared", deserialize_with = "owned")]
    collections: BTreeMap<String, Records>,
    /// Pending change requests, by network service id.
    #[serde(default)]
    change_requests: BTreeMap<u64, Value>,
    /// Letters of authorisation, by the path of their object
    /// (`/connections/7`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    loas: BTreeMap<String, SharedLoa>,
    /// What changed since [`Store::take_changes`] last looked.
    #[serde(skip)]
    changed: Changed,
}

/// Which records, change requests and letters of authorisation changed.
#[derive(Debug, Default, Clone)]
struct Changed {
    records: BTreeSet<(String, u64)>,
    change_requests: BTreeSet<u64>,
    loas: BTreeSet<String>,
}

/// A letter of authorisation as uploaded: its bytes and the media type
/// they came with. Written to the state file in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loa {
    pub media_type: String,
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// A letter of authorisation shared between the store, its snapshots and
/// the journal, so that none of them copies its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLoa(pub Arc<Loa>);

impl Serialize for SharedLoa {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SharedLoa {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Loa::deserialize(deserializer).map(|loa| Self(Arc::new(loa)))
    }
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// A record shared with the store, as the journal writes it.
#[derive(Debug, Clone)]
pub struct SharedRecord(pub Arc<Record>);

impl Serialize for SharedRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SharedRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Record::deserialize(deserializer).map(|record| Self(Arc::new(record)))
    }
}

/// What changed in a store, as it is now: written to the journal as one
/// line. `None` is a removal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Changes {
    pub next_id: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<(String, u64, Option<SharedRecord>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change_requests: Vec<(u64, Option<Value>)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loas: Vec<(String, Option<SharedLoa>)>,
}

impl Store {
    pub fn collection(&self, name: &str) -> impl Iterator<Item = (&u64, &Record)> {
        self.collections
            .get(name)
            .into_iter()
            .flatten()
            .map(|(id, record)| (id, record.as_ref()))
    }

    pub fn get(&self, collection: &str, id: &str) -> Option<&Record> {
        let id = parse_id(id)?;
        self.collections.get(collection)?.get(&id).map(Arc::as_ref)
    }

    /// The record to change; copied first if a snapshot shares it.
    pub fn get_mut(&mut self, collection: &str, id: &str) -> Option<&mut Record> {
        let id = parse_id(id)?;
        let record = self.collections.get_mut(collection)?.get_mut(&id)?;
        self.changed.records.insert((collection.to_string(), id));
        Some(Arc::make_mut(record))
    }

    /// Changes, with `edit`, every record of every collection that `pick`
    /// picks.
    pub fn edit_where(&mut self, pick: impl Fn(&Record) -> bool, edit: impl Fn(&mut Record)) {
        for (name, records) in &mut self.collections {
            for (id, record) in records.iter_mut().filter(|(_, record)| pick(record)) {
                edit(Arc::make_mut(record));
                self.changed.records.insert((name.clone(), *id));
            }
        }
    }

    /// Removes the records of `collection` that `pick` picks.
    pub fn remove_where(&mut self, collection: &str, pick: impl Fn(&Record) -> bool) {
        let Some(records) = self.collections.get_mut(collection) else {
            return;
        };
        let changed = &mut self.changed.records;
        records.retain(|id, record| {
            let remove = pick(record);
            if remove {
                changed.insert((collection.to_string(), *id));
            }
            !remove
        });
    }

    pub fn change_request(&self, id: u64) -> Option<&Value> {
        self.change_requests.get(&id)
    }

    pub fn set_change_request(&mut self, id: u64, change: Value) {
        self.change_requests.insert(id, change);
        self.changed.change_requests.insert(id);
    }

    pub fn remove_change_request(&mut self, id: u64) -> Option<Value> {
        self.changed.change_requests.insert(id);
        self.change_requests.remove(&id)
    }

    /// The letter of authorisation of the object at `path` (`/connections/7`).
    pub fn loa(&self, path: &str) -> Option<&Arc<Loa>> {
        self.loas.get(path).map(|loa| &loa.0)
    }

    /// Stores (or replaces) the letter of authorisation of the object at
    /// `path`.
    pub fn set_loa(&mut self, path: &str, loa: Loa) {
        self.loas.insert(path.to_string(), SharedLoa(Arc::new(loa)));
        self.changed.loas.insert(path.to_string());
    }

    /// Stores `object` under a new id, which it also gets as its `id`.
    pub fn insert(&mut self, collection: &str, mut object: Map<String, Value>) -> u64 {
        self.next_id = self.next_id.max(1);
        let id = self.next_id;
        self.next_id += 1;
        object.insert("id".into(), Value::String(id.to_string()));
        self.collections
            .entry(collection.to_string())
            .or_default()
            .insert(id, Arc::new(Record::new(object)));
        self.changed.records.insert((collection.to_string(), id));
        id
    }

    pub fn remove(&mut self, collection: &str, id: &str) -> Option<Record> {
        let id = parse_id(id)?;
        let record = self.collections.get_mut(collection)?.remove(&id)?;
        self.changed.records.insert((collection.to_string(), id));
        Some(Arc::unwrap_or_clone(record))
    }

    /// What changed since the last call, as it is now.
    pub fn take_changes(&mut self) -> Changes {
        let changed = std::mem::take(&mut self.changed);
        Changes {
            next_id: self.next_id,
            records: changed
                .records
                .into_iter()
                .map(|(collection, id)| {
                    let record = self
                        .collections
                        .get(&collection)
                        .and_then(|records| records.get(&id))
                        .cloned()
                        .map(SharedRecord);
                    (collection, id, record)
                })
                .collect(),
            change_requests: changed
                .change_requests
                .into_iter()
                .map(|id| (id, self.change_requests.get(&id).cloned()))
                .collect(),
            loas: changed
                .loas
                .into_iter()
                .map(|path| {
                    let loa = self.loas.get(&path).cloned();
                    (path, loa)
                })
                .collect(),
        }
    }

    /// Forgets what changed: a snapshot of the whole store holds it.
    pub fn forget_changes(&mut self) {
        self.changed = Changed::default();
    }

    /// Replays changes read back from the journal.
    pub fn apply(&mut self, changes: Changes) {
        self.next_id = self.next_id.max(changes.next_id);
        for (collection, id, record) in changes.records {
            let records = self.collections.entry(collection).or_default();
            match record {
                Some(SharedRecord(record)) => records.insert(id, record),
                None => records.remove(&id),
            };
        }
        for (id, change) in changes.change_requests {
            match change {
                Some(change) => self.change_requests.insert(id, change),
                None => self.change_requests.remove(&id),
            };
        }
        for (path, loa) in changes.loas {
            match loa {
                Some(loa) => self.loas.insert(path, loa),
                None => self.loas.remove(&path),
            };
        }
    }

    /// Objects stored, over all collections.
    pub fn len(&self) -> usize {
        self.collections.values().map(BTreeMap::len).sum()
    }
}

fn shared<S: Serializer>(
    collections: &BTreeMap<String, Records>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(collections.len()))?;
    for (name, records) in collections {
        let records: BTreeMap<&u64, &Record> =
            records.iter().map(|(id, r)| (id, r.as_ref())).collect();
        map.serialize_entry(name, &records)?;
    }
    map.end()
}

fn owned<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Records>, D::Error> {
    let collections = BTreeMap::<String, BTreeMap<u64, Record>>::deserialize(deserializer)?;
    Ok(collections
        .into_iter()
        .map(|(name, records)| {
            let records = records
                .into_iter()
                .map(|(id, r)| (id, Arc::new(r)))
                .collect();
            (name, records)
        })
        .collect())
}

/// Ids are decimal numbers; anything else names no object.
pub fn parse_id(id: &str) -> Option<u64> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}
