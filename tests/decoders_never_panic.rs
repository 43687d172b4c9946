//! Decoders that never panic on bad input. Every decoder an exchange's
//! answer reaches is fed mutated real documents, arbitrary JSON and
//! arbitrary bytes: the answer of each operation, problem documents (in
//! process and through the client's reading of error answers), the tagged
//! unions, the claims of JWTs (saved, and issued by a login or an OAuth2
//! grant) and the walk over list pages. A decode may fail; it must not
//! panic. Panics are caught and counted, so that one run reports them all,
//! and each test prints `NAME: N inputs, P panics` (shown with
//! `--nocapture`).
//!
//! The inputs are drawn from `proptest` strategies by a loop with a fixed
//! seed and a fixed count: the same inputs on every run (but for JWT
//! claims near the present, which are counted from the clock) and no
//! wall-clock bound, so the set takes the same work on any machine.
//! proptest is the maintained default for this (composable strategies,
//! recursive JSON included); of its dependencies only three small crates
//! were not already in Cargo.lock. Its shrinking is not used: a panic is
//! reported with the input that caused it.
//!
//! The real documents are what the sandbox answers to every `GET` of the
//! spec, to a login and to a refresh, and the problem documents it answers
//! to bad requests; each operation is fed its own, and every other that
//! its answer type reads (a create answers what a read does). Each
//! operation's answer type is the generated `Call::Answer` of its builder:
//! the list below is checked against `spec::operations::ALL`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt::Debug;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use ix_api_client::spec::operations;
use ix_api_client::{
    AccessToken, ByteStream, Call, Client, OAuth2, Paginate, ProblemError, RefreshToken, Session,
    TokenPair, builder, types,
};
use ix_api_sandbox::{Sandbox, SandboxConfig};
use ix_api_test_support::{Tally, shown};
use ix_api_tests::{ApiUser, BEARER_TOKEN, Recorded, Reply, ScriptedServer, jwt};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

// Inputs per operation's answer: mutated real documents, byte-level edits
// of them, and arbitrary JSON.
const ANSWER_MUTATIONS: usize = 60;
const ANSWER_BYTE_EDITS: usize = 20;
const ANSWER_ARBITRARY: usize = 8;
// Inputs per tagged union.
const UNION_INPUTS: usize = 150;
const PROBLEM_INPUTS: usize = 3_000;
// Error answers, each sent to the client twice (`send` and `call`).
const ERROR_ANSWERS: usize = 300;
const JWT_INPUTS: usize = 3_000;
const SESSION_TOKENS: usize = 150;
const LOGIN_ANSWERS: usize = 150;
const OAUTH2_GRANTS: usize = 150;
const PAGE_WALKS: usize = 80;

/// A runner with a seed of its own for `name`: the same inputs each run.
fn runner(name: &str) -> TestRunner {
    let mut seed = [0u8; 32];
    // FNV-1a over the name, spread over the seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, slot) in seed.iter_mut().enumerate() {
        for byte in name.bytes().chain([i as u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        *slot = (hash >> 24) as u8;
    }
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

/// One value of `strategy`.
fn draw<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> S::Value {
    strategy
        .new_tree(runner)
        .expect("the strategies here reject nothing")
        .current()
}

// ---------------------------------------------------------------------
// Arbitrary JSON, and edits of real documents.

/// Text that decoders have opinions about.
const AWKWARD_TEXT: &[&str] = &[
    "",
    " ",
    "about:blank",
    "null",
    "true",
    "0",
    "-1",
    "1e999",
    "{}",
    "[]",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2024-02-30T25:61:61Z",
    "2024-01-01",
    "not-a-date",
    "00:00:00:00:00:00",
    "not-a-mac",
    "192.0.2.1/33",
    "2001:db8::/129",
    "\u{0}",
    "\u{feff}",
    "ÿ",
    "🙂",
    "https://errors.ix-api.net/v2/validation-error.html",
    "production",
    "error",
];

/// Numbers at the edges of what decoders hold.
fn awkward_numbers() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(-0.0),
        json!(0.5),
        json!(4094),
        json!(4095),
        json!(4096),
        json!(65_536),
        json!(2_147_483_648_u64),
        json!(4_294_967_296_u64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!(-1e300),
        json!(f64::MAX),
        json!(f64::MIN_POSITIVE),
        json!(5e-324),
    ]
}

/// Any JSON leaf: the awkward ones above, `pool`'s strings, random ones.
fn leaf(pool: &Arc<Vec<String>>) -> BoxedStrategy<Value> {
    let pool = pool.clone();
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        prop::sample::select(awkward_numbers()),
        prop::sample::select(AWKWARD_TEXT).prop_map(Value::from),
        any::<prop::sample::Index>().prop_map(move |i| Value::from(i.get(&pool).clone())),
        any::<String>().prop_map(Value::from),
    ]
    .boxed()
}

/// A member name: one the documents use, or any.
fn key(pool: &Arc<Vec<String>>) -> BoxedStrategy<String> {
    let pool = pool.clone();
    prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(move |i| i.get(&pool).clone()),
        1 => Just("type".to_string()),
        1 => any::<String>(),
    ]
    .boxed()
}

/// Arbitrary JSON, a few levels deep, of `pool`'s words and others.
fn any_json(pool: &Arc<Vec<String>>) -> BoxedStrategy<Value> {
    let keys = key(pool);
    leaf(pool)
        .prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((keys.clone(), inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A step into a JSON document.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every position in `value`, the document itself first.
fn positions(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, at: &mut Vec<Step>, found: &mut Vec<Vec<Step>>) {
        found.push(at.clone());
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    walk(item, at, found);
                    at.pop();
                }
            }
            Value::Object(members) => {
                for (name, member) in members {
                    at.push(Step::Key(name.clone()));
                    walk(member, at, found);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, &mut Vec::new(), &mut found);
    found
}

fn at_mut<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |value, step| match step {
        Step::Key(name) => value.get_mut(name.as_str()),
        Step::Index(i) => value.get_mut(*i),
    })
}

/// One edit of a document, at the position a selector picks.
#[derive(Debug, Clone)]
enum Edit {
    /// Removes the member or item.
    Delete(prop::sample::Index),
    /// Puts other JSON in its place.
    Replace(prop::sample::Index, Value),
    /// Puts a copy of another part of the document in its place.
    Copy(prop::sample::Index, prop::sample::Index),
    /// Wraps it in `depth` arrays (or objects).
    Nest(prop::sample::Index, usize, bool),
    /// Adds a member to the object (or the object it is in).
    Add(prop::sample::Index, String, Value),
    /// Sets the `type` of an object.
    Retag(prop::sample::Index, Value),
    /// Removes the `type` of an object.
    Untag(prop::sample::Index),
    /// Empties an array or object.
    Empty(prop::sample::Index),
}

