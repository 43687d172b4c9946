//! `cargo xtask codegen --check` catches a spec change that was not
//! regenerated (that the committed files are what the spec produces is CI's
//! own `codegen --check`), generation is deterministic, and spec errors are
//! located. Runs on temporary copies; `spec/` itself is never touched.

use std::path::PathBuf;

use xtask::codegen::{self, Check, Paths};

struct TempCopy {
    dir: PathBuf,
    paths: Paths,
}

impl TempCopy {
    fn new(name: &str) -> Self {
        let workspace = Paths::in_workspace(&xtask::workspace_root());
        let dir =
            std::env::temp_dir().join(format!("ix-api-codegen-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let paths = Paths {
            spec: dir.join("ix-api.yaml"),
            generated: dir.join("generated.rs"),
            models: dir.join("models.rs"),
            sandbox: None,
            cli: None,
            httpmock: None,
        };
        std::fs::copy(&workspace.spec, &paths.spec).expect("copy spec");
        std::fs::copy(&workspace.generated, &paths.generated).expect("copy generated.rs");
        std::fs::copy(&workspace.models, &paths.models).expect("copy the models");
        Self { dir, paths }
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_spec_change_that_was_not_regenerated_fails_the_check() {
    let copy = TempCopy::new("drift");
    let spec = std::fs::read_to_string(&copy.paths.spec).unwrap();
    let changed = spec.replacen(
        "        service_version:\n",
        "        peering_policy:\n          type: string\n        service_version:\n",
        1,
    );
    assert_ne!(spec, changed, "the edit must apply");
    std::fs::write(&copy.paths.spec, changed).unwrap();

    let Check::Drift(diff) = codegen::check(&copy.paths).expect("codegen") else {
        panic!("a spec change must make --check fail");
    };
    assert!(diff.contains("+        pub peering_policy:"), "{diff}");
    // --check writes nothing.
    let committed =
        std::fs::read_to_string(Paths::in_workspace(&xtask::workspace_root()).models).unwrap();
    assert_eq!(
        std::fs::read_to_string(&copy.paths.models).unwrap(),
        committed
    );

    // Regenerating makes it pass again.
    assert!(codegen::write(&copy.paths).expect("write"));
    assert!(matches!(
        codegen::check(&copy.paths).expect("codegen"),
        Check::UpToDate
    ));
}

#[test]
fn generation_is_deterministic() {
    let spec = Paths::in_workspace(&xtask::workspace_root()).spec;
    assert_eq!(
        codegen::generate(&spec).unwrap(),
        codegen::generate(&spec).unwrap()
    );
}

#[test]
fn spec_errors_name_the_file_and_pointer() {
    let copy = TempCopy::new("broken");
    let spec = std::fs::read_to_string(&copy.paths.spec).unwrap();
    let broken = spec.replacen(
        "      requestBody:\n",
        "      requestBody: 42\n      x-was-requestBody:\n",
        1,
    );
    std::fs::write(&copy.paths.spec, broken).unwrap();
    let error = codegen::check(&copy.paths).unwrap_err().to_string();
    assert!(
        error.contains("ix-api.yaml: /paths/~1accounts/post/requestBody: "),
        "{error}"
    );
}
