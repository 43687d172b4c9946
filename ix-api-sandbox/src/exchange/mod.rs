//! The exchange, apart from HTTP: its objects, orders and provisioning,
//! statistics and persistence. `http/` serves it; the crate root starts it.
//!
//! The exchange behind every collection operation of the spec: lists with
//! their filters and pages, creates, reads, PUT (replace) and PATCH (JSON
//! merge patch), deletes that start decommissioning, cancellation policies,
//! change requests, letters of authorisation and statistics. Which of
//! these an operation is, and what it takes and answers, follows from the
//! spec's facts (its `action`, as `cargo xtask codegen` classified it).

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use ix_api_client::spec::Operation;
use serde_json::{Map, Value};

use crate::facts::{Facts, Invalid, OperationFacts};
use crate::http::problem::Problem;
use crate::models;
use persist::Writer;
use store::{Loa, Record, Store, Transition};

pub(crate) mod catalogue;
mod filters;
mod macs;
mod orders;
mod pages;
pub(crate) mod persist;
mod references;
mod statistics;
pub(crate) mod store;

/// What the exchange does for an operation: its `action` in the spec's
/// facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    List,
    Create,
    Read,
    /// `GET /account`: the API user's own account.
    ReadSingleton,
    Replace,
    Merge,
    Destroy,
    CancellationPolicy,
    ReadChangeRequest,
    CreateChangeRequest,
    DestroyChangeRequest,
    LoaDownload,
    LoaUpload,
    Statistics,
    Timeseries,
    PeerStatistics,
    RttStatistics,
}

impl Action {
    /// The action the facts name (`list`, `loa-upload`, ...); `None` for
    /// those answered outside the exchange (the token operations).
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "list" => Self::List,
            "create" => Self::Create,
            "read" => Self::Read,
            "read-singleton" => Self::ReadSingleton,
            "replace" => Self::Replace,
            "merge" => Self::Merge,
            "destroy" => Self::Destroy,
            "cancellation-policy" => Self::CancellationPolicy,
            "read-change-request" => Self::ReadChangeRequest,
            "create-change-request" => Self::CreateChangeRequest,
            "destroy-change-request" => Self::DestroyChangeRequest,
            "loa-download" => Self::LoaDownload,
            "loa-upload" => Self::LoaUpload,
            "statistics" => Self::Statistics,
            "timeseries" => Self::Timeseries,
            "peer-statistics" => Self::PeerStatistics,
            "rtt-statistics" => Self::RttStatistics,
            _ => return None,
        })
    }

    /// Whether the action changes the exchange.
    pub fn changes(self) -> bool {
        matches!(
            self,
            Self::Create
                | Self::Replace
                | Self::Merge
                | Self::Destroy
                | Self::CreateChangeRequest
                | Self::DestroyChangeRequest
                | Self::LoaUpload
        )
    }

    /// The action and the collection (`/contacts`, the path's first
    /// segment) of an operation; `None` for one the exchange does not
    /// answer.
    pub fn of(operation: &Operation) -> Option<(Self, &'static str)> {
        let action = Self::named(&Facts::get().operation(operation.id)?.action)?;
        let path = operation.path;
        let collection = match path[1..].find('/') {
            Some(end) => &path[..=end],
            None => path,
        };
        Some((action, collection))
    }
}

/// One request, checked: the path's parameters, the typed query, the body.
pub struct Call<'a> {
    pub facts: &'a OperationFacts,
    pub action: Action,
    pub collection: &'a str,
    /// The operation's path template (`/ports/{id}/statistics`).
    pub path: &'a str,
    /// The account the API user acts for.
    pub root: String,
    /// The object the path names (its first parameter).
    pub id: Option<String>,
    /// The path's other parameters, by name (`aggregate`).
    pub parameters: Vec<(String, String)>,
    pub query: Vec<(String, Value)>,
    pub body: Option<Map<String, Value>>,
    /// A letter of authorisation to store.
    pub upload: Option<Loa>,
}