fn edit(pool: &Arc<Vec<String>>) -> BoxedStrategy<Edit> {
    let index = any::<prop::sample::Index>;
    let json = any_json(pool);
    let tags = pool.clone();
    let tag = prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(move |i| Value::from(i.get(&tags).clone())),
        2 => leaf(pool),
        1 => json.clone(),
    ];
    prop_oneof![
        3 => index().prop_map(Edit::Delete),
        4 => (index(), json.clone()).prop_map(|(at, value)| Edit::Replace(at, value)),
        2 => (index(), index()).prop_map(|(at, from)| Edit::Copy(at, from)),
        1 => (index(), prop_oneof![1usize..4, 100usize..200], any::<bool>())
            .prop_map(|(at, depth, list)| Edit::Nest(at, depth, list)),
        2 => (index(), key(pool), json).prop_map(|(at, name, value)| Edit::Add(at, name, value)),
        3 => (index(), tag).prop_map(|(at, tag)| Edit::Retag(at, tag)),
        1 => index().prop_map(Edit::Untag),
        1 => index().prop_map(Edit::Empty),
    ]
    .boxed()
}

/// The positions of the objects in `value`.
fn objects(value: &Value) -> Vec<Vec<Step>> {
    let mut all = positions(value);
    all.retain(|path| {
        let mut value = value;
        for step in path {
            value = match step {
                Step::Key(name) => &value[name.as_str()],
                Step::Index(i) => &value[*i],
            };
        }
        value.is_object()
    });
    all
}

fn apply(value: &mut Value, edit: &Edit) {
    let everywhere = positions(value);
    let pick = |index: &prop::sample::Index, among: &[Vec<Step>]| -> Option<Vec<Step>> {
        (!among.is_empty()).then(|| index.get(among).clone())
    };
    match edit {
        Edit::Delete(at) => {
            let Some(mut path) = pick(at, &everywhere) else {
                return;
            };
            let Some(last) = path.pop() else {
                *value = Value::Null;
                return;
            };
            match (at_mut(value, &path), last) {
                (Some(Value::Object(members)), Step::Key(name)) => {
                    members.remove(&name);
                }
                (Some(Value::Array(items)), Step::Index(i)) if i < items.len() => {
                    items.remove(i);
                }
                _ => {}
            }
        }
        Edit::Replace(at, new) => {
            if let Some(slot) = pick(at, &everywhere).and_then(|p| at_mut(value, &p)) {
                *slot = new.clone();
            }
        }
        Edit::Copy(at, from) => {
            let copied = pick(from, &everywhere)
                .and_then(|p| at_mut(value, &p).map(|v| v.clone()))
                .unwrap_or(Value::Null);
            if let Some(slot) = pick(at, &everywhere).and_then(|p| at_mut(value, &p)) {
                *slot = copied;
            }
        }
        Edit::Nest(at, depth, list) => {
            if let Some(slot) = pick(at, &everywhere).and_then(|p| at_mut(value, &p)) {
                let mut nested = slot.take();
                for _ in 0..*depth {
                    nested = if *list {
                        Value::Array(vec![nested])
                    } else {
                        Value::Object(Map::from_iter([("type".to_string(), nested)]))
                    };
                }
                *slot = nested;
            }
        }
        Edit::Add(at, name, new) => {
            let found = objects(value);
            if let Some(Value::Object(members)) = pick(at, &found).and_then(|p| at_mut(value, &p)) {
                members.insert(name.clone(), new.clone());
            }
        }
        Edit::Retag(at, tag) => {
            let found = objects(value);
            if let Some(Value::Object(members)) = pick(at, &found).and_then(|p| at_mut(value, &p)) {
                members.insert("type".into(), tag.clone());
            }
        }
        Edit::Untag(at) => {
            let found = objects(value);
            if let Some(Value::Object(members)) = pick(at, &found).and_then(|p| at_mut(value, &p)) {
                members.remove("type");
            }
        }
        Edit::Empty(at) => match pick(at, &everywhere).and_then(|p| at_mut(value, &p)) {
            Some(Value::Array(items)) => items.clear(),
            Some(Value::Object(members)) => members.clear(),
            _ => {}
        },
    }
}

/// Tokens that break JSON, or stretch what a number can be.
const SPLICES: &[&str] = &[
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
    "\"type\":",
    "\"type\":\"\",",
    "null",
    "nul",
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "-0",
    "0.0000000000000000000000000000001",
    "NaN",
    "Infinity",
    "\u{0}",
    "\u{fffd}",
    "\u{feff}",
];

/// An edit of a document's bytes.
#[derive(Debug, Clone)]
enum ByteEdit {
    Truncate(prop::sample::Index),
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Splice(prop::sample::Index, &'static str),
    Remove(prop::sample::Index, usize),
    /// Repeats a stretch, as a duplicated member might be.
    Repeat(prop::sample::Index, usize, usize),
    /// Opens `count` arrays or objects at a position.
    Deep(prop::sample::Index, usize, bool),
}

fn byte_edit() -> BoxedStrategy<ByteEdit> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        2 => index().prop_map(ByteEdit::Truncate),
        3 => (index(), any::<u8>()).prop_map(|(at, b)| ByteEdit::Set(at, b)),
        2 => (index(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| ByteEdit::Insert(at, bytes)),
        4 => (index(), prop::sample::select(SPLICES)).prop_map(|(at, s)| ByteEdit::Splice(at, s)),
        2 => (index(), 1usize..32).prop_map(|(at, n)| ByteEdit::Remove(at, n)),
        2 => (index(), 1usize..64, 1usize..4).prop_map(|(at, n, times)| ByteEdit::Repeat(at, n, times)),
        1 => (index(), prop_oneof![1usize..200, 1_000usize..20_000], any::<bool>())
            .prop_map(|(at, count, list)| ByteEdit::Deep(at, count, list)),
    ]
    .boxed()
}

fn apply_bytes(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    let at = |index: &prop::sample::Index, len: usize| {
        if len == 0 { 0 } else { index.index(len + 1) }
    };
    match edit {
        ByteEdit::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        ByteEdit::Set(i, b) => {
            if !bytes.is_empty() {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
        }
        ByteEdit::Insert(i, new) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, new.iter().copied());
        }
        ByteEdit::Splice(i, text) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, text.bytes());
        }
        ByteEdit::Remove(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        ByteEdit::Repeat(i, n, times) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            let stretch = bytes[i..end].to_vec();
            for _ in 0..*times {
                bytes.splice(end..end, stretch.iter().copied());
            }
        }
        ByteEdit::Deep(i, count, list) => {
            let i = at(i, bytes.len());
            let open: &[u8] = if *list { b"[" } else { b"{\"type\":" };
            let deep: Vec<u8> = open
                .iter()
                .copied()
                .cycle()
                .take(open.len() * count)
                .collect();
            bytes.splice(i..i, deep);
        }
    }
}

