//! Facts of the spec that progenitor does not carry into code, emitted as
//! the `spec` module of the generated file: the base path, each operation's
//! method, path and authentication, the constraints of the credential
//! fields, and the problem `type` URIs behind `ProblemKind`.
//!
//! The hand-written layers read these instead of repeating a spec value, so
//! a change in `spec/` shows up in `cargo xtask codegen --check` and, once
//! regenerated, in what the client and the sandbox enforce.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::codegen::normalize::{LIFTED_PROPERTIES, PassError};
use crate::model::document::join;
use crate::model::{Kind, Model, Operation, walk};

pub use crate::model::ANSWER_2_1;

/// The `spec` module for the document `raw` (as written) and `normalized`
/// (after the normalization passes, which name the credential components).
pub fn emit(raw: &Value, normalized: &Value, model: &Model) -> Result<TokenStream, PassError> {
    let base_path = base_path(raw)?;
    let Some(version) = raw.pointer("/info/version").and_then(Value::as_str) else {
        return Err(PassError::new(
            "/info/version",
            "the spec must say its version",
        ));
    };
    let operations = operations(model)?;
    let kinds = Kind::ALL.iter().map(|kind| {
        let (name, doc) = (ident(kind.variant()), format!(" {}", kind.doc()));
        quote!(#[doc = #doc] #name,)
    });
    let constraints = constraints(normalized)?;
    let problems = problem_kinds(raw)?;
    Ok(quote! {
        /// Facts of `spec/ix-api.yaml` that the hand-written layers read
        /// rather than repeat: the base path, the operations, the credential
        /// constraints and the documented problem types.
        pub mod spec {
            /// The path below the server's origin that every operation's path
            /// is relative to (the spec's `servers[0].url`).
            pub const BASE_PATH: &str = #base_path;

            /// The IX-API schema version the spec describes (`info.version`).
            pub const SCHEMA_VERSION: &str = #version;

            /// An IX-API operation as the spec declares it.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct Operation {
                /// The `operationId`.
                pub id: &'static str,
                /// The HTTP method, upper case.
                pub method: &'static str,
                /// The path template below [`BASE_PATH`].
                pub path: &'static str,
                /// What it does: list, create, read, update, partial
                /// update, destroy, or something else.
                pub kind: Kind,
                /// Whether the operation needs `Authorization: Bearer <access_token>`:
                /// false for the operations the spec exempts from its security
                /// requirement (the token operations).
                pub bearer: bool,
                /// The media type of the request body, as the spec declares
                /// it (`application/merge-patch+json` for the PATCHes).
                pub request_body: Option<&'static str>,
                /// The query parameters whose lists go out as one
                /// comma-separated value (`id=a,b,c`: `style: form`,
                /// `explode: false`).
                pub comma_separated: &'static [&'static str],
                /// The HTTP statuses the operation documents, as ascending
                /// inclusive ranges (`(200, 200)`; `(200, 299)` for `2XX`).
                pub answers: &'static [(u16, u16)],
                /// The operation answers one object, which IX-API 2.1
                /// servers send as a one-element list (`x-answer-2.1`): the
                /// client reads either.
                pub one_object_listed_by_2_1: bool,
            }

            /// What an operation does, in IX-API's words.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Kind {
                #(#kinds)*
            }

            #operations

            /// Length limits on a string, in characters (as JSON Schema counts).
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct StringConstraints {
                /// `minLength`, if the spec sets one.
                pub min_length: Option<usize>,
                /// `maxLength`, if the spec sets one.
                pub max_length: Option<usize>,
            }

            #constraints

            #problems
        }
    })
}

fn base_path(doc: &Value) -> Result<String, PassError> {
    let pointer = "/servers/0/url";
    let Some(url) = doc.pointer(pointer).and_then(Value::as_str) else {
        return Err(PassError::new(
            "/servers",
            "the spec must name its server URL, whose path every operation is below",
        ));
    };
    // `https://host/api/v2` or `/api/v2`: only the path matters.
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => url,
    };
    if !path.is_empty() && !path.starts_with('/') {
        return Err(PassError::new(pointer, "must be a URL or an absolute path"));
    }
    Ok(path.trim_end_matches('/').to_string())
}

