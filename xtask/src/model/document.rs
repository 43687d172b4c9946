//! Reading OpenAPI documents (YAML or JSON) into JSON values, and from there
//! into `openapiv3` types, with errors that name the file and the JSON pointer
//! of the problem.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A pass or a reading of the document failed: `pointer` locates the node
/// it could not handle.
#[derive(Debug, PartialEq)]
pub struct PassError {
    pub pointer: String,
    pub message: String,
}

impl PassError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A problem in a document, located by file and JSON pointer.
#[derive(Debug, thiserror::Error)]
pub struct DocumentError {
    pub file: PathBuf,
    /// JSON pointer (RFC 6901) of the offending node; empty for the whole file.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: {}: {}",
                self.file.display(),
                self.pointer,
                self.message
            )
        }
    }
}

impl DocumentError {
    pub fn new(file: &Path, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// Reads a YAML (or JSON, which is YAML) document into a JSON value.
pub fn load(file: &Path) -> Result<Value, DocumentError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| DocumentError::new(file, "", format!("cannot read the document: {e}")))?;
    parse(file, &text)
}

/// Parses YAML text; `file` only names the source in errors.
pub fn parse(file: &Path, text: &str) -> Result<Value, DocumentError> {
    serde_norway::from_str(text)
        .map_err(|e| DocumentError::new(file, "", format!("not a valid YAML document: {e}")))
}

/// Converts a JSON value into an OpenAPI document, naming the pointer of the
/// deepest node that does not fit the OpenAPI 3.0 model.
pub fn to_openapi(file: &Path, value: Value) -> Result<openapiv3::OpenAPI, DocumentError> {
    // Every openapiv3 struct flattens its `x-` extensions, which hides the
    // path of an error from serde; `locate` finds it by trying the parts.
    let located = locate(&value);
    serde_path_to_error::deserialize(value).map_err(|e| match located {
        Some((pointer, message)) => DocumentError::new(file, pointer, message),
        None => DocumentError::new(file, pointer_of(e.path()), e.inner().to_string()),
    })
}

fn fits<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), String> {
    T::deserialize(value).map(drop).map_err(|e| e.to_string())
}

type Check = fn(&Value) -> Result<(), String>;

/// The deepest part of `doc` that does not deserialize as what it should be.
fn locate(doc: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Operation, Parameter, ReferenceOr, RequestBody, Response, Responses, Schema, SecurityScheme,
    };
    let operation_parts: &[(&str, Check)] = &[
        ("requestBody", fits::<ReferenceOr<RequestBody>>),
        ("responses", fits::<Responses>),
        ("security", fits::<Vec<openapiv3::SecurityRequirement>>),
    ];
    let components: &[(&str, Check)] = &[
        ("schemas", fits::<ReferenceOr<Schema>>),
        ("responses", fits::<ReferenceOr<Response>>),
        ("parameters", fits::<ReferenceOr<Parameter>>),
        ("requestBodies", fits::<ReferenceOr<RequestBody>>),
        ("securitySchemes", fits::<ReferenceOr<SecurityScheme>>),
    ];
    for operation in crate::model::walk::operations(doc) {
        let pointer = operation.pointer();
        let operation = operation.value;
        let Err(message) = fits::<Operation>(operation) else {
            continue;
        };
        for (part, check) in operation_parts {
            let Some(value) = operation.get(*part) else {
                continue;
            };
            if let Err(message) = check(value) {
                let part_pointer = join(&pointer, part);
                if *part == "responses" {
                    for (status, response) in value.as_object().into_iter().flatten() {
                        if let Err(message) = fits::<ReferenceOr<Response>>(response) {
                            return Some((join(&part_pointer, status), message));
                        }
                    }
                }
                return Some((part_pointer, message));
            }
        }
        for (index, parameter) in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Err(message) = fits::<ReferenceOr<Parameter>>(parameter) {
                return Some((
                    join(&join(&pointer, "parameters"), &index.to_string()),
                    message,
                ));
            }
        }
        return Some((pointer, message));
    }
    for (kind, check) in components {
        for (name, value) in crate::model::walk::components(doc, kind) {
            if let Err(message) = check(value) {
                return Some((join(&join("/components", kind), name), message));
            }
        }
    }
    None
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .map(|token| format!("/{}", escape(&token)))
        .collect()
}

/// Escapes one JSON pointer reference token (RFC 6901, section 3).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one reference token to a JSON pointer.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_errors_name_the_pointer() {
        let file = Path::new("spec/ix-api.yaml");
        let doc = parse(
            file,
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /auth/token:\n    post:\n      requestBody: 42\n      responses: {}\n",
        )
        .unwrap();
        let err = to_openapi(file, doc).unwrap_err().to_string();
        assert!(
            err.starts_with("spec/ix-api.yaml: /paths/~1auth~1token/post/requestBody"),
            "{err}"
        );
    }

    #[test]
    fn yaml_errors_name_the_file() {
        let err = parse(Path::new("x.yaml"), "a: [").unwrap_err().to_string();
        assert!(
            err.starts_with("x.yaml: not a valid YAML document"),
            "{err}"
        );
    }
}
