//! `cargo xtask package`: every publishable crate packaged in dependency
//! order, and the packages, as a user downloads them, compiled together.
//!
//! `cargo package` of the workspace packages each crate against a local
//! registry of the ones before it (so that the sandbox finds the client it
//! depends on). Its own verification builds each package on its own, and
//! because each resolves other features of tokio, hyper and reqwest, the
//! 86,000-line client is compiled once per crate that depends on it: four
//! times, 9 minutes of a 2-core CI machine. Instead, the packages are made
//! without verification, unpacked side by side into `target/package-check/`
//! as one workspace (their dependencies on each other patched to the
//! unpacked copies, versions pinned by the workspace's `Cargo.lock`), and
//! checked there in one `cargo check`, sharing the workspace's target
//! directory: the client is checked once. What a package lacks (a file left
//! out of `include`, a path outside the crate) fails that check as it would
//! fail a user's build. The scratch workspace takes the workspace's profile
//! settings for the packages it builds, so that its dependencies are the
//! very artifacts `cargo doc` of the publishable crates needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where the packages are unpacked and checked, under the target directory.
const SCRATCH: &str = "package-check";

/// A publishable crate of the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Crate {
    pub name: String,
    pub version: String,
}

impl Crate {
    /// The directory its package unpacks into, `name-version`.
    pub fn unpacked(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }
}

/// The workspace members whose manifests allow publishing (no
/// `publish = false`), from `cargo metadata`'s answer.
pub fn publishable(metadata: &Value) -> Result<Vec<Crate>, String> {
    let members: Vec<&str> = metadata
        .get("workspace_members")
        .and_then(Value::as_array)
        .ok_or("cargo metadata lists no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata
        .get("packages")
        .and_then(Value::as_array)
        .ok_or("cargo metadata lists no packages")?;
    let mut crates = Vec::new();
    for package in packages {
        let id = package
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // `publish` is null when any registry may have it, a list otherwise
        // (`publish = false` is the empty list).
        let publish = package.get("publish").unwrap_or(&Value::Null);
        let blocked = publish.as_array().is_some_and(Vec::is_empty);
        if !members.contains(&id) || blocked {
            continue;
        }
        let field = |key: &str| {
            package
                .get(key)
                .and_then(Value::as_str)
                .map(String::from)
                .ok_or_else(|| format!("a package without {key} in cargo metadata"))
        };
        crates.push(Crate {
            name: field("name")?,
            version: field("version")?,
        });
    }
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(crates)
}

/// The scratch workspace's manifest: the unpacked packages as members, and
/// their dependencies on each other patched to the unpacked copies.
pub fn scratch_manifest(crates: &[Crate]) -> String {
    let mut manifest = String::from(
        "# Written by `cargo xtask package`: the packages of the publishable crates,\n\
         # unpacked as a user downloads them.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for krate in crates {
        manifest.push_str(&format!("    \"{}\",\n", krate.unpacked()));
    }
    manifest.push_str("]\n\n[patch.crates-io]\n");
    for krate in crates {
        manifest.push_str(&format!(
            "{} = {{ path = \"{}\" }}\n",
            krate.name,
            krate.unpacked()
        ));
    }
    manifest
}

/// The `[profile...]` tables of the manifest `text` (`[profile.dev]`,
/// `[profile.dev.package.syn]`, ...) that apply to a package in `packages`
/// or to no package in particular, as text.
pub fn profiles(text: &str, packages: &[String]) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let header = trimmed.trim_matches(|c| c == '[' || c == ']');
            keep = header.starts_with("profile.")
                && match header.split_once(".package.") {
                    Some((_, name)) => {
                        let name = name.trim_matches('"');
                        packages.iter().any(|p| p == name)
                    }
                    None => true,
                };
            if keep && !out.is_empty() {
                out.push('\n');
            }
        }
        if keep && !trimmed.is_empty() && !trimmed.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The names of the packages in the resolved graph of `cargo metadata`'s
/// answer.
fn resolved_names(metadata: &Value) -> Vec<String> {
    metadata
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|package| package.get("name").and_then(Value::as_str))
        .map(String::from)
        .collect()
}