/// What a decoder is given: a real document with edits, its bytes with
/// edits, arbitrary JSON, or arbitrary bytes.
#[derive(Debug, Clone)]
enum Input {
    Edited(prop::sample::Index, Vec<Edit>),
    Bytes(prop::sample::Index, Vec<ByteEdit>),
    Json(Value),
    Raw(Vec<u8>),
}

impl Input {
    fn bytes(&self, seeds: &[Value]) -> Vec<u8> {
        match self {
            Self::Edited(seed, edits) => {
                let mut value = seed.get(seeds).clone();
                for edit in edits {
                    apply(&mut value, edit);
                }
                serde_json::to_vec(&value).expect("JSON encodes")
            }
            Self::Bytes(seed, edits) => {
                let mut bytes = serde_json::to_vec(seed.get(seeds)).expect("JSON encodes");
                for edit in edits {
                    apply_bytes(&mut bytes, edit);
                }
                bytes
            }
            Self::Json(value) => serde_json::to_vec(value).expect("JSON encodes"),
            Self::Raw(bytes) => bytes.clone(),
        }
    }
}

fn edited(pool: &Arc<Vec<String>>) -> BoxedStrategy<Input> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(edit(pool), 1..5),
    )
        .prop_map(|(seed, edits)| Input::Edited(seed, edits))
        .boxed()
}

fn byte_edited() -> BoxedStrategy<Input> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(byte_edit(), 1..4),
    )
        .prop_map(|(seed, edits)| Input::Bytes(seed, edits))
        .boxed()
}

fn arbitrary(pool: &Arc<Vec<String>>) -> BoxedStrategy<Input> {
    prop_oneof![
        3 => any_json(pool).prop_map(Input::Json),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Input::Raw),
    ]
    .boxed()
}

/// Every input kind, weighted as the answers test weighs them.
fn any_input(pool: &Arc<Vec<String>>) -> BoxedStrategy<Input> {
    prop_oneof![
        6 => edited(pool),
        3 => byte_edited(),
        1 => arbitrary(pool),
    ]
    .boxed()
}

// ---------------------------------------------------------------------
// Real documents: what the sandbox answers.

struct Documents {
    /// Each 2xx answer to a `GET`, by operation id.
    answers: Vec<(&'static str, Value)>,
    /// The answers and the items of those that are lists.
    candidates: Vec<Value>,
    /// The answers, their items, and the objects in them: the seeds.
    pool: Vec<Value>,
    /// Problem documents the sandbox answered.
    problems: Vec<Value>,
    /// Every member name and short string value seen.
    words: Arc<Vec<String>>,
}

/// A runtime for one test's scripted servers and clients.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn documents() -> &'static Documents {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    DOCUMENTS.get_or_init(|| runtime().block_on(collect()))
}

async fn collect() -> Documents {
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let user = ApiUser::login(sandbox.base_url(), sandbox.credentials()).await;
    let mut seen: HashMap<String, (u16, Value)> = HashMap::new();
    let mut answers = Vec::new();
    for operation in operations::ALL.iter().filter(|o| o.method == "GET") {
        for path in expand(&user, operation.path, &mut seen).await {
            let (status, body) = get(&user, &path, &mut seen).await;
            if (200..300).contains(&status) && !body.is_null() {
                answers.push((operation.id, body));
            }
        }
    }
    // The token operations' answers: a login's pair, and a refresh's.
    let (api_key, api_secret) = sandbox.credentials();
    let http = reqwest::Client::new();
    let mut body = json!({"api_key": api_key, "api_secret": api_secret});
    for operation in [
        operations::AUTH_TOKEN_CREATE,
        operations::AUTH_TOKEN_REFRESH,
    ] {
        let pair: Value = http
            .post(format!("{}{}", sandbox.base_url(), operation.path))
            .json(&body)
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a token pair");
        body = json!({"refresh_token": pair["refresh_token"]});
        answers.push((operation.id, pair));
    }
    let mut problems = Vec::new();
    for (method, path, body) in [
        ("GET", "/contacts/no-such-contact", None),
        ("POST", "/contacts", Some(json!({}))),
        (
            "POST",
            "/network-service-configs",
            Some(json!({"type": "exchange_lan"})),
        ),
        ("POST", "/connections", Some(json!({"mode": 7}))),
        ("GET", "/connections?page_limit=-1", None),
    ] {
        let (status, problem) = user.call(method, path, body).await;
        if status >= 400 && problem.is_object() {
            problems.push(problem);
        }
    }
    let unauthenticated = reqwest::get(format!("{}/contacts", sandbox.base_url()))
        .await
        .expect("the sandbox answers");
    if let Ok(problem) = unauthenticated.json::<Value>().await {
        problems.push(problem);
    }

    let mut pool = Vec::new();
    let mut words = BTreeSet::new();
    for (_, answer) in &answers {
        gather(answer, &mut pool, &mut words);
    }
    for problem in &problems {
        gather(problem, &mut pool, &mut words);
    }
    let mut unique = BTreeSet::new();
    pool.retain(|value| unique.insert(value.to_string()));
    let mut candidates: Vec<Value> = answers
        .iter()
        .flat_map(|(_, answer)| {
            let items = answer.as_array().cloned().unwrap_or_default();
            std::iter::once(answer.clone()).chain(items)
        })
        .collect();
    let mut unique = BTreeSet::new();
    candidates.retain(|value| unique.insert(value.to_string()));
    Documents {
        answers,
        candidates,
        pool,
        problems,
        words: Arc::new(words.into_iter().collect()),
    }
}

/// `value`, and every array and object in it, into `pool`; its member
/// names and short strings into `words`.
fn gather(value: &Value, pool: &mut Vec<Value>, words: &mut BTreeSet<String>) {
    match value {
        Value::Array(items) => {
            pool.push(value.clone());
            items.iter().for_each(|item| gather(item, pool, words));
        }
        Value::Object(members) => {
            pool.push(value.clone());
            for (name, member) in members {
                words.insert(name.clone());
                gather(member, pool, words);
            }
        }
        Value::String(text) if text.len() <= 64 => {
            words.insert(text.clone());
        }
        _ => {}
    }
}

async fn get(user: &ApiUser, path: &str, seen: &mut HashMap<String, (u16, Value)>) -> (u16, Value) {
    if let Some(answer) = seen.get(path) {
        return answer.clone();
    }
    let answer = user.call("GET", path, None).await;
    seen.insert(path.to_string(), answer.clone());
    answer
}

