//! The fields of `ix-api api`, as `gh api` takes them: `-f key=value` (a
//! string) and `-F key=value` (`true`, `false`, `null` and integers typed,
//! `@file` read from a file, `@-` from standard input). A GET or HEAD sends
//! them as the query; any other method as members of the JSON body, with
//! `key[sub]=v` for an object's member and `key[]=v` for an array's item.

use std::io::Read;
use std::path::Path;

use clap::ArgMatches;
use serde_json::{Map, Value};

use crate::Failure;

/// One `-f` or `-F`, its value typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// As written: `name`, `port[speed]`, `ids[]`.
    pub key: String,
    pub value: Value,
}

/// The `-f` and `-F` of the command line, in the order they were given;
/// at most one of them reads standard input.
pub fn given(arguments: &ArgMatches) -> Result<Vec<Field>, Failure> {
    let mut placed = Vec::new();
    for (id, typed) in [("raw-field", false), ("field", true)] {
        let (Some(values), Some(indices)) =
            (arguments.get_many::<String>(id), arguments.indices_of(id))
        else {
            continue;
        };
        placed.extend(indices.zip(values.map(|v| (v.as_str(), typed))));
    }
    placed.sort_by_key(|(index, _)| *index);
    let mut stdin_read = false;
    placed
        .into_iter()
        .map(|(_, (text, typed))| parse(text, typed, &mut stdin_read))
        .collect()
}

/// `key=value`, typed (`-F`) or not (`-f`).
fn parse(text: &str, typed: bool, stdin_read: &mut bool) -> Result<Field, Failure> {
    let flag = if typed { "-F" } else { "-f" };
    let (key, raw) = text
        .split_once('=')
        .filter(|(key, _)| !key.is_empty())
        .ok_or_else(|| Failure::usage(format!("{flag} {text:?}: give key=value")))?;
    let value = if !typed {
        Value::String(raw.to_string())
    } else if let Some(file) = raw.strip_prefix('@') {
        Value::String(
            read(file, stdin_read)
                .map_err(|e| Failure::usage(format!("{flag} {key}: cannot read {file}: {e}")))?,
        )
    } else {
        match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => raw
                .parse::<i64>()
                .map_or_else(|_| Value::String(raw.to_string()), Value::from),
        }
    };
    Ok(Field {
        key: key.to_string(),
        value,
    })
}

/// A file's text, or standard input's for `-` (once: it has no more).
fn read(file: &str, stdin_read: &mut bool) -> std::io::Result<String> {
    if file != "-" {
        return std::fs::read_to_string(Path::new(file));
    }
    if std::mem::replace(stdin_read, true) {
        return Err(std::io::Error::other(
            "standard input was read already, by another @-",
        ));
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

/// The fields as query parameters: the key as written, the value as text
/// (`null` is empty).
pub fn query(fields: &[Field]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|field| {
            let value = match &field.value {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (field.key.clone(), value)
        })
        .collect()
}

/// `body` (the `--json`, else `{}`) with the fields set in it, the fields
/// winning.
pub fn body(body: Option<Value>, fields: &[Field]) -> Result<Value, Failure> {
    let mut body = match body {
        None => Value::Object(Map::new()),
        Some(object @ Value::Object(_)) => object,
        Some(_) => {
            return Err(Failure::usage(
                "-f and -F set members of a JSON object, and the --json body is no object",
            ));
        }
    };
    for field in fields {
        let steps = steps(&field.key)?;
        put(&mut body, &steps, field.value.clone())
            .map_err(|why| Failure::usage(format!("-f/-F {}: {why}", field.key)))?;
    }
    Ok(body)
}

/// One step down a key: `[name]` (or the leading `name`), or `[]`.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Member(&'a str),
    Append,
}

/// `port[speed][]` as `port`, `speed`, append.
fn steps(key: &str) -> Result<Vec<Step<'_>>, Failure> {
    let malformed = || {
        Failure::usage(format!(
            "-f/-F {key}: a key is name, name[member] or name[] (nested as deep as need be)"
        ))
    };
    let (first, mut rest) = key.split_at(key.find('[').unwrap_or(key.len()));
    if first.is_empty() || first.contains(']') {
        return Err(malformed());
    }
    let mut steps = vec![Step::Member(first)];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(malformed)?;
        let end = inner.find(']').ok_or_else(malformed)?;
        steps.push(match &inner[..end] {
            "" => Step::Append,
            name => Step::Member(name),
        });
        rest = &inner[end + 1..];
    }
    Ok(steps)
}