fn metadata(directory: &Path, arguments: &[&str]) -> Result<Value, String> {
    let output = cargo()
        .args(["metadata", "--format-version", "1"])
        .args(arguments)
        .current_dir(directory)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata in {} failed: {}",
            directory.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata's answer: {e}"))
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Packages the publishable crates of the workspace at `root` and checks
/// the packages in the workspace's target directory.
pub fn package(root: &Path) -> Result<Vec<Crate>, String> {
    let metadata = metadata(root, &["--no-deps", "--locked"])?;
    let crates = publishable(&metadata)?;
    let target = metadata
        .get("target_directory")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .ok_or("cargo metadata names no target_directory")?;
    let target = target.as_path();

    // Packaged in dependency order, each against a local registry of the
    // ones before it. The working tree as it is, committed or not: what is
    // checked is what it would publish.
    let mut package = cargo();
    package
        .args(["package", "--locked", "--no-verify", "--allow-dirty"])
        .current_dir(root);
    for krate in &crates {
        package.args(["--package", &krate.name]);
    }
    run(&mut package)?;

    let scratch = target.join(SCRATCH);
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .map_err(|e| format!("cannot empty {}: {e}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    for krate in &crates {
        let file: PathBuf = target
            .join("package")
            .join(format!("{}.crate", krate.unpacked()));
        run(Command::new("tar")
            .arg("-xzf")
            .arg(&file)
            .arg("-C")
            .arg(&scratch))?;
    }
    let write = |name: &str, text: &str| {
        std::fs::write(scratch.join(name), text)
            .map_err(|e| format!("cannot write {}: {e}", scratch.join(name).display()))
    };
    let manifest = scratch_manifest(&crates);
    write("Cargo.toml", &manifest)?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    write("Cargo.lock", &lock)?;
    // The workspace's profile settings, for the packages the scratch
    // workspace builds (a setting for another would only draw a warning).
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    // `cargo metadata` reads every package of the lock file, for every
    // platform; a build downloads only the host's. Fetch them all first,
    // so that the offline steps below find them on a fresh machine too.
    run(cargo().args(["fetch", "--locked"]).current_dir(root))?;
    let names = resolved_names(&self::metadata(&scratch, &["--offline"])?);
    let profiles = profiles(&root_manifest, &names);
    if !profiles.is_empty() {
        write("Cargo.toml", &format!("{manifest}\n{profiles}"))?;
    }

    // `--offline`: the versions are the workspace's, already downloaded.
    run(cargo()
        .args(["check", "--offline", "--workspace"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(&scratch))?;
    Ok(crates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_members_that_may_be_published_are_packaged() {
        let metadata = json!({
            "workspace_members": ["client-id", "xtask-id", "cli-id"],
            "packages": [
                {"id": "client-id", "name": "ix-api-client", "version": "0.1.0", "publish": null},
                {"id": "xtask-id", "name": "xtask", "version": "0.1.0", "publish": []},
                {"id": "cli-id", "name": "ix-api-cli", "version": "0.2.0", "publish": ["crates-io"]},
                {"id": "serde-id", "name": "serde", "version": "1.0.0", "publish": null}
            ]
        });
        let crates = publishable(&metadata).unwrap();
        let names: Vec<String> = crates.iter().map(Crate::unpacked).collect();
        assert_eq!(names, ["ix-api-cli-0.2.0", "ix-api-client-0.1.0"]);
    }

    #[test]
    fn profiles_are_kept_for_the_packages_built() {
        let manifest = "[workspace]\nmembers = []\n\n# why\n[profile.dev]\ndebug = 1\n[profile.dev.package.syn]\nopt-level = 2\n[profile.dev.package.xtask]\nopt-level = 2\n[workspace.dependencies]\nsyn = \"2\"\n";
        assert_eq!(
            profiles(manifest, &["syn".into(), "serde".into()]),
            "[profile.dev]\ndebug = 1\n\n[profile.dev.package.syn]\nopt-level = 2\n"
        );
    }

    #[test]
    fn the_scratch_workspace_patches_the_crates_to_their_packages() {
        let manifest = scratch_manifest(&[Crate {
            name: "ix-api-client".into(),
            version: "0.1.0".into(),
        }]);
        assert!(
            manifest.contains("members = [\n    \"ix-api-client-0.1.0\",\n]"),
            "{manifest}"
        );
        assert!(
            manifest
                .contains("[patch.crates-io]\nix-api-client = { path = \"ix-api-client-0.1.0\" }"),
            "{manifest}"
        );
    }
}