/// The concrete paths of a path template: each `{parameter}` is an id the
/// list before it answers, or a name of what the object before it holds
/// (a statistics aggregate); at most two of each.
async fn expand(
    user: &ApiUser,
    template: &str,
    seen: &mut HashMap<String, (u16, Value)>,
) -> Vec<String> {
    let mut prefixes = vec![String::new()];
    for segment in template.split('/').skip(1) {
        let mut next = Vec::new();
        for prefix in prefixes {
            if !segment.starts_with('{') {
                next.push(format!("{prefix}/{segment}"));
                continue;
            }
            let (_, before) = get(user, &prefix, seen).await;
            let names: Vec<String> = match &before {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|item| item["id"].as_str().map(String::from))
                    .collect(),
                Value::Object(members) => members
                    .values()
                    .filter_map(Value::as_object)
                    .flat_map(|inner| inner.keys().cloned())
                    .collect(),
                _ => Vec::new(),
            };
            next.extend(names.iter().take(2).map(|name| format!("{prefix}/{name}")));
        }
        prefixes = next;
    }
    prefixes
}

// ---------------------------------------------------------------------
// The answer of every operation.

/// How an answer decodes, as the generated `send()` decodes it
/// (`serde_json::from_slice` of the body), then encodes again, as the
/// command line prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoded {
    Rejected,
    Read,
    /// Read, but not encoded again.
    Unwritable,
}

fn decode<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Decoded {
    match serde_json::from_slice::<T>(bytes) {
        Err(_) => Decoded::Rejected,
        Ok(answer) => match serde_json::to_vec(&answer) {
            Ok(_) => Decoded::Read,
            Err(_) => Decoded::Unwritable,
        },
    }
}

/// An operation whose answer is JSON, and its decoder.
struct Answer {
    operation: &'static str,
    decode: fn(&[u8]) -> Decoded,
}

fn answer_of<B: Call>(decode: fn(&[u8]) -> Decoded) -> Answer {
    Answer {
        operation: B::OPERATION,
        decode,
    }
}

fn bytes_answer<B: Call<Answer = ByteStream>>() -> &'static str {
    B::OPERATION
}

/// Each operation by its generated builder: those answering JSON, with the
/// decoder of their `Call::Answer`, and those answering bytes (LOAs),
/// which are not decoded. Listed from the generated `impl Call`s; the test
/// below checks the list against the spec's operations.
macro_rules! operations {
    (json: [$($json:ident),* $(,)?], bytes: [$($bytes:ident),* $(,)?] $(,)?) => {
        fn json_answers() -> Vec<Answer> {
            vec![$(
                answer_of::<builder::$json<'static>>(
                    decode::<<builder::$json<'static> as Call>::Answer>,
                ),
            )*]
        }

        fn byte_answers() -> Vec<&'static str> {
            vec![$(bytes_answer::<builder::$bytes<'static>>(),)*]
        }
    };
}

operations!(
    json: [
        AccountRead, AccountsList, AccountsCreate, AccountsRead, AccountsUpdate,
        AccountsDestroy, AccountsPartialUpdate, AuthTokenRefresh, AuthTokenCreate,
        AvailabilityZonesList, AvailabilityZonesRead, ConnectionsList, ConnectionsCreate,
        ConnectionsRead, ConnectionsUpdate, ConnectionsDestroy, ConnectionsPartialUpdate,
        ConnectionsCancellationPolicyRead, ConnectionsStatisticsRead,
        ConnectionsStatisticsTimeseriesRead, ContactsList, ContactsCreate, ContactsRead,
        ContactsUpdate, ContactsDestroy, ContactsPartialUpdate, DevicesList, DevicesRead,
        ApiExtensionsList, FacilitiesList, FacilitiesRead, ApiHealthRead,
        ApiImplementationRead, IpsList, IpsCreate, IpsRead, IpsUpdate, IpsPartialUpdate,
        MacsList, MacsCreate, MacsRead, MacsDestroy, MemberJoiningRulesList,
        MemberJoiningRulesCreate, MemberJoiningRulesRead, MemberJoiningRulesUpdate,
        MemberJoiningRulesDestroy, MemberJoiningRulesPartialUpdate, MetroAreaNetworksList,
        MetroAreaNetworksRead, MetroAreasList, MetroAreasRead, NetworkFeatureConfigsList,
        NetworkFeatureConfigsCreate, NetworkFeatureConfigsRead, NetworkFeatureConfigsUpdate,
        NetworkFeatureConfigsDestroy, NetworkFeatureConfigsPartialUpdate,
        NetworkFeaturesList, NetworkFeaturesRead, NetworkServiceConfigsList,
        NetworkServiceConfigsCreate, NetworkServiceConfigsRead, NetworkServiceConfigsUpdate,
        NetworkServiceConfigsDestroy, NetworkServiceConfigsPartialUpdate,
        NetworkServiceConfigCancellationPolicyRead, NetworkServiceConfigsPeerStatisticsRead,
        NetworkServiceConfigsPeerStatisticsTimeseriesRead,
        NetworkServiceConfigsStatisticsRead, NetworkServiceConfigsStatisticsTimeseriesRead,
        NetworkServicesList, NetworkServicesCreate, NetworkServicesRead,
        NetworkServicesUpdate, NetworkServicesDestroy, NetworkServicesPartialUpdate,
        NetworkServiceCancellationPolicyRead, NetworkServiceChangeRequestRead,
        NetworkServiceChangeRequestCreate, NetworkServiceChangeRequestDestroy,
        NetworkServicesStatisticsRttRead, NetworkServicesStatisticsRead,
        NetworkServicesStatisticsTimeseriesRead, PopsList, PopsRead, PortReservationsList,
        PortReservationsCreate, PortReservationsRead, PortReservationsUpdate,
        PortReservationsDestroy, PortReservationsPartialUpdate,
        PortReservationCancellationPolicyRead, PortsList, PortsRead, PortsStatisticsRead,
        PortsStatisticsTimeseriesRead, ProductOfferingsList, ProductOfferingsRead,
        RoleAssignmentsList, RoleAssignmentsCreate, RoleAssignmentsRead,
        RoleAssignmentsDestroy, RolesList, RolesRead, RoutingFunctionsList,
        RoutingFunctionsCreate, RoutingFunctionsRead, RoutingFunctionsDestroy,
        RoutingFunctionsPartialUpdate, RoutingFunctionsCancellationPolicyRead,
    ],
    bytes: [
        ConnectionsLoaDownload, ConnectionsLoaUpload, PortReservationsLoaDownload,
        PortReservationsLoaUpload,
    ],
);

