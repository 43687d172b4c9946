//! A fact changed in `spec/` reaches the code: each change in turn makes
//! `cargo xtask codegen --check` fail with a diff that shows it, and
//! `cargo xtask spec-check` names it by JSON pointer. Then, on a scratch copy
//! of the whole workspace with every change applied and the client
//! regenerated, `spec_conformance` passes: the client and the sandbox
//! enforce the new values. The workspace's own files are never touched.
//!
//! The scratch build takes minutes, so that test is `#[ignore]`d here and
//! run by `.ci/run` (`cargo test --workspace --test spec_drift -- --ignored`)
//! after the rest, in the same target directory (it overwrites the uplifted
//! binaries there with the changed spec's; the next build puts them back).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use xtask::codegen::{self, Check, Paths};
use xtask::model::document;
use xtask::spec_check;

/// One fact of the spec, changed.
struct Change {
    what: &'static str,
    /// Where in spec/ix-api.yaml, and the new value.
    at: &'static str,
    to: fn(&Value) -> Value,
    /// A line the regenerated code must gain.
    in_diff: &'static str,
    /// The JSON pointer `spec-check` names.
    pointer: &'static str,
}

const CHANGES: &[Change] = &[
    Change {
        what: "api_key minLength",
        at: "/components/schemas/AuthTokenRequest/properties/api_key/minLength",
        to: |_| json!(14),
        in_diff: "+            min_length: Some(14),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_key/minLength",
    },
    Change {
        what: "api_key maxLength",
        at: "/components/schemas/AuthTokenRequest/properties/api_key/maxLength",
        to: |_| json!(18),
        in_diff: "+            max_length: Some(18),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_key/maxLength",
    },
    Change {
        what: "api_secret minLength",
        at: "/components/schemas/AuthTokenRequest/properties/api_secret/minLength",
        to: |_| json!(80),
        in_diff: "+            min_length: Some(80),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_secret/minLength",
    },
    Change {
        what: "api_secret maxLength",
        at: "/components/schemas/AuthTokenRequest/properties/api_secret/maxLength",
        to: |_| json!(90),
        in_diff: "+            max_length: Some(90),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_secret/maxLength",
    },
    Change {
        what: "a required field dropped",
        at: "/components/schemas/AuthTokenRequest/required",
        to: |_| json!(["api_key"]),
        in_diff: "+        pub api_secret: ::std::option::Option<crate::credentials::ApiSecret>,",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/required",
    },
    Change {
        what: "a problem type added",
        at: "/paths/~1auth~1token/post/responses/401/content/application~1json/schema/allOf/1/properties/type/enum",
        to: |types| {
            let mut types = types.clone();
            if let Some(list) = types.as_array_mut() {
                list.push(json!("https://errors.ix-api.net/v2/rate-limited.html"));
            }
            types
        },
        in_diff: "+        RateLimited,",
        pointer: "/paths/~1auth~1token/post/responses/401/content/application~1json/schema/properties/type/enum",
    },
    Change {
        what: "the base path",
        at: "/servers/0/url",
        to: |_| json!("/ix-api/v2"),
        in_diff: "+    pub const BASE_PATH: &str = \"/ix-api/v2\";",
        pointer: "/servers/0/url",
    },
];

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn upstream() -> serde_json::Value {
    let path = root().join("../shared/ix-api/ix-api-v2.1.0.openapi.yaml");
    assert!(
        path.exists(),
        "the published IX-API document is expected at {} (../shared beside the workspace)",
        path.display()
    );
    document::load(&path).expect("the published document loads")
}

/// The spec with `change` made, as JSON (which is YAML).
fn apply(spec: &Value, change: &Change) -> Value {
    let mut spec = spec.clone();
    let node = spec
        .pointer_mut(change.at)
        .unwrap_or_else(|| panic!("{}: {} is not in the spec", change.what, change.at));
    let changed = (change.to)(node);
    assert_ne!(
        *node, changed,
        "{}: the change must change something",
        change.what
    );
    *node = changed;
    spec
}

fn write(path: &Path, spec: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
}

/// A directory under the system's temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ix-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch dir");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn each_changed_fact_fails_the_check_and_is_named_by_spec_check() {
    let upstream = upstream();
    let workspace = Paths::in_workspace(&root());
    let spec = document::load(&workspace.spec).unwrap();
    let scratch = Scratch::new("fact");
    let paths = Paths {
        spec: scratch.0.join("ix-api.yaml"),
        generated: workspace.generated.clone(),
        models: workspace.models.clone(),
        sandbox: None,
        cli: None,
        httpmock: None,
    };
    for change in CHANGES {
        let changed = apply(&spec, change);
        write(&paths.spec, &changed);
        let Check::Drift(diff) = codegen::check(&paths).expect("codegen") else {
            panic!("{}: --check must fail", change.what);
        };
        assert!(diff.contains(change.in_diff), "{}:\n{diff}", change.what);

        let report = spec_check::compare(&changed, &upstream).expect("spec-check");
        let pointers: Vec<_> = report
            .differences
            .iter()
            .map(|d| d.pointer.as_str())
            .collect();
        assert!(
            pointers.contains(&change.pointer),
            "{}: spec-check named {pointers:?}",
            change.what
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The crates the workspace optimizes in its dev profile for codegen.
const GENERATOR_CRATES: &[&str] = &[
    "progenitor-impl",
    "typify-impl",
    "prettyplease",
    "syn",
    "proc-macro2",
    "quote",
    "xtask",
];

#[test]
#[ignore = "builds a copy of the workspace; .ci/run runs it"]
fn after_regeneration_the_client_and_the_sandbox_enforce_the_changed_facts() {
    let root = root();
    let scratch = Scratch::new("drift");
    let copy = scratch.0.join("workspace");
    for dir in [
        ".cargo",
        "spec",
        "xtask",
        "ix-api-types",
        "ix-api-client",
        "ix-api-sandbox",
        "ix-api-cli",
        "ix-api-httpmock",
        "test-support",
        "tests",
    ] {
        copy_tree(&root.join(dir), &copy.join(dir));
    }
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root.join(file), copy.join(file)).unwrap();
    }
    let paths = Paths::in_workspace(&copy);
    let mut spec = document::load(&paths.spec).unwrap();
    for change in CHANGES {
        spec = apply(&spec, change);
    }
    write(&paths.spec, &spec);
    assert!(matches!(codegen::check(&paths), Ok(Check::Drift(_))));
    assert!(codegen::write(&paths).expect("regenerate"));

    // A target dir of its own: sharing ours would let the copy's crates
    // (same names, same hashes, a changed spec) stand in for the
    // workspace's in later builds. It persists under target/, so only the
    // first run builds the dependencies.
    let target = root.join("target/spec-drift");
    let status = Command::new(env!("CARGO"))
        .args([
            "test",
            "--locked",
            "--quiet",
            "-p",
            "ix-api-tests",
            "--test",
            "spec_conformance",
        ])
        // No debug info, no incremental state and no optimized generator
        // (the copy runs no codegen): a build run once, quicker.
        .args(["--config", "profile.dev.debug=0"])
        .args(GENERATOR_CRATES.iter().flat_map(|krate| {
            [
                "--config".to_string(),
                format!("profile.dev.package.{krate}.opt-level=0"),
            ]
        }))
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .status()
        .expect("run cargo on the copy");
    assert!(
        status.success(),
        "spec_conformance failed on the changed spec (see above)"
    );
}