impl Call<'_> {
    fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }

    /// The path of the object the call is about (`/connections/7`).
    fn object_path(&self) -> String {
        format!(
            "{}/{}",
            self.collection,
            self.id.as_deref().unwrap_or_default()
        )
    }
}

/// What the exchange answers.
#[derive(Debug)]
pub enum Reply {
    Json(StatusCode, Value),
    /// Bytes as they were stored, with their media type.
    Bytes(StatusCode, Arc<Loa>),
    /// No body.
    Empty(StatusCode),
}

type Answer = Result<(StatusCode, Value), Problem>;

impl Drop for Exchange {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The stored objects, the generation they are at, and how they change.
pub struct Exchange {
    store: Arc<RwLock<(Store, u64)>>,
    writer: Option<Arc<Writer>>,
    provisioning_delay_ms: i64,
}

impl Exchange {
    /// The exchange of `store`; with `state`, the path of the snapshot just
    /// written and its size, where every change is saved.
    pub fn new(
        store: Store,
        state: Option<(std::path::PathBuf, u64)>,
        delay_ms: i64,
    ) -> std::io::Result<Self> {
        let store = Arc::new(RwLock::new((store, 0)));
        let writer = state
            .map(|(path, bytes)| Writer::start(path, bytes, &store))
            .transpose()?;
        Ok(Self {
            store,
            writer,
            provisioning_delay_ms: delay_ms,
        })
    }

    /// Stops saving: the sandbox is going away.
    pub fn stop(&self) {
        if let Some(writer) = &self.writer {
            writer.stop();
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, (Store, u64)> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, (Store, u64)> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `change` on the store under the write lock; once it succeeded,
    /// waits until the new state is on disk (with `--state`).
    async fn change<T>(
        &self,
        change: impl FnOnce(&mut Store) -> Result<T, Problem>,
    ) -> Result<T, Problem> {
        let (answer, generation) = {
            let mut guard = self.write();
            let answer = change(&mut guard.0);
            if answer.is_ok() {
                guard.1 += 1;
            }
            (answer, guard.1)
        };
        if answer.is_ok() {
            self.saved(generation).await?;
        }
        answer
    }

    /// Waits until the store at `generation` is on disk (with `--state`).
    async fn saved(&self, generation: u64) -> Result<(), Problem> {
        let Some(writer) = &self.writer else {
            return Ok(());
        };
        writer.saved(generation).await.map_err(|e| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ix_api_client::ProblemKind::Other("about:blank".into()),
                "Internal Server Error",
                format!("the change was made but could not be saved: {e}"),
            )
        })
    }

    /// Provisions what is due (port reservations become ports), so that
    /// every answer sees the exchange as it is at `now_ms`.
    async fn settle(&self, now_ms: i64) -> Result<(), Problem> {
        if !orders::any_due(&self.read().0, now_ms) {
            return Ok(());
        }
        let generation = {
            let mut guard = self.write();
            if !orders::provision(&mut guard.0, now_ms) {
                return Ok(());
            }
            guard.1 += 1;
            guard.1
        };
        self.saved(generation).await
    }

    pub async fn serve(&self, call: Call<'_>, now_ms: i64) -> Result<Reply, Problem> {
        self.settle(now_ms).await?;
        let json = |answer: Answer| answer.map(|(status, value)| Reply::Json(status, value));
        match call.action {
            Action::List => json(self.list(&call, now_ms)),
            Action::Read => json(self.read_one(&call, now_ms)),
            Action::ReadSingleton => json(self.read_account(&call, now_ms)),
            Action::CancellationPolicy => json(self.cancellation_policy(&call, now_ms)),
            Action::ReadChangeRequest => json(self.read_change_request(&call, now_ms)),
            Action::Statistics
            | Action::Timeseries
            | Action::PeerStatistics
            | Action::RttStatistics => json(self.statistics(&call, now_ms)),
            Action::LoaDownload => self.loa(&call, now_ms),
            Action::Create => json(self.change(|store| self.create(store, &call, now_ms)).await),
            Action::Replace | Action::Merge => {
                json(self.change(|store| self.update(store, &call, now_ms)).await)
            }
            Action::Destroy => json(
                self.change(|store| self.destroy(store, &call, now_ms))
                    .await,
            ),
            Action::CreateChangeRequest => json(
                self.change(|store| self.create_change_request(store, &call, now_ms))
                    .await,
            ),
            Action::DestroyChangeRequest => json(
                self.change(|store| destroy_change_request(store, &call, now_ms))
                    .await,
            ),
            Action::LoaUpload => self.change(|store| store_loa(store, &call, now_ms)).await,
        }
    }