#[test]
fn the_answers_tested_are_those_of_every_operation_once() {
    let listed: Vec<String> = json_answers()
        .iter()
        .map(|a| a.operation)
        .chain(byte_answers())
        .map(rust_name)
        .collect();
    let unique: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    assert_eq!(unique.len(), listed.len(), "an operation listed twice");
    let spec: Vec<String> = operations::ALL.iter().map(|o| rust_name(o.id)).collect();
    let spec: BTreeSet<&str> = spec.iter().map(String::as_str).collect();
    assert_eq!(
        unique, spec,
        "the operations! list differs from the spec's: add or remove builders"
    );
}

/// An operation id as the generated code names it: the spec's
/// `network-service-change-request_create` is the builder's
/// `network_service_change_request_create`.
fn rust_name(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[test]
fn the_answer_of_every_operation_decodes_without_panicking() {
    let documents = documents();
    let mut tally = Tally::new("answers of every operation");
    let mut unseeded = Vec::new();
    let mut fitting: HashMap<usize, Vec<Value>> = HashMap::new();
    for answer in json_answers() {
        // The real documents this answer reads: its own GET's, and any
        // other that happens to fit (a create answers what a read does).
        let mut seeds: Vec<Value> = documents
            .answers
            .iter()
            .filter(|(id, _)| rust_name(id) == rust_name(answer.operation))
            .map(|(_, body)| body.clone())
            .collect();
        // Operations answering the same type share one decoder.
        let fit = fitting.entry(answer.decode as usize).or_insert_with(|| {
            documents
                .candidates
                .iter()
                .filter(|candidate| {
                    (answer.decode)(&serde_json::to_vec(candidate).expect("JSON encodes"))
                        == Decoded::Read
                })
                .cloned()
                .collect()
        });
        seeds.extend(fit.iter().cloned());
        if seeds.is_empty() {
            unseeded.push(answer.operation);
            seeds = documents.pool.clone();
        }
        let mut runner = runner(answer.operation);
        let strategies = [
            (ANSWER_MUTATIONS, edited(&documents.words)),
            (ANSWER_BYTE_EDITS, byte_edited()),
            (ANSWER_ARBITRARY, arbitrary(&documents.words)),
        ];
        for (count, strategy) in strategies {
            for _ in 0..count {
                let input = draw(&mut runner, &strategy);
                let bytes = input.bytes(&seeds);
                let decoded = tally.check(
                    || format!("{} answering {}", answer.operation, shown(&bytes)),
                    || (answer.decode)(&bytes),
                );
                match decoded {
                    Some(Decoded::Read) => tally.note("read"),
                    Some(Decoded::Rejected) => tally.note("rejected"),
                    Some(Decoded::Unwritable) => tally.note("read but not written again"),
                    None => {}
                }
            }
        }
    }
    if !unseeded.is_empty() {
        eprintln!(
            "no real document fits the answer of {} operations, fed every document instead: {}",
            unseeded.len(),
            unseeded.join(", ")
        );
    }
    tally.finish();
}

// ---------------------------------------------------------------------
// Tagged unions, directly, through both of serde_json's deserializers.

fn union<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Decoded {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        // The sandbox and the client's errors decode from values.
        if let Ok(decoded) = serde_json::from_value::<T>(value) {
            let _ = serde_json::to_value(&decoded);
        }
    }
    decode::<T>(bytes)
}

macro_rules! unions {
    ($($name:ident),* $(,)?) => {
        fn unions() -> Vec<(&'static str, fn(&[u8]) -> Decoded)> {
            vec![$((stringify!($name), union::<types::$name> as fn(&[u8]) -> Decoded),)*]
        }
    };
}

unions!(
    MemberJoiningRule,
    MemberJoiningRuleRequest,
    MemberJoiningRuleUpdate,
    MemberJoiningRuleUpdatePartial,
    NetworkFeature,
    NetworkFeatureConfig,
    NetworkFeatureConfigRequest,
    NetworkFeatureConfigUpdate,
    NetworkFeatureConfigUpdatePartial,
    NetworkService,
    NetworkServiceConfig,
    NetworkServiceConfigRequest,
    NetworkServiceConfigUpdate,
    NetworkServiceConfigUpdatePartial,
    NetworkServiceRequest,
    NetworkServiceRequestPartial,
    ProductOffering,
    ProductOfferingPartial,
    SharedStatisticsConfig,
    VlanConfig,
);

/// An object written member by member, the tag where the input says: the
/// decoder holds what comes before the tag.
#[derive(Debug, Clone)]
struct Tagged {
    seed: prop::sample::Index,
    edits: Vec<Edit>,
    /// Where the tag goes among the members; `None` leaves it out.
    tag_at: Option<prop::sample::Index>,
    /// The tag's value.
    tag: Value,
    /// A second tag, after the first.
    again: Option<Value>,
}

impl Tagged {
    fn bytes(&self, seeds: &[Value]) -> Vec<u8> {
        let mut value = self.seed.get(seeds).clone();
        for edit in &self.edits {
            apply(&mut value, edit);
        }
        let Value::Object(mut members) = value else {
            return serde_json::to_vec(&value).expect("JSON encodes");
        };
        members.remove("type");
        let mut written: Vec<String> = members
            .iter()
            .map(|(name, member)| format!("{}:{member}", Value::from(name.as_str())))
            .collect();
        if let Some(at) = &self.tag_at {
            let at = at.index(written.len() + 1);
            written.insert(at, format!("\"type\":{}", self.tag));
            if let Some(again) = &self.again {
                written.push(format!("\"type\":{again}"));
            }
        }
        format!("{{{}}}", written.join(",")).into_bytes()
    }
}

