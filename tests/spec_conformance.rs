//! The client and the sandbox enforce what `spec/ix-api.yaml` says, read
//! from the spec itself: credential lengths (both bounds), required fields,
//! problem types, token operations and the base path. `spec_drift` runs this
//! file again on a copy of the workspace whose spec was changed, to show
//! that a changed fact reaches the code.

use ix_api_client::spec::{self, BASE_PATH};
use ix_api_client::{ApiKey, ApiSecret, ProblemKind, types};
use ix_api_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Map, Value, json};

fn spec_document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ix-api.yaml");
    let text = std::fs::read_to_string(path).expect("read spec/ix-api.yaml");
    serde_norway::from_str(&text).expect("spec/ix-api.yaml is YAML")
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

/// `minLength` and `maxLength` of a property, as the spec writes them.
fn lengths(spec: &Value, model: &str, property: &str) -> (Option<usize>, Option<usize>) {
    let property = &schema(spec, model)["properties"][property];
    let get = |key: &str| property[key].as_u64().map(|n| n as usize);
    (get("minLength"), get("maxLength"))
}

fn required(spec: &Value, model: &str) -> Vec<String> {
    schema(spec, model)["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

fn properties(spec: &Value, model: &str) -> Vec<String> {
    schema(spec, model)["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Lengths to try against bounds: each bound and one past it.
fn probes(min: Option<usize>, max: Option<usize>) -> Vec<(usize, bool)> {
    let mut probes = vec![];
    if let Some(min) = min {
        probes.push((min, true));
        if min > 0 {
            probes.push((min - 1, false));
        }
    }
    if let Some(max) = max {
        probes.push((max, true));
        probes.push((max + 1, false));
    }
    probes
}

#[test]
fn the_client_enforces_the_spec_lengths_of_key_and_secret() {
    let spec = spec_document();
    let (key_min, key_max) = lengths(&spec, "AuthTokenRequest", "api_key");
    let (secret_min, secret_max) = lengths(&spec, "AuthTokenRequest", "api_secret");
    assert_eq!(
        (
            ApiKey::CONSTRAINTS.min_length,
            ApiKey::CONSTRAINTS.max_length
        ),
        (key_min, key_max)
    );
    assert_eq!(
        (
            ApiSecret::CONSTRAINTS.min_length,
            ApiSecret::CONSTRAINTS.max_length
        ),
        (secret_min, secret_max)
    );
    for (length, ok) in probes(key_min, key_max) {
        assert_eq!(
            ApiKey::try_from("k".repeat(length)).is_ok(),
            ok,
            "api_key of {length}"
        );
    }
    for (length, ok) in probes(secret_min, secret_max) {
        let secret = ApiSecret::try_from("s".repeat(length));
        assert_eq!(secret.is_ok(), ok, "api_secret of {length}");
    }
}

#[test]
fn the_client_requires_what_the_spec_requires() {
    let spec = spec_document();
    let full = json!({
        "api_key": "k".repeat(ApiKey::CONSTRAINTS.max_length.unwrap_or(16)),
        "api_secret": "s".repeat(ApiSecret::CONSTRAINTS.max_length.unwrap_or(86)),
        "refresh_token": "r",
        "access_token": "a",
    });
    let body = |model: &str, without: &str| -> Value {
        let mut body = Map::new();
        for property in properties(&spec, model) {
            if property != without {
                body.insert(property.clone(), full[&property].clone());
            }
        }
        Value::Object(body)
    };
    for model in ["AuthTokenRequest", "RefreshTokenRequest", "AuthToken"] {
        let required = required(&spec, model);
        for property in properties(&spec, model) {
            let parsed = match model {
                "AuthTokenRequest" => {
                    serde_json::from_value::<types::AuthTokenRequest>(body(model, &property))
                        .map(drop)
                }
                "RefreshTokenRequest" => {
                    serde_json::from_value::<types::RefreshTokenRequest>(body(model, &property))
                        .map(drop)
                }
                _ => serde_json::from_value::<types::AuthToken>(body(model, &property)).map(drop),
            };
            assert_eq!(
                parsed.is_err(),
                required.contains(&property),
                "{model} without {property}"
            );
        }
    }
}

/// Every problem `type` the spec documents, from the enums that narrow
/// `ProblemResponse` in its responses.
fn documented_problem_types(spec: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut visit = vec![spec];
    while let Some(node) = visit.pop() {
        match node {
            Value::Object(object) => {
                if let Some(types) = object
                    .get("properties")
                    .and_then(|p| p.get("type"))
                    .and_then(|t| t.get("enum"))
                    .and_then(Value::as_array)
                {
                    // Problem types are URIs; variant tags (`exchange_lan`) are not.
                    found.extend(
                        types
                            .iter()
                            .filter_map(Value::as_str)
                            .filter(|t| t.contains("://"))
                            .map(String::from),
                    );
                }
                visit.extend(object.values());
            }
            Value::Array(items) => visit.extend(items),
            _ => {}
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_documented_problem_type_has_its_kind() {
    let spec = spec_document();
    let documented = documented_problem_types(&spec);
    assert!(!documented.is_empty());
    for uri in &documented {
        let kind = ProblemKind::from_type(uri);
        assert!(!matches!(kind, ProblemKind::Other(_)), "{uri}");
        assert_eq!(kind.type_uri(), uri);
    }
    let mut generated: Vec<_> = ProblemKind::DOCUMENTED
        .iter()
        .map(|k| k.type_uri().to_string())
        .collect();
    generated.sort();
    assert_eq!(generated, documented);
}

#[test]
fn the_token_operations_are_those_the_spec_exempts_from_security() {
    let spec = spec_document();
    let mut exempt = Vec::new();
    let mut all = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            all.push(id.to_string());
            if operation["security"] == json!([]) {
                exempt.push(id.to_string());
            }
        }
    }
    for id in &all {
        let operation = spec::operation(id).expect("generated");
        assert_eq!(!operation.bearer, exempt.contains(id), "{id}");
    }
    assert_eq!(spec::operations::ALL.len(), all.len());
    let server_url = spec["servers"][0]["url"].as_str().unwrap();
    assert!(server_url.ends_with(BASE_PATH), "{server_url}");
}

async fn login_status(sandbox: &Sandbox, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/auth/token", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a problem document"))
}

#[tokio::test]
async fn the_sandbox_enforces_the_spec_lengths_and_required_fields() {
    let spec = spec_document();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert!(sandbox.base_url().ends_with(BASE_PATH));
    let (key, secret) = sandbox.credentials();
    assert!(ApiKey::try_from(key).is_ok() && ApiSecret::try_from(secret).is_ok());
    let invalid = |problem: &Value| {
        ProblemKind::from_type(problem["type"].as_str().unwrap_or_default())
            == ProblemKind::ValidationError
    };

    for (property, other, other_value) in [
        ("api_key", "api_secret", secret),
        ("api_secret", "api_key", key),
    ] {
        let (min, max) = lengths(&spec, "AuthTokenRequest", property);
        for (length, ok) in probes(min, max) {
            let body = json!({property: "x".repeat(length), other: other_value});
            let (status, problem) = login_status(&sandbox, body).await;
            // A valid length is a wrong credential (401), not a bad request.
            assert_eq!(status == 400, !ok, "{property} of {length}: {problem}");
            assert_eq!(invalid(&problem), !ok, "{property} of {length}: {problem}");
            if !ok {
                assert!(problem["detail"].as_str().unwrap().contains(property));
            }
        }
    }
    let required = required(&spec, "AuthTokenRequest");
    for (property, other, other_value) in [
        ("api_key", "api_secret", secret),
        ("api_secret", "api_key", key),
    ] {
        let (status, problem) = login_status(&sandbox, json!({other: other_value})).await;
        let demanded = required.iter().any(|r| r == property);
        assert_eq!(status == 400, demanded, "without {property}: {problem}");
        if demanded {
            assert!(problem["detail"].as_str().unwrap().contains(property));
        }
    }
    sandbox.shutdown().await;
}