    fn list(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let window = pages::window(&call.query)?;
        let guard = self.read();
        let store = &guard.0;
        let accounts = references::visible_accounts(store, &call.root);
        let fields = call
            .query
            .iter()
            .find_map(|(name, value)| match name.as_str() {
                "fields" => value.as_str(),
                _ => None,
            });
        let filters: Vec<(String, Value)> = call
            .query
            .iter()
            .filter(|(name, _)| !pages::PARAMETERS.contains(&name.as_str()))
            .cloned()
            .collect();
        // A member the answer's schema does not declare (the id every
        // stored object has, for extensions) is not answered.
        let keeps_id = answer_component(call.facts)
            .map(|component| {
                Facts::get()
                    .definition(component)
                    .and_then(|schema| schema.pointer("/properties/id"))
                    .is_some()
                    || Facts::get().union(component).is_some()
            })
            .unwrap_or(true);
        // Ascending ids: the store's order.
        let matching = store
            .collection(call.collection)
            .filter(|(_, record)| !record.gone(now_ms))
            .map(|(_, record)| record.view(now_ms))
            .filter(|object| {
                references::visible(store, &accounts, call.collection, object)
                    && filters::matches(store, call.collection, object, &filters)
            });
        let (page, more) = window.page(matching);
        let found = page
            .into_iter()
            .map(|mut object| {
                if let Some(fields) = fields {
                    filters::project(&mut object, fields);
                }
                if !keeps_id {
                    object.remove("id");
                }
                Value::Object(object)
            })
            .collect();
        // The sandbox's reading of a documented 206 (the official digest
        // lists it for every list and says no more): a page that is not the
        // last.
        let status = match call.facts.responses.get("206") {
            Some(_) if more => StatusCode::PARTIAL_CONTENT,
            _ => success(call.facts),
        };
        Ok((status, Value::Array(found)))
    }

    /// `GET /account`: the account the API user acts for.
    fn read_account(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let guard = self.read();
        let account = guard
            .0
            .get("/accounts", &call.root)
            .filter(|record| !record.gone(now_ms))
            .ok_or_else(|| Problem::authentication("the account of this API user is gone"))?;
        Ok((success(call.facts), Value::Object(account.view(now_ms))))
    }

    /// The statistics of the object the path names.
    fn statistics(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let guard = self.read();
        let store = &guard.0;
        let object = find(store, call, now_ms)?.view(now_ms);
        let answer = match call.action {
            Action::Statistics => {
                statistics::statistics(store, call.collection, &object, &call.query, now_ms)
            }
            Action::PeerStatistics => {
                statistics::peer_statistics(store, &object, &call.query, now_ms)
            }
            Action::RttStatistics => {
                statistics::rtt_statistics(store, &object, &call.query, now_ms)
            }
            _ => statistics::timeseries(
                store,
                call.collection,
                &object,
                call.parameter("aggregate").unwrap_or_default(),
                call.path.contains("/peer-statistics/"),
                &call.query,
                now_ms,
            ),
        }?;
        Ok((success(call.facts), answer))
    }