#[test]
fn tagged_unions_decode_any_tag_without_panicking() {
    let documents = documents();
    let words = &documents.words;
    // Every tag the documents use, and any other value.
    let tags: Vec<String> = documents
        .pool
        .iter()
        .filter_map(|v| v["type"].as_str().map(String::from))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let tags = Arc::new(tags);
    let tag = prop_oneof![
        4 => any::<prop::sample::Index>().prop_map({
            let tags = tags.clone();
            move |i| Value::from(i.get(&tags).clone())
        }),
        2 => leaf(words),
        1 => any_json(words),
    ];
    let tagged = (
        any::<prop::sample::Index>(),
        prop::collection::vec(edit(words), 0..3),
        prop::option::weighted(0.9, any::<prop::sample::Index>()),
        tag.clone(),
        prop::option::weighted(0.1, tag),
    )
        .prop_map(|(seed, edits, tag_at, tag, again)| Tagged {
            seed,
            edits,
            tag_at,
            tag,
            again,
        });
    // The objects that carry a tag: every variant's shape.
    let seeds: Vec<Value> = documents
        .pool
        .iter()
        .filter(|v| v.get("type").is_some())
        .cloned()
        .collect();
    assert!(!seeds.is_empty(), "the sandbox answers tagged objects");
    let mut tally = Tally::new("tagged unions");
    for (name, decode) in unions() {
        let mut runner = runner(name);
        for i in 0..UNION_INPUTS {
            let bytes = if i % 5 == 4 {
                draw(&mut runner, &any_input(words)).bytes(&seeds)
            } else {
                draw(&mut runner, &tagged).bytes(&seeds)
            };
            let decoded = tally.check(|| format!("{name}: {}", shown(&bytes)), || decode(&bytes));
            match decoded {
                Some(Decoded::Read) => tally.note("read"),
                Some(Decoded::Rejected) => tally.note("rejected"),
                Some(Decoded::Unwritable) => tally.note("read but not written again"),
                None => {}
            }
        }
    }
    tally.finish();
}

#[test]
fn the_unions_tested_are_every_generated_union() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ix-api-types/src/generated.rs"
    );
    let generated = std::fs::read_to_string(path).expect("read the generated models");
    let marker = "impl crate::tagged::Union for ";
    let found: BTreeSet<&str> = generated
        .match_indices(marker)
        .filter_map(|(at, _)| generated[at + marker.len()..].split_whitespace().next())
        .collect();
    let listed: BTreeSet<&str> = unions().iter().map(|(name, _)| *name).collect();
    assert_eq!(
        listed, found,
        "the unions! list differs from the generated unions"
    );
}

// ---------------------------------------------------------------------
// Problem documents.

/// Everything the client does with a problem it read.
fn use_problem(problem: &types::ProblemResponse) {
    let _ = problem.kind();
    let _ = problem.declares_type();
    let _ = problem.reasons();
    let _ = problem.extension("properties");
    let _ = problem.to_string();
    let _ = format!("{problem:?}");
}

fn problem_seeds(documents: &Documents) -> Vec<Value> {
    let mut seeds = documents.problems.clone();
    seeds.extend([
        json!({"type": "about:blank", "title": "Not Found", "status": 404}),
        json!({"title": "Bad input", "status": "400", "detail": ["a", "b", null, 7]}),
        json!({
            "type": "https://errors.ix-api.net/v2/validation-error.html",
            "title": "Some fields did not validate.",
            "status": 400,
            "properties": [
                {"name": "billing_information", "reason": {"address": {"country": ["required"]}}},
                {"name": "vlan", "reason": "5000 is greater than 4094"},
                "loose",
                {"reason": null},
            ],
        }),
        json!({"properties": {"a": {"b": [null, {"c": 1}]}}, "instance": 5}),
    ]);
    seeds
}

#[test]
fn problem_documents_decode_without_panicking() {
    let documents = documents();
    let seeds = problem_seeds(documents);
    let strategy = any_input(&documents.words);
    let mut runner = runner("problem documents");
    let mut tally = Tally::new("problem documents");
    for _ in 0..PROBLEM_INPUTS {
        let bytes = draw(&mut runner, &strategy).bytes(&seeds);
        let read = tally.check(
            || shown(&bytes),
            || {
                let from_value = serde_json::from_slice::<Value>(&bytes)
                    .ok()
                    .and_then(|v| serde_json::from_value::<types::ProblemResponse>(v).ok());
                from_value.iter().for_each(use_problem);
                let problem = serde_json::from_slice::<types::ProblemResponse>(&bytes).ok();
                problem.iter().for_each(use_problem);
                problem.is_some()
            },
        );
        match read {
            Some(true) => tally.note("read"),
            Some(false) => tally.note("rejected"),
            None => {}
        }
    }
    tally.finish();
}

/// A scripted server whose every answer is the one set last, and the
/// requests it saw.
struct Answering {
    server: ScriptedServer,
    reply: Arc<Mutex<Reply>>,
}

impl Answering {
    async fn start() -> Self {
        let reply = Arc::new(Mutex::new(Reply::json(200, json!([]))));
        let answer = reply.clone();
        let server =
            ScriptedServer::start(move |_: &Recorded| answer.lock().unwrap().clone()).await;
        Self { server, reply }
    }

    fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }
}

const ERROR_STATUSES: &[u16] = &[
    400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 418, 422, 429, 451, 499, 500, 501, 502, 503,
    504, 599,
];

const MEDIA_TYPES: &[Option<&str>] = &[
    Some("application/problem+json"),
    Some("application/json"),
    Some("text/html; charset=utf-8"),
    Some("text/plain"),
    None,
];

#[test]
fn error_answers_read_by_the_client_without_panicking() {
    let documents = documents();
    let seeds = problem_seeds(documents);
    let strategy = (
        prop::sample::select(ERROR_STATUSES),
        prop::sample::select(MEDIA_TYPES),
        any_input(&documents.words),
    );
    let mut runner = runner("error answers");
    let mut tally = Tally::new("error answers read by the client");
    let runtime = runtime();
    runtime.block_on(async {
        let answering = Answering::start().await;
        let client = Client::with_access_token(&answering.server.base_url, BEARER_TOKEN);
        for _ in 0..ERROR_ANSWERS {
            let (status, media_type, input) = draw(&mut runner, &strategy);
            let body = input.bytes(&seeds);
            answering.set(Reply::raw(status, media_type, body.clone()));
            let report = || format!("{status} {media_type:?}: {}", shown(&body));
            let sender = client.clone();
            let sent = tokio::spawn(async move {
                let error = sender.contacts_list().send().await.err()?;
                if let Some(problem) = error.problem() {
                    use_problem(problem);
                }
                let _ = error.problem_kind();
                Some(error.to_string())
            })
            .await;
            tally.tried();
            match sent {
                Err(join) if join.is_panic() => tally.panicked(&*join.into_panic(), report()),
                Ok(None) => tally.note("no error"),
                _ => tally.note("send: an error"),
            }
            let caller = client.clone();
            let called = tokio::spawn(async move {
                let error = caller.contacts_list().call().await.err()?;
                Some((error.to_string(), format!("{error:?}")))
            })
            .await;
            tally.tried();
            match called {
                Err(join) if join.is_panic() => tally.panicked(&*join.into_panic(), report()),
                Ok(None) => tally.note("no error"),
                _ => tally.note("call: an error"),
            }
        }
    });
    tally.finish();
}

// ---------------------------------------------------------------------
// JWT claims.

