//! What the generated subcommands read: request bodies from `--json FILE`
//! (or `-` for standard input), and lists as `--id a,b,c`.

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

/// The text of `path`, or of standard input for `-`.
pub fn read_body(path: &Path) -> std::io::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

/// The id of the object an operation is on: `--id ID`, or the first
/// positional argument (`ix-api connections read 58`); clap has made sure
/// there is one at most. `None` for an operation on no object.
pub fn object_id(matches: &clap::ArgMatches) -> Option<&String> {
    let named = |name: &str| matches.try_get_one::<String>(name).ok().flatten();
    named("id").or_else(|| named("object-id"))
}

/// Whether `text` is a placeholder of a `--template` skeleton
/// (`"<required: string>"`, `"<optional: integer, at least 1>"`), which
/// must be replaced by a value before the body is sent.
pub fn is_placeholder(text: &str) -> bool {
    (text.starts_with("<required: ") || text.starts_with("<optional: ")) && text.ends_with('>')
}

/// Where `value` still holds a placeholder: `mode`, `vlan_config.vlan`,
/// `asns[0]`.
fn placeholders(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::String(text) if is_placeholder(text) => found.push(at.to_string()),
        Value::Object(members) => {
            for (name, member) in members {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                placeholders(member, &path, found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                placeholders(item, &format!("{at}[{index}]"), found);
            }
        }
        _ => {}
    }
}

/// A list parameter, given as one comma-separated value (as IX-API sends
/// it: `id=a,b,c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List(pub Vec<String>);

impl std::str::FromStr for List {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(String::from)
                .collect(),
        ))
    }
}

impl From<List> for Vec<String> {
    fn from(list: List) -> Self {
        list.0
    }
}

/// The most a raw body (a letter of authorisation) may be.
pub const MAX_RAW_BODY: u64 = 10 << 20;

/// The raw body of `--file FILE`, or standard input for `--file -`.
pub fn read_bytes(matches: &clap::ArgMatches) -> anyhow::Result<Vec<u8>> {
    let path = matches
        .get_one::<std::path::PathBuf>("file")
        .ok_or_else(|| {
            anyhow::anyhow!("which file? Give --file FILE, or --file - for standard input")
        })?;
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_RAW_BODY + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_RAW_BODY + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_RAW_BODY {
        anyhow::bail!("{} is larger than 10 MiB", path.display());
    }
    Ok(bytes)
}