    /// The letter of authorisation of the object the path names.
    fn loa(&self, call: &Call<'_>, now_ms: i64) -> Result<Reply, Problem> {
        let guard = self.read();
        find(&guard.0, call, now_ms)?;
        let path = call.object_path();
        match guard.0.loa(&path) {
            Some(loa) => Ok(Reply::Bytes(success(call.facts), loa.clone())),
            None => Err(Problem::not_found(format!(
                "no letter of authorisation has been uploaded for {path}"
            ))),
        }
    }

    fn read_one(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let guard = self.read();
        let object = Value::Object(find(&guard.0, call, now_ms)?.view(now_ms));
        // A read the spec answers with a list (the one-element array the
        // published 2.1.0 document gives facilities and metro areas) is
        // answered so; playing 2.1.0, the routes make the object such a list
        // where only 2.1.0 does (`list_2_1`).
        let listed = call.facts.responses.values().any(|a| a.list);
        let body = if listed {
            Value::Array(vec![object])
        } else {
            object
        };
        Ok((success(call.facts), body))
    }

    fn create(&self, store: &mut Store, call: &Call<'_>, now_ms: i64) -> Answer {
        let mut object = call.body.clone().unwrap_or_default();
        let component = answer_component(call.facts)?;
        let accounts = references::visible_accounts(store, &call.root);
        if call.collection == "/accounts"
            && object.get("managing_account").is_none_or(Value::is_null)
        {
            // A new account is managed by the account of its creator.
            object.insert("managing_account".into(), Value::String(call.root.clone()));
        }
        let mut invalid = macs::check(call.collection, &object);
        invalid.extend(references::check(store, &accounts, now_ms, &object));
        refuse(invalid)?;
        orders::before_create(store, call.collection, &mut object)?;
        let facts = Facts::get();
        let stateful = facts.properties(component, &object).contains(&"state");
        if stateful {
            object.insert("state".into(), Value::String("requested".into()));
        }
        object.insert("id".into(), Value::String("0".into()));
        fill_required(facts, component, &mut object);
        // What the request carries for the exchange's own use (a
        // connection's connecting party, for its port reservations) is
        // kept until `after_create` has used it.
        let carried: Vec<(String, Value)> = ["connecting_party"]
            .into_iter()
            .filter(|_| call.collection == "/connections")
            .filter_map(|member| Some((member.to_string(), object.get(member)?.clone())))
            .collect();
        let mut object = conform(component, object)?;
        object.extend(carried);
        let id = store.insert(call.collection, object);
        let at_ms = now_ms + self.provisioning_delay_ms;
        let record = store
            .get_mut(call.collection, &id.to_string())
            .expect("just inserted");
        if stateful {
            record.next = Some(Transition {
                at_ms,
                state: "production".into(),
            });
        }
        orders::after_create(store, call.collection, id, at_ms);
        let record = store
            .get(call.collection, &id.to_string())
            .expect("just inserted");
        Ok((success(call.facts), Value::Object(record.object.clone())))
    }