fn operations(model: &Model) -> Result<TokenStream, PassError> {
    let mut found: Vec<&Operation> = model.operations.iter().collect();
    found.sort_by_key(|operation| operation.id);
    let mut constants = Vec::new();
    let mut arms = Vec::new();
    let mut all = Vec::new();
    let mut names = BTreeSet::new();
    for operation in found {
        let id = operation.id;
        let method = operation.written.method.to_uppercase();
        let path = operation.written.path;
        let bearer = operation.bearer;
        let lists = &operation.comma_separated;
        let answers = &operation.statuses;
        let listed_by_2_1 = operation.listed_by_2_1;
        let kind = ident(operation.kind.variant());
        // `network-service-change-request_create` → NETWORK_SERVICE_CHANGE_REQUEST_CREATE
        let name: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) || !names.insert(name.clone()) {
            return Err(PassError::new(
                "/paths",
                format!("operationId `{id}` gives no constant name of its own"),
            ));
        }
        let name = ident(&name);
        let doc = format!(" `{method} {path}`");
        let body = match &operation.body_media {
            Some(media_type) => quote!(Some(#media_type)),
            None => quote!(None),
        };
        let answers_low = answers.iter().map(|(low, _)| low);
        let answers_high = answers.iter().map(|(_, high)| high);
        constants.push(quote! {
            #[doc = #doc]
            pub const #name: super::Operation = super::Operation {
                id: #id,
                method: #method,
                path: #path,
                kind: super::Kind::#kind,
                bearer: #bearer,
                request_body: #body,
                comma_separated: &[#(#lists),*],
                answers: &[#((#answers_low, #answers_high)),*],
                one_object_listed_by_2_1: #listed_by_2_1,
            };
        });
        // Progenitor names an operation's builder and its `OperationInfo`
        // with the id made an identifier (`network-service-change-request_create`
        // becomes `network_service_change_request_create`): both find it.
        let rust_id = id.replace('-', "_");
        if rust_id == id {
            arms.push(quote!(#id => Some(&operations::#name),));
        } else {
            arms.push(quote!(#id | #rust_id => Some(&operations::#name),));
        }
        all.push(name);
    }
    Ok(quote! {
        /// Every operation of the spec, by `operationId`.
        pub mod operations {
            #(#constants)*

            /// All of them, ordered by `operationId`.
            pub const ALL: &[super::Operation] = &[#(#all),*];
        }

        /// The operation with this `operationId`.
        pub fn operation(id: &str) -> Option<&'static Operation> {
            match id {
                #(#arms)*
                _ => None,
            }
        }
    })
}

fn constraints(normalized: &Value) -> Result<TokenStream, PassError> {
    let mut constants = Vec::new();
    for (property, component) in LIFTED_PROPERTIES {
        let pointer = join("/components/schemas", component);
        let Some(schema) = normalized.pointer(&pointer) else {
            continue;
        };
        let length = |key: &str| -> Result<TokenStream, PassError> {
            match schema.get(key) {
                None => Ok(quote!(None)),
                Some(value) => {
                    let n = value.as_u64().ok_or_else(|| {
                        PassError::new(join(&pointer, key), "must be a non-negative integer")
                    })?;
                    let n = proc_macro2::Literal::u64_unsuffixed(n);
                    Ok(quote!(Some(#n)))
                }
            }
        };
        let (min, max) = (length("minLength")?, length("maxLength")?);
        let name = ident(&property.to_uppercase());
        let doc = format!(" Constraints on `{property}`.");
        constants.push(quote! {
            #[doc = #doc]
            pub const #name: super::StringConstraints = super::StringConstraints {
                min_length: #min,
                max_length: #max,
            };
        });
    }
    Ok(quote! {
        /// The constraints on the credential fields.
        pub mod constraints {
            #(#constants)*
        }
    })
}

/// Every problem `type` URI a response of the spec documents: the `enum`s
/// that narrow `ProblemResponse.type` in error responses.
fn problem_types(doc: &Value) -> BTreeSet<String> {
    let responses = walk::responses(doc)
        .into_iter()
        .map(|(_, response)| response);
    let mut types = BTreeSet::new();
    for response in responses {
        for media in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.values())
        {
            let parts = media
                .pointer("/schema/allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for part in parts {
                let values = part
                    .pointer("/properties/type/enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                types.extend(values.filter_map(Value::as_str).map(String::from));
            }
        }
    }
    types
}

/// `https://errors.ix-api.net/v2/not-found.html` → `not-found`.
fn slug(uri: &str) -> &str {
    let last = uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri);
    last.split('.').next().unwrap_or(last)
}

fn upper_camel(slug: &str) -> String {
    slug.split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

fn problem_kinds(doc: &Value) -> Result<TokenStream, PassError> {
    let mut names = BTreeMap::new();
    let mut variants = Vec::new();
    let mut from_arms = Vec::new();
    let mut uri_arms = Vec::new();
    let mut slug_arms = Vec::new();
    let mut all = Vec::new();
    for uri in problem_types(doc) {
        let slug = slug(&uri);
        let name = upper_camel(slug);
        let valid = name.chars().next().is_some_and(char::is_alphabetic)
            && name.chars().all(char::is_alphanumeric)
            && name != "Other";
        if !valid {
            return Err(PassError::new(
                "/components/responses",
                format!("problem type {uri:?} does not name a usable kind"),
            ));
        }
        if let Some(other) = names.insert(name.clone(), uri.clone()) {
            return Err(PassError::new(
                "/components/responses",
                format!("problem types {other:?} and {uri:?} name the same kind"),
            ));
        }
        let variant = ident(&name);
        let doc = format!(" `{slug}`: `{uri}`");
        variants.push(quote!(#[doc = #doc] #variant,));
        from_arms.push(quote!(#uri => Self::#variant,));
        uri_arms.push(quote!(Self::#variant => #uri,));
        slug_arms.push(quote!(Self::#variant => #slug,));
        all.push(quote!(Self::#variant));
    }
    Ok(quote! {
        /// What kind of problem IX-API reported: one variant for each problem
        /// `type` URI the spec documents, and `Other` for any other.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ProblemKind {
            #(#variants)*
            /// Any other `type`, as sent.
            Other(String),
        }

        impl ProblemKind {
            /// Every documented kind, ordered by `type` URI.
            pub const DOCUMENTED: &'static [ProblemKind] = &[#(#all),*];

            /// The kind a problem `type` URI names; `Other` for any URI the
            /// spec does not document.
            pub fn from_type(uri: &str) -> Self {
                match uri {
                    #(#from_arms)*
                    other => Self::Other(other.to_string()),
                }
            }

            /// The problem `type` URI of this kind.
            pub fn type_uri(&self) -> &str {
                match self {
                    #(#uri_arms)*
                    Self::Other(uri) => uri,
                }
            }

            /// The kind's name as IX-API spells it (`authentication-error`),
            /// or the whole URI for `Other`.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#slug_arms)*
                    Self::Other(uri) => uri,
                }
            }
        }
    })
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::comma_separated_lists;
    use serde_json::json;

    #[test]
    fn the_base_path_is_the_server_urls_path() {
        for (url, path) in [
            ("/api/v2", "/api/v2"),
            ("/api/v2/", "/api/v2"),
            ("https://ixp.example.net/api/v2", "/api/v2"),
            ("https://ixp.example.net", ""),
        ] {
            assert_eq!(
                base_path(&json!({"servers": [{"url": url}]})).unwrap(),
                path
            );
        }
        assert_eq!(base_path(&json!({})).unwrap_err().pointer, "/servers");
    }

    #[test]
    fn operations_without_security_are_not_bearer() {
        let doc = json!({
            "security": [{"Bearer": []}],
            "paths": {
                "/auth/token": {"post": {"operationId": "auth_token_create", "security": []}},
                "/things/{id}": {
                    "parameters": [],
                    "get": {"operationId": "things_read"}
                }
            }
        });
        let code = operations(&Model::of(&doc, &doc).unwrap())
            .unwrap()
            .to_string();
        assert!(code.contains("id : \"auth_token_create\" , method : \"POST\" , path : \"/auth/token\" , kind : super :: Kind :: Other , bearer : false , request_body : None , comma_separated : & [] , answers : & [] ,"), "{code}");
        assert!(
            code.contains(
                "id : \"things_read\" , method : \"GET\" , path : \"/things/{id}\" , kind : super :: Kind :: Read , bearer : true"
            ),
            "{code}"
        );
        assert!(!code.contains("PARAMETERS"), "{code}");
    }

    #[test]
    fn only_unexploded_form_lists_are_comma_separated() {
        let list = |name: &str, extra: Value| {
            let mut p = json!({"in": "query", "name": name, "schema": {"type": "array", "items": {"type": "string"}}});
            p.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            p
        };
        let own = json!([
            list("id", json!({"explode": false})),
            list("state", json!({"explode": false, "style": "form"})),
            list("tags", json!({})),
            list("spaced", json!({"explode": false, "style": "spaceDelimited"})),
            {"in": "query", "name": "name", "explode": false, "schema": {"type": "string"}}
        ]);
        let doc = json!({"paths": {"/x": {
            "parameters": [list("account", json!({"explode": false}))],
            "get": {"parameters": own}
        }}});
        let operation = walk::operation(&doc, "/x", "get").unwrap();
        assert_eq!(
            comma_separated_lists(&operation.parameters().unwrap()),
            ["account", "id", "state"]
        );
    }

    #[test]
    fn problem_types_are_collected_from_every_narrowing() {
        let narrowing = |uris: Value| {
            json!({"content": {"application/json": {"schema": {"allOf": [
                {"$ref": "#/components/schemas/ProblemResponse"},
                {"properties": {"type": {"enum": uris}}}
            ]}}}})
        };
        let doc = json!({
            "paths": {"/x": {"get": {"responses": {
                "404": narrowing(json!(["https://errors.ix-api.net/v2/not-found.html"]))
            }}}},
            "components": {"responses": {"Auth": narrowing(json!([
                "https://errors.ix-api.net/v2/authentication-error.html",
                "https://errors.ix-api.net/v2/not-found.html"
            ]))}}
        });
        assert_eq!(
            problem_types(&doc).into_iter().collect::<Vec<_>>(),
            [
                "https://errors.ix-api.net/v2/authentication-error.html",
                "https://errors.ix-api.net/v2/not-found.html"
            ]
        );
        let code = problem_kinds(&doc).unwrap().to_string();
        assert!(code.contains("AuthenticationError"), "{code}");
        assert!(code.contains("Self :: NotFound => \"not-found\""), "{code}");
    }

    #[test]
    fn kinds_that_collide_are_refused() {
        let doc = json!({"components": {"responses": {"A": {"content": {"application/json": {"schema": {"allOf": [
            {"properties": {"type": {"enum": ["https://a.example/not-found.html", "https://b.example/not_found"]}}}
        ]}}}}}}});
        let err = problem_kinds(&doc).unwrap_err();
        assert!(
            err.message.contains("name the same kind"),
            "{}",
            err.message
        );
    }

    #[test]
    fn credential_lengths_are_emitted_separately() {
        let doc = json!({"components": {"schemas": {
            "ApiKey": {"type": "string", "minLength": 14, "maxLength": 18},
            "AccessToken": {"type": "string"}
        }}});
        let code = constraints(&doc).unwrap().to_string();
        assert!(code.contains("API_KEY : super :: StringConstraints = super :: StringConstraints { min_length : Some (14) , max_length : Some (18) , }"), "{code}");
        assert!(code.contains("ACCESS_TOKEN : super :: StringConstraints = super :: StringConstraints { min_length : None , max_length : None , }"), "{code}");
        assert!(!code.contains("API_SECRET"), "{code}");
    }
}
