//! Maintainer tasks for ix-api-rs, as a library so that tests can run them on
//! temporary copies of the spec.

pub mod answer_rule;
pub mod calls;
pub mod cli;
pub mod cli_bodies;
pub mod client_tls;
pub mod codegen;
pub mod document;
pub mod evidence;
pub mod evidence_check;
pub mod facts;
pub mod httpmock;
pub mod normalize;
pub mod official_check;
pub mod optional_schemas;
pub mod package;
pub mod polymorphic;
pub mod sandbox;
pub mod spec_check;
pub mod walk;

use std::path::PathBuf;

/// The workspace root (the directory above `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