    fn update(&self, store: &mut Store, call: &Call<'_>, now_ms: i64) -> Answer {
        let component = answer_component(call.facts)?;
        let request = call.facts.request.as_deref().unwrap_or(component);
        let body = call.body.clone().unwrap_or_default();
        let accounts = references::visible_accounts(store, &call.root);
        let record = find(store, call, now_ms)?;
        let mut current = record.view(now_ms);
        let facts = Facts::get();
        let tag = facts.union(component).map(|u| u.property.as_str());
        if let Some(tag) = tag
            && body.get(tag).is_some_and(|t| Some(t) != current.get(tag))
        {
            return Err(Problem::invalid(vec![Invalid {
                name: tag.to_string(),
                reason: "the type of an object cannot change".into(),
            }]));
        }
        let writable: Vec<String> = facts
            .properties(request, &current)
            .into_iter()
            .filter(|member| !matches!(*member, "id" | "state" | "type"))
            .map(str::to_string)
            .collect();
        for member in &writable {
            match (call.action, body.get(member)) {
                (Action::Merge, Some(Value::Null)) => {
                    current.remove(member);
                }
                (Action::Merge, Some(patch)) => {
                    let merged = merge(current.remove(member), patch);
                    current.insert(member.clone(), merged);
                }
                (Action::Merge, None) => {}
                (_, Some(value)) => {
                    current.insert(member.clone(), value.clone());
                }
                (_, None) => {
                    current.remove(member);
                }
            }
        }
        let mut invalid = macs::check(call.collection, &current);
        invalid.extend(references::check(store, &accounts, now_ms, &current));
        refuse(invalid)?;
        // Checked against the answer's schema too: a merge may remove what
        // the model requires.
        let updated = conform(component, current)?;
        let record = find_mut(store, call, now_ms)?;
        record.object = updated;
        // An order still on its way stays on its way.
        record.next = record.next.take().filter(|next| next.at_ms > now_ms);
        if record.str("state") == Some("production") {
            record.object.insert(
                "state".into(),
                Value::String("production_change_pending".into()),
            );
            record.next = Some(Transition {
                at_ms: now_ms + self.provisioning_delay_ms,
                state: "production".into(),
            });
        }
        let id = call.id.clone().unwrap_or_default();
        orders::after_update(store, call.collection, &id);
        let record = store.get(call.collection, &id).expect("found above");
        Ok((success(call.facts), Value::Object(record.view(now_ms))))
    }

    fn destroy(&self, store: &mut Store, call: &Call<'_>, now_ms: i64) -> Answer {
        let component = answer_component(call.facts)?;
        let record = find_mut(store, call, now_ms)?;
        record.settle(now_ms);
        let facts = Facts::get();
        let properties = facts.properties(component, &record.object);
        if !properties.contains(&"state") {
            let id = call.id.clone().unwrap_or_default();
            let removed = store.remove(call.collection, &id).expect("found above");
            forget(store, call.collection, &id);
            return Ok((success(call.facts), Value::Object(removed.object)));
        }
        if !matches!(
            record.str("state"),
            Some("decommission_requested" | "decommissioned")
        ) {
            if properties.contains(&"decommission_at") {
                let wanted = call
                    .body
                    .as_ref()
                    .and_then(|b| b.get("decommission_at"))
                    .and_then(Value::as_str)
                    .and_then(|d| d.parse::<NaiveDate>().ok());
                let at = wanted.map_or(today(now_ms), |d| d.max(today(now_ms)));
                record
                    .object
                    .insert("decommission_at".into(), Value::String(at.to_string()));
                if properties.contains(&"charged_until") {
                    record.object.insert(
                        "charged_until".into(),
                        Value::String(end_of_month(at).to_string()),
                    );
                }
            }
            record.object.insert(
                "state".into(),
                Value::String("decommission_requested".into()),
            );
            let next = Transition {
                at_ms: now_ms + self.provisioning_delay_ms,
                state: "decommissioned".into(),
            };
            record.next = Some(next.clone());
            let id = call.id.clone().unwrap_or_default();
            orders::after_destroy(store, call.collection, &id, &next);
        }
        // As it is now, though with no delay it is already gone.
        let id = call.id.as_deref().unwrap_or_default();
        let record = store.get(call.collection, id).expect("found above");
        Ok((success(call.facts), Value::Object(record.object.clone())))
    }

    fn cancellation_policy(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let guard = self.read();
        find(&guard.0, call, now_ms)?;
        let wanted = call
            .query
            .iter()
            .find_map(|(name, value)| match name.as_str() {
                "decommission_at" => value.as_str(),
                _ => None,
            });
        // The document declares no format and no 400 here: a date that does
        // not parse asks for the earliest possible one.
        let wanted = wanted.and_then(|date| date.parse::<NaiveDate>().ok());
        // Notice ends today; billing runs to the end of the month.
        let at = wanted.map_or(today(now_ms), |d| d.max(today(now_ms)));
        let policy = serde_json::json!({
            "decommission_at": at.to_string(),
            "charged_until": end_of_month(at).to_string(),
        });
        Ok((success(call.facts), policy))
    }