/// Sets `value` at `steps` below `target`, making the objects and arrays
/// on the way. After `[]`, a member goes into the array's last object
/// unless that already has it; then it starts a new object (as `gh api`
/// does, for arrays of objects).
fn put(target: &mut Value, steps: &[Step<'_>], value: Value) -> Result<(), String> {
    let Some((step, rest)) = steps.split_first() else {
        *target = value;
        return Ok(());
    };
    match step {
        Step::Member(name) => {
            if target.is_null() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(object) = target else {
                return Err(format!("{name} is set below a value that is no object"));
            };
            let below = object.entry(name.to_string()).or_insert(Value::Null);
            if rest.is_empty() {
                *below = value;
                Ok(())
            } else {
                put(below, rest, value)
            }
        }
        Step::Append => {
            if target.is_null() {
                *target = Value::Array(Vec::new());
            }
            let Value::Array(items) = target else {
                return Err("[] appends to a value that is no array".into());
            };
            let into_last = match rest.first() {
                Some(Step::Member(name)) => items
                    .last()
                    .and_then(Value::as_object)
                    .is_some_and(|last| !last.contains_key(*name)),
                _ => false,
            };
            if !into_last {
                items.push(Value::Null);
            }
            let last = items.last_mut().ok_or("no item to set")?;
            put(last, rest, value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(key: &str, value: Value) -> Field {
        Field {
            key: key.into(),
            value,
        }
    }

    #[test]
    fn typed_values_are_typed_and_raw_ones_are_strings() {
        let mut stdin_read = false;
        let typed = |text| parse(text, true, &mut false).unwrap().value;
        assert_eq!(typed("a=true"), json!(true));
        assert_eq!(typed("a=false"), json!(false));
        assert_eq!(typed("a=null"), json!(null));
        assert_eq!(typed("a=-42"), json!(-42));
        assert_eq!(typed("a=4.2"), json!("4.2"));
        assert_eq!(typed("a=x=y"), json!("x=y"));
        let raw = parse("a=true", false, &mut stdin_read).unwrap();
        assert_eq!(raw, field("a", json!("true")));
        assert!(parse("=x", true, &mut stdin_read).is_err());
        assert!(parse("novalue", false, &mut stdin_read).is_err());
    }

    #[test]
    fn nested_keys_build_objects_and_arrays_as_gh_does() {
        let fields = [
            field("name", json!("n")),
            field("port[speed]", json!(10000)),
            field("ids[]", json!("1")),
            field("ids[]", json!("2")),
            field("props[][name]", json!("a")),
            field("props[][value]", json!(1)),
            field("props[][name]", json!("b")),
            field("keep", json!("flag wins")),
        ];
        let merged = body(Some(json!({"keep": "json", "other": 1})), &fields).unwrap();
        assert_eq!(
            merged,
            json!({
                "name": "n",
                "port": {"speed": 10000},
                "ids": ["1", "2"],
                "props": [{"name": "a", "value": 1}, {"name": "b"}],
                "keep": "flag wins",
                "other": 1,
            })
        );
        assert!(body(Some(json!([1])), &fields).is_err());
        assert!(
            body(
                None,
                &[field("name", json!("x")), field("name[a]", json!(1))]
            )
            .is_err()
        );
        assert!(steps("a[b").is_err());
        assert!(steps("[b]").is_err());
        assert!(steps("a]b").is_err());
    }

    #[test]
    fn the_query_keeps_keys_as_written() {
        let fields = [
            field("state", json!("production")),
            field("id", json!("1,2")),
            field("billable", json!(7)),
            field("empty", json!(null)),
        ];
        assert_eq!(
            query(&fields),
            [
                ("state", "production"),
                ("id", "1,2"),
                ("billable", "7"),
                ("empty", "")
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }
}
