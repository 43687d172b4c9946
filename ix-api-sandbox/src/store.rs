//! The exchange's objects, by collection (`/contacts`, `/network-services`,
//! ...) and id, with the state each one moves on to and when.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
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
        let mut object = self.object.clone();
        if let Some(next) = self.due(now_ms) {
            object.insert("state".into(), Value::String(next.state.clone()));
        }
        object
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

/// Every object of the exchange.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Store {
    /// The id the next new object gets.
    pub next_id: u64,
    pub collections: BTreeMap<String, BTreeMap<u64, Record>>,
    /// Pending change requests, by network service id.
    #[serde(default)]
    pub change_requests: BTreeMap<u64, Value>,
}

impl Store {
    pub fn collection(&self, name: &str) -> impl Iterator<Item = (&u64, &Record)> {
        self.collections.get(name).into_iter().flatten()
    }

    pub fn get(&self, collection: &str, id: &str) -> Option<&Record> {
        let id = parse_id(id)?;
        self.collections.get(collection)?.get(&id)
    }

    pub fn get_mut(&mut self, collection: &str, id: &str) -> Option<&mut Record> {
        let id = parse_id(id)?;
        self.collections.get_mut(collection)?.get_mut(&id)
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
            .insert(id, Record::new(object));
        id
    }

    pub fn remove(&mut self, collection: &str, id: &str) -> Option<Record> {
        let id = parse_id(id)?;
        self.collections.get_mut(collection)?.remove(&id)
    }

    /// Objects stored, over all collections.
    pub fn len(&self) -> usize {
        self.collections.values().map(BTreeMap::len).sum()
    }
}

/// Ids are decimal numbers; anything else names no object.
pub fn parse_id(id: &str) -> Option<u64> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}