/// The body of an operation: the object of `--json` (if given), with the
/// members given as flags on top (the flags win, as `gh api -f` does). A
/// member the body does not know is refused by name, and the required
/// members that are missing are listed all at once with their types,
/// before anything is sent (exit 2).
///
/// The body's members, their types and which are required come from the
/// body type's JSON schema, generated from the spec with the client.
pub fn body<T>(matches: &clap::ArgMatches) -> anyhow::Result<T>
where
    T: serde::de::DeserializeOwned + schemars::JsonSchema,
{
    let usage = |message: String| anyhow::Error::new(crate::Failure::usage(message));
    let schema = serde_json::to_value(schemars::schema_for!(T))
        .map_err(|e| usage(format!("the body's schema: {e}")))?;
    let mut object = match matches.get_one::<std::path::PathBuf>("json") {
        Some(file) => {
            let text = read_body(file)
                .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(object)) => object,
                Ok(_) => return Err(usage(format!("{} is not a JSON object", file.display()))),
                Err(e) => return Err(usage(format!("{} is not JSON: {e}", file.display()))),
            }
        }
        None => Map::new(),
    };
    let shapes = Shapes::of(&schema);
    // Flags first: they may name the variant (`type`) of a polymorphic body.
    let flags: Vec<(String, String)> = matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|id| {
            let member = id.as_str().replace('-', "_");
            let raw = matches.get_raw(id.as_str())?.next()?;
            Some((member, raw.to_string_lossy().into_owned()))
        })
        .collect();
    for (member, raw) in &flags {
        if let Some(property) = shapes.iter().find_map(|shape| shape.properties.get(member)) {
            object.insert(member.clone(), typed(raw, &resolve(&schema, property)));
        }
    }
    // A skeleton of `--template` filled in part (flags may fill the rest):
    // its placeholders would go out as strings.
    let mut left = Vec::new();
    placeholders(&Value::Object(object.clone()), "", &mut left);
    if !left.is_empty() {
        return Err(usage(format!(
            "the body still holds --template placeholders at {}; replace each with a value, or remove the optional ones",
            left.join(", ")
        )));
    }
    let Some(shape) = shapes.choose(&object) else {
        // A polymorphic body whose variant is not told: the decoding says.
        return serde_json::from_value(Value::Object(object))
            .map_err(|e| usage(format!("the body does not fit the operation: {e}")));
    };
    let unknown: Vec<&str> = object
        .keys()
        .filter(|member| !shape.properties.contains_key(*member))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = shape.properties.keys().map(String::as_str).collect();
        return Err(usage(format!(
            "the body has no member {}; it takes {}",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    let missing: Vec<String> = shape
        .required
        .iter()
        .filter(|member| !object.contains_key(*member))
        .map(|member| {
            let kind = shape
                .properties
                .get(member)
                .map(|property| describe(&resolve(&schema, property)))
                .unwrap_or_else(|| "any".into());
            format!("{member} ({kind})")
        })
        .collect();
    if !missing.is_empty() {
        return Err(usage(format!(
            "the body lacks required members: {}; give them in --json, or as flags where --help lists one",
            missing.join(", ")
        )));
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|e| usage(format!("the body does not fit the operation: {e}")))
}

use clap::parser::ValueSource;
use serde_json::{Map, Value};

/// One object shape of a body's schema: its members and the required ones.
struct Shape {
    properties: Map<String, Value>,
    required: Vec<String>,
}

struct Shapes(Vec<Shape>);

impl Shapes {
    /// The object shapes of a root schema: itself, or each variant of a
    /// `oneOf`/`anyOf` (a polymorphic body).
    fn of(root: &Value) -> Self {
        let mut shapes = Vec::new();
        collect(root, root, &mut shapes, 0);
        Self(shapes)
    }

    fn iter(&self) -> impl Iterator<Item = &Shape> {
        self.0.iter()
    }

    /// The shape `object` is meant to have: the only one, or the variant
    /// whose `type` admits the object's `type`.
    fn choose(&self, object: &Map<String, Value>) -> Option<&Shape> {
        if let [only] = self.0.as_slice() {
            return Some(only);
        }
        let kind = object.get("type")?;
        let mut fitting = self.0.iter().filter(|shape| {
            shape
                .properties
                .get("type")
                .is_some_and(|property| enum_values(property).contains(kind))
        });
        match (fitting.next(), fitting.next()) {
            (Some(shape), None) => Some(shape),
            _ => None,
        }
    }
}

fn collect(root: &Value, schema: &Value, shapes: &mut Vec<Shape>, depth: usize) {
    if depth > 8 {
        return;
    }
    let schema = resolve(root, schema);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let properties = properties
            .iter()
            .map(|(name, property)| (name.clone(), resolve(root, property)))
            .collect();
        shapes.push(Shape {
            properties,
            required,
        });
        return;
    }
    for variants in ["oneOf", "anyOf", "allOf"] {
        for variant in schema
            .get(variants)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(root, variant, shapes, depth + 1);
        }
    }
}

/// `schema`, with a `$ref` (to the root's definitions) followed, and a
/// single `allOf` (schemars' way of adding a description) unwrapped.
fn resolve(root: &Value, schema: &Value) -> Value {
    let mut schema = schema.clone();
    for _ in 0..8 {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            match root.get("definitions").and_then(|d| d.get(name)) {
                Some(found) => schema = found.clone(),
                None => break,
            }
        } else if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            schema = only.clone();
        } else {
            break;
        }
    }
    schema
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A flag's text as the member's JSON (clap has checked it already).
fn typed(raw: &str, schema: &Value) -> Value {
    let kinds = types(schema);
    let parsed = if kinds.contains(&"integer") || kinds.contains(&"number") {
        serde_json::from_str::<serde_json::Number>(raw)
            .ok()
            .map(Value::Number)
    } else if kinds.contains(&"boolean") {
        raw.parse::<bool>().ok().map(Value::Bool)
    } else if kinds.contains(&"array") {
        Some(Value::Array(
            List::from_str(raw)
                .map(|list| list.0.into_iter().map(Value::String).collect())
                .unwrap_or_default(),
        ))
    } else {
        None
    };
    parsed.unwrap_or_else(|| Value::String(raw.to_string()))
}

/// A member's type in a few words: `string`, `integer`,
/// `one of lag_lacp, standalone`, `object`.
fn describe(schema: &Value) -> String {
    let values = enum_values(schema);
    if !values.is_empty() {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
            .collect();
        return format!("one of {}", values.join(", "));
    }
    let kinds: Vec<&str> = types(schema)
        .into_iter()
        .filter(|kind| *kind != "null")
        .collect();
    if kinds.is_empty() {
        "any".into()
    } else {
        kinds.join(" or ")
    }
}

/// The values an enum admits: its `enum`, or its variants' (schemars
/// writes a documented enum as `oneOf` of one-value enums or `const`s).
pub fn enum_values(schema: &Value) -> Vec<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.clone();
    }
    if let Some(value) = schema.get("const") {
        return vec![value.clone()];
    }
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .flat_map(enum_values)
        .collect()
}
