//! Maintainer tasks for ix-api-rs, as a library so that tests can run them on
//! temporary copies of the spec.
//!
//! [`model`] reads the document, [`codegen`] writes the generated code from
//! it, [`spec_check`] checks it against the evidence, and [`package`]
//! packages the publishable crates.

pub mod codegen;
pub mod model;
pub mod package;
pub mod spec_check;

use std::path::PathBuf;

/// The workspace root (the directory above `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