/// A JWT-like token: segments of any kind, joined by dots.
#[derive(Debug, Clone)]
enum Segment {
    /// Claims with `exp` and `iat` of any JSON, base64url-encoded.
    Claims(Option<Value>, Option<Value>, Value),
    /// Any JSON, base64url-encoded.
    Json(Value),
    /// Any bytes, base64url-encoded.
    Bytes(Vec<u8>),
    /// Any text, not encoded.
    Text(String),
}

fn segment(pool: &Arc<Vec<String>>) -> BoxedStrategy<Segment> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let mut instants = awkward_numbers();
    instants.extend([
        json!(now),
        json!(now + 900),
        json!(now as f64 + 0.5),
        json!(-(now as i64)),
        json!("soon"),
        json!(now.to_string()),
        json!(null),
        json!([now]),
        json!({"exp": now}),
        json!(true),
    ]);
    let claim = prop_oneof![
        3 => prop::sample::select(instants),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        1 => leaf(pool),
    ];
    prop_oneof![
        6 => (
            prop::option::weighted(0.9, claim.clone()),
            prop::option::weighted(0.7, claim),
            any_json(pool),
        )
            .prop_map(|(exp, iat, extra)| Segment::Claims(exp, iat, extra)),
        1 => any_json(pool).prop_map(Segment::Json),
        1 => prop::collection::vec(any::<u8>(), 0..48).prop_map(Segment::Bytes),
        1 => any::<String>().prop_map(Segment::Text),
    ]
    .boxed()
}

fn encode(segment: &Segment, padded: bool) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    let engine = if padded { &URL_SAFE } else { &URL_SAFE_NO_PAD };
    match segment {
        Segment::Claims(exp, iat, extra) => {
            let mut claims = match extra {
                Value::Object(members) => members.clone(),
                other => Map::from_iter([("extra".to_string(), other.clone())]),
            };
            if let Some(exp) = exp {
                claims.insert("exp".into(), exp.clone());
            }
            if let Some(iat) = iat {
                claims.insert("iat".into(), iat.clone());
            }
            engine.encode(Value::Object(claims).to_string())
        }
        Segment::Json(value) => engine.encode(value.to_string()),
        Segment::Bytes(bytes) => engine.encode(bytes),
        Segment::Text(text) => text.clone(),
    }
}

fn token(pool: &Arc<Vec<String>>) -> BoxedStrategy<String> {
    // Mostly three segments, as a JWT has; any number up to five.
    let count = prop_oneof![6 => Just(3usize), 1 => Just(2usize), 1 => 1usize..6];
    let segment = segment(pool);
    (
        count.prop_flat_map(move |n| prop::collection::vec(segment.clone(), n)),
        any::<bool>(),
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
    )
        .prop_map(|(segments, padded, cut)| {
            let mut token = if segments.len() == 2 {
                // A header, the claims, no signature.
                format!("eyJhbGciOiJIUzI1NiJ9.{}.", encode(&segments[1], padded))
            } else {
                segments
                    .iter()
                    .map(|s| encode(s, padded))
                    .collect::<Vec<_>>()
                    .join(".")
            };
            if let Some(cut) = cut {
                let at = cut.index(token.len() + 1);
                if token.is_char_boundary(at) {
                    token.truncate(at);
                }
            }
            token
        })
        .boxed()
}

/// Everything read from a token's claims.
fn use_token(text: &str) {
    let access = AccessToken::from(text);
    let _ = access.expires_at();
    for margin in [Duration::ZERO, Duration::from_secs(30), Duration::MAX] {
        let _ = access.needs_renewal(margin);
    }
    let refresh = RefreshToken::from(text.to_string());
    let _ = refresh.expires_at();
    let _ = refresh.needs_renewal(Duration::from_secs(30));
}

#[test]
fn jwt_claims_are_read_without_panicking() {
    let documents = documents();
    let strategy = token(&documents.words);
    let mut runner = runner("jwt claims");
    let mut tally = Tally::new("JWT claims");
    for _ in 0..JWT_INPUTS {
        let text = draw(&mut runner, &strategy);
        let expires = tally.check(
            || text.clone(),
            || {
                use_token(&text);
                AccessToken::from(text.as_str()).expires_at().is_some()
            },
        );
        match expires {
            Some(true) => tally.note("with an expiry"),
            Some(false) => tally.note("without"),
            None => {}
        }
    }
    tally.finish();
}

#[test]
fn saved_token_pairs_resume_a_session_without_panicking() {
    let documents = documents();
    let strategy = (token(&documents.words), token(&documents.words));
    let mut runner = runner("saved pairs");
    let mut tally = Tally::new("saved token pairs");
    let runtime = runtime();
    runtime.block_on(async {
        // Renewals go to a server that refuses them.
        let answering = Answering::start().await;
        answering.set(Reply::problem(401, "authentication-error", "no"));
        let base_url = answering.server.base_url.clone();
        let http = http_client();
        for _ in 0..SESSION_TOKENS {
            let (access, refresh) = draw(&mut runner, &strategy);
            // A pair as saved to a file and read back: JSON.
            let saved = json!({"access_token": access, "refresh_token": refresh});
            let report = format!("{access} / {refresh}");
            let (base_url, http) = (base_url.clone(), http.clone());
            let resumed = tokio::spawn(async move {
                // Read as saved when it fits the spec's lengths; else built
                // from the text, as `AccessToken::from` builds a saved one.
                let pair =
                    serde_json::from_value::<TokenPair>(saved).unwrap_or_else(|_| TokenPair {
                        access_token: AccessToken::from(access.as_str()),
                        refresh_token: RefreshToken::from(refresh.as_str()),
                    });
                let session = Session::builder(base_url)
                    .http_client(http)
                    .tokens(pair)
                    .build()
                    .ok()?;
                let _ = session.renewal();
                let _ = session.tokens();
                Some(session.access_token().await.is_ok())
            })
            .await;
            tally.tried();
            match resumed {
                Err(join) if join.is_panic() => tally.panicked(&*join.into_panic(), report),
                Ok(Some(true)) => tally.note("served"),
                Ok(Some(false)) => tally.note("renewal refused"),
                _ => tally.note("no session"),
            }
        }
    });
    tally.finish();
}