    fn read_change_request(&self, call: &Call<'_>, now_ms: i64) -> Answer {
        let guard = self.read();
        let record = find(&guard.0, call, now_ms)?;
        let id = record.str("id").and_then(store::parse_id);
        match id.and_then(|id| guard.0.change_request(id)) {
            Some(change) => Ok((success(call.facts), change.clone())),
            None => Err(Problem::not_found(
                "this network service has no change request",
            )),
        }
    }

    fn create_change_request(&self, store: &mut Store, call: &Call<'_>, now_ms: i64) -> Answer {
        let body = call.body.clone().unwrap_or_default();
        let accounts = references::visible_accounts(store, &call.root);
        refuse(references::check(store, &accounts, now_ms, &body))?;
        let record = find_mut(store, call, now_ms)?;
        record.settle(now_ms);
        record.object.insert(
            "state".into(),
            Value::String("production_change_pending".into()),
        );
        let component = answer_component(call.facts)?;
        let change = conform(component, body)?;
        let id = store::parse_id(call.id.as_deref().unwrap_or_default()).unwrap_or(0);
        store.set_change_request(id, Value::Object(change.clone()));
        Ok((success(call.facts), Value::Object(change)))
    }
}

/// `POST .../loa`: stores the letter of authorisation, replacing one
/// uploaded before.
fn store_loa(store: &mut Store, call: &Call<'_>, now_ms: i64) -> Result<Reply, Problem> {
    find(store, call, now_ms)?;
    let Some(loa) = call.upload.clone() else {
        return Err(Problem::validation(
            "send the letter of authorisation as the request body",
        ));
    };
    store.set_loa(&call.object_path(), loa);
    Ok(Reply::Empty(StatusCode::CREATED))
}

fn destroy_change_request(store: &mut Store, call: &Call<'_>, now_ms: i64) -> Answer {
    find(store, call, now_ms)?;
    let id = store::parse_id(call.id.as_deref().unwrap_or_default()).unwrap_or(0);
    match store.remove_change_request(id) {
        Some(change) => {
            if let Ok(record) = find_mut(store, call, now_ms)
                && record.str("state") == Some("production_change_pending")
            {
                record
                    .object
                    .insert("state".into(), Value::String("production".into()));
            }
            Ok((success(call.facts), change))
        }
        None => Err(Problem::not_found(
            "this network service has no change request",
        )),
    }
}

/// The object the path names, if the API user can see it.
fn find<'s>(store: &'s Store, call: &Call<'_>, now_ms: i64) -> Result<&'s Record, Problem> {
    let id = call.id.as_deref().unwrap_or_default();
    let accounts = references::visible_accounts(store, &call.root);
    store
        .get(call.collection, id)
        .filter(|record| !record.gone(now_ms))
        .filter(|record| references::visible(store, &accounts, call.collection, &record.object))
        .ok_or_else(|| Problem::not_found(format!("no object {}/{id}", call.collection)))
}

fn find_mut<'s>(
    store: &'s mut Store,
    call: &Call<'_>,
    now_ms: i64,
) -> Result<&'s mut Record, Problem> {
    find(store, call, now_ms)?;
    let id = call.id.as_deref().unwrap_or_default();
    Ok(store.get_mut(call.collection, id).expect("found above"))
}

/// A deleted object no longer appears in the lists that named it, and the
/// role assignments of a contact go with it.
fn forget(store: &mut Store, collection: &str, id: &str) {
    if collection == "/contacts" {
        store.remove_where("/role-assignments", |a| a.str("contact") == Some(id));
    }
    // Ids are unique across collections, so a list holding this one named it.
    let names = |record: &Record| {
        record.object.values().any(|value| {
            value
                .as_array()
                .is_some_and(|items| items.iter().any(|item| item.as_str() == Some(id)))
        })
    };
    store.edit_where(names, |record| {
        for value in record.object.values_mut() {
            if let Value::Array(items) = value {
                items.retain(|item| item.as_str() != Some(id));
            }
        }
    });
}

