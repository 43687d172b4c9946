//! A fact changed in `spec/` reaches the code: each change in turn makes
//! `cargo xtask codegen --check` fail with a diff that shows it, and
//! `cargo xtask spec-check` names it by JSON pointer. Then, on a scratch copy
//! of the whole workspace with every change applied and the client
//! regenerated, `spec_conformance` passes: the client and the sandbox
//! enforce the new values. The workspace's own files are never touched.
//!
//! The scratch build takes minutes, so that test is `#[ignore]`d here and
//! run by `.ci/run` (`cargo test -p ix-api-tests --test spec_drift -- --ignored`).

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::codegen::{self, Check, Paths};
use xtask::{document, spec_check};

/// One fact of the spec, changed.
struct Change {
    what: &'static str,
    /// The text to replace and its replacement, once, in spec/ix-api.yaml.
    from: &'static str,
    to: &'static str,
    /// A line the regenerated code must gain.
    in_diff: &'static str,
    /// The JSON pointer `spec-check` names.
    pointer: &'static str,
}

const CHANGES: &[Change] = &[
    Change {
        what: "api_key minLength",
        from: "          minLength: 16\n",
        to: "          minLength: 14\n",
        in_diff: "+            min_length: Some(14),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_key/minLength",
    },
    Change {
        what: "api_key maxLength",
        from: "          maxLength: 16\n",
        to: "          maxLength: 18\n",
        in_diff: "+            max_length: Some(18),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_key/maxLength",
    },
    Change {
        what: "api_secret minLength",
        from: "          minLength: 86\n",
        to: "          minLength: 80\n",
        in_diff: "+            min_length: Some(80),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_secret/minLength",
    },
    Change {
        what: "api_secret maxLength",
        from: "          maxLength: 86\n",
        to: "          maxLength: 90\n",
        in_diff: "+            max_length: Some(90),",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_secret/maxLength",
    },
    Change {
        what: "a required field dropped",
        from: "      required: [api_key, api_secret]\n",
        to: "      required: [api_key]\n",
        in_diff: "+        pub api_secret: ::std::option::Option<crate::credentials::ApiSecret>,",
        pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/required",
    },
    Change {
        what: "a problem type added",
        from: "                      - https://errors.ix-api.net/v2/not-authenticated.html\n",
        to: "                      - https://errors.ix-api.net/v2/not-authenticated.html\n                      - https://errors.ix-api.net/v2/rate-limited.html\n",
        in_diff: "+        RateLimited,",
        pointer: "/paths/~1auth~1token/post/responses/401/content/application~1json/schema/properties/type/enum",
    },
    Change {
        what: "the base path",
        from: "servers:\n  - url: /api/v2\n",
        to: "servers:\n  - url: /ix-api/v2\n",
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

fn apply(spec: &str, change: &Change) -> String {
    assert_eq!(
        spec.matches(change.from).count(),
        1,
        "{}: the text to change must occur once in the spec",
        change.what
    );
    spec.replacen(change.from, change.to, 1)
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
    let spec = std::fs::read_to_string(&workspace.spec).unwrap();
    let scratch = Scratch::new("fact");
    let paths = Paths {
        spec: scratch.0.join("ix-api.yaml"),
        generated: workspace.generated.clone(),
    };
    for change in CHANGES {
        let changed = apply(&spec, change);
        std::fs::write(&paths.spec, &changed).unwrap();
        let Check::Drift(diff) = codegen::check(&paths).expect("codegen") else {
            panic!("{}: --check must fail", change.what);
        };
        assert!(diff.contains(change.in_diff), "{}:\n{diff}", change.what);

        let ours = document::parse(&paths.spec, &changed).unwrap();
        let report = spec_check::compare(&ours, &upstream).expect("spec-check");
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
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

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
        "ix-api-client",
        "ix-api-sandbox",
        "tests",
    ] {
        copy_tree(&root.join(dir), &copy.join(dir));
    }
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root.join(file), copy.join(file)).unwrap();
    }
    let paths = Paths::in_workspace(&copy);
    let mut spec = std::fs::read_to_string(&paths.spec).unwrap();
    for change in CHANGES {
        spec = apply(&spec, change);
    }
    std::fs::write(&paths.spec, spec).unwrap();
    assert!(matches!(codegen::check(&paths), Ok(Check::Drift(_))));
    assert!(codegen::write(&paths).expect("regenerate"));

    // Its own target dir: the outer `cargo test` holds the lock on ours. It
    // lives under ours so that later runs reuse the dependencies it built.
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
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("run cargo on the copy");
    assert!(
        status.success(),
        "spec_conformance failed on the changed spec (see above)"
    );
}