#[test]
fn tokens_an_exchange_issues_are_read_without_panicking() {
    let documents = documents();
    let words = &documents.words;
    let pair_seed =
        |access: &str, refresh: &str| json!({"access_token": access, "refresh_token": refresh});
    let login_seeds = vec![
        pair_seed(
            &jwt("access", Duration::from_secs(900)),
            &jwt("refresh", Duration::from_secs(3600)),
        ),
        pair_seed("opaque", "opaque"),
    ];
    let login = (
        prop_oneof![
            8 => Just(201u16),
            1 => Just(200u16),
            1 => prop::sample::select(ERROR_STATUSES),
        ],
        prop_oneof![
            3 => (token(words), token(words)).prop_map(|(a, r)| Input::Json(json!({"access_token": a, "refresh_token": r}))),
            2 => any_input(words),
        ],
    );
    let grant_seeds = vec![
        json!({"access_token": jwt("access", Duration::from_secs(900)), "token_type": "Bearer", "expires_in": 900}),
        json!({"access_token": "opaque", "token_type": "bearer", "expires_in": "900"}),
        json!({"error": "invalid_client", "error_description": "no such client"}),
    ];
    let mut expires_in = awkward_numbers();
    expires_in.extend([
        json!("900"),
        json!(" 1e400 "),
        json!("-5"),
        json!("NaN"),
        json!("inf"),
        json!(null),
        json!([900]),
    ]);
    let grant = (
        prop_oneof![
            8 => Just(200u16),
            2 => prop::sample::select(ERROR_STATUSES),
        ],
        prop_oneof![
            3 => (token(words), prop::sample::select(vec!["Bearer", "bearer", "mac", ""]), prop::sample::select(expires_in))
                .prop_map(|(a, kind, expires)| Input::Json(json!({"access_token": a, "token_type": kind, "expires_in": expires}))),
            2 => any_input(words),
        ],
    );
    let mut runner = runner("issued tokens");
    let mut tally = Tally::new("tokens an exchange issues (login, OAuth2)");
    let runtime = runtime();
    runtime.block_on(async {
        let answering = Answering::start().await;
        let base_url = answering.server.base_url.clone();
        let http = http_client();
        let token_url = format!(
            "{}/oauth2/token",
            base_url
                .strip_suffix(operations_base())
                .expect("a base path")
        );
        for i in 0..LOGIN_ANSWERS + OAUTH2_GRANTS {
            let oauth2 = i >= LOGIN_ANSWERS;
            let (status, body) = if oauth2 {
                let (status, input) = draw(&mut runner, &grant);
                (status, input.bytes(&grant_seeds))
            } else {
                let (status, input) = draw(&mut runner, &login);
                (status, input.bytes(&login_seeds))
            };
            answering.set(Reply::raw(status, Some("application/json"), body.clone()));
            let (base_url, token_url, http) = (base_url.clone(), token_url.clone(), http.clone());
            let obtained = tokio::spawn(async move {
                let (key, secret) = ix_api_tests::demo_credentials();
                let builder = Session::builder(base_url).http_client(http);
                let builder = if oauth2 {
                    builder.oauth2(OAuth2::client_credentials(token_url, "client", "secret"))
                } else {
                    builder.credentials(key, secret)
                };
                let session = builder.build().ok()?;
                let first = session.access_token().await;
                if let Ok(token) = &first {
                    let _ = token.expires_at();
                    // Served again, or renewed by the same rule.
                    let _ = session.access_token().await;
                }
                if let Err(error) = &first {
                    let _ = error.to_string();
                }
                let _ = session.renewal();
                Some(first.is_ok())
            })
            .await;
            tally.tried();
            let what = if oauth2 { "OAuth2 grant" } else { "login" };
            match obtained {
                Err(join) if join.is_panic() => {
                    tally.panicked(
                        &*join.into_panic(),
                        format!("{what} {status}: {}", shown(&body)),
                    );
                }
                Ok(Some(true)) => tally.note(if oauth2 { "granted" } else { "logged in" }),
                _ => tally.note("refused"),
            }
        }
    });
    tally.finish();
}

/// One HTTP client for every session of a test, as a session's own is
/// (no redirects): building one per session would cost more than the
/// session's work.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn operations_base() -> &'static str {
    ix_api_client::spec::BASE_PATH
}

// ---------------------------------------------------------------------
// Pages.

/// One page a walk is answered with.
#[derive(Debug, Clone)]
struct Page {
    status: u16,
    /// Items of the real list by index (repeats allowed), or any input.
    body: Result<Vec<prop::sample::Index>, Input>,
}

#[test]
fn list_pages_are_walked_without_panicking() {
    let documents = documents();
    // The real items of the lists whose items are tagged unions.
    let list: Vec<Value> = documents
        .answers
        .iter()
        .filter(|(id, _)| *id == operations::NETWORK_SERVICES_LIST.id)
        .filter_map(|(_, body)| body.as_array().cloned())
        .flatten()
        .collect();
    assert!(!list.is_empty(), "the sandbox lists network services");
    let seeds = vec![Value::Array(list.clone())];
    let page = (
        prop_oneof![
            8 => Just(200u16),
            2 => Just(206u16),
            1 => prop::sample::select(ERROR_STATUSES),
        ],
        prop_oneof![
            3 => prop::collection::vec(any::<prop::sample::Index>(), 0..6).prop_map(Ok),
            2 => any_input(&documents.words).prop_map(Err),
        ],
    )
        .prop_map(|(status, body)| Page { status, body });
    let walk = (1u32..6, prop::collection::vec(page, 1..8));
    let mut runner = runner("pages");
    let mut tally = Tally::new("list pages");
    let runtime = runtime();
    runtime.block_on(async {
        let pages: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let script = pages.clone();
        let server = ScriptedServer::start(move |_: &Recorded| {
            script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| Reply::json(200, json!([])))
        })
        .await;
        let client = Client::with_access_token(&server.base_url, BEARER_TOKEN);
        for _ in 0..PAGE_WALKS {
            let (limit, script) = draw(&mut runner, &walk);
            let replies: VecDeque<Reply> = script
                .iter()
                .map(|page| {
                    let body = match &page.body {
                        Ok(items) => serde_json::to_vec(
                            &items
                                .iter()
                                .map(|i| i.get(&list).clone())
                                .collect::<Vec<_>>(),
                        )
                        .expect("JSON encodes"),
                        Err(input) => input.bytes(&seeds),
                    };
                    Reply::raw(page.status, Some("application/json"), body)
                })
                .collect();
            let report = format!("limit {limit}: {replies:?}");
            *pages.lock().unwrap() = replies;
            let walker = client.clone();
            let walked = tokio::spawn(async move {
                let limit = NonZeroU32::new(limit).expect("not zero");
                // A server may list forever; a walk is cut off.
                walker
                    .network_services_list()
                    .pages(limit)
                    .take(64)
                    .map(|item| item.map(|service| serde_json::to_vec(&service).is_ok()))
                    .collect::<Vec<_>>()
                    .await
            })
            .await;
            tally.tried();
            match walked {
                Err(join) if join.is_panic() => tally.panicked(&*join.into_panic(), report),
                Ok(items) if items.iter().any(Result::is_err) => tally.note("ended by an error"),
                _ => tally.note("walked"),
            }
        }
    });
    tally.finish();
}