/// The documented success status.
fn success(facts: &OperationFacts) -> StatusCode {
    facts
        .responses
        .keys()
        .filter_map(|status| status.parse::<u16>().ok())
        .find(|status| (200..300).contains(status))
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK)
}

/// The component of the documented success answer.
fn answer_component(facts: &OperationFacts) -> Result<&str, Problem> {
    facts
        .responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .and_then(|(_, answer)| answer.schema.as_deref())
        .ok_or_else(|| Problem::validation("the spec documents no answer for this operation"))
}

/// Members the answer's schema requires that a request does not carry: the
/// exchange's defaults (empty lists, the least number allowed, `null`).
fn fill_required(facts: &Facts, component: &str, object: &mut Map<String, Value>) {
    let missing: Vec<(String, Value)> = facts
        .required(component, object)
        .into_iter()
        .filter(|(name, _)| !object.contains_key(*name))
        .map(|(name, schema)| (name.to_string(), default_for(schema)))
        .collect();
    object.extend(missing);
}

fn default_for(schema: &Value) -> Value {
    let kinds: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if kinds.contains(&"array") {
        Value::Array(Vec::new())
    } else if kinds.contains(&"null") {
        Value::Null
    } else if kinds.contains(&"integer") {
        Value::from(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0))
    } else if kinds.contains(&"boolean") {
        Value::Bool(false)
    } else {
        Value::String(String::new())
    }
}

/// `object` through the client's model of `component`, and checked against
/// the spec's schema for it: what the sandbox stores is what it may answer.
fn conform(component: &str, object: Map<String, Value>) -> Result<Map<String, Value>, Problem> {
    let value = match models::conform(component, Value::Object(object)) {
        Some(Ok(value)) => value,
        Some(Err(misfit)) => {
            return Err(Problem::invalid(vec![Invalid::misfit(
                &misfit.path().to_string(),
                &misfit.inner().to_string(),
            )]));
        }
        None => {
            return Err(Problem::validation(format!(
                "the sandbox has no model {component}"
            )));
        }
    };
    if let Err(invalid) = Facts::get().validate(component, &value) {
        return Err(Problem::invalid(invalid));
    }
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(Problem::validation("the answer is not an object")),
    }
}

fn refuse(invalid: Vec<Invalid>) -> Result<(), Problem> {
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(invalid))
    }
}

/// RFC 7396: objects merge member by member, `null` removes, anything else
/// replaces.
fn merge(target: Option<Value>, patch: &Value) -> Value {
    match (target, patch) {
        (Some(Value::Object(mut target)), Value::Object(patch)) => {
            for (member, value) in patch {
                if value.is_null() {
                    target.remove(member);
                } else {
                    let merged = merge(target.remove(member), value);
                    target.insert(member.clone(), merged);
                }
            }
            Value::Object(target)
        }
        (_, Value::Object(patch)) => merge(
            Some(Value::Object(Map::new())),
            &Value::Object(patch.clone()),
        ),
        (_, patch) => patch.clone(),
    }
}

pub fn today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .date_naive()
}

fn end_of_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = match date.month() {
        12 => (date.year() + 1, 1),
        month => (date.year(), month + 1),
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        let patch = json!({"a": "z", "c": {"f": null}});
        assert_eq!(
            merge(Some(target), &patch),
            json!({"a": "z", "c": {"d": "e"}})
        );
        assert_eq!(merge(Some(json!([1])), &json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn billing_runs_to_the_end_of_the_month() {
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(end_of_month(date("2026-02-10")), date("2026-02-28"));
        assert_eq!(end_of_month(date("2026-12-31")), date("2026-12-31"));
    }
}
