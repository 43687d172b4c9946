//! `cargo xtask`: regenerate the client from the spec, and check the spec
//! against the published IX-API document.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use xtask::codegen::{self, Check, Paths};
use xtask::{document, spec_check, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Maintainer tasks for ix-api-rs")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate the client, the sandbox's spec facts and models, and the command line from spec/ix-api.yaml.
    Codegen {
        /// Write nothing; fail with a diff if the committed file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Compare spec/ix-api.yaml with the published IX-API document.
    SpecCheck {
        /// The published IX-API OpenAPI document (YAML or JSON).
        #[arg(long, value_name = "FILE")]
        upstream: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Paths in messages read best relative to the workspace root, where
    // maintainers run this; a relative --upstream is the caller's, though.
    let root = workspace_root();
    let cwd = std::env::current_dir().unwrap_or_else(|_| root.clone());
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!(
            "error: cannot enter the workspace root {}: {e}",
            root.display()
        );
        return ExitCode::FAILURE;
    }
    match cli.task {
        Task::Codegen { check } => run_codegen(&Paths::in_workspace(Path::new("")), check),
        Task::SpecCheck { upstream } => {
            run_spec_check(Path::new("spec/ix-api.yaml"), &cwd.join(upstream))
        }
    }
}

fn run_codegen(paths: &Paths, check: bool) -> ExitCode {
    let started = Instant::now();
    let shown = "the generated files";
    let result = if check {
        codegen::check(paths).map(|outcome| match outcome {
            Check::UpToDate => {
                eprintln!("{shown} are up to date with {}", paths.spec.display());
                true
            }
            Check::Drift(diff) => {
                print!("{diff}");
                eprintln!(
                    "{shown} differ from what {} produces (the diff names them); run `cargo xtask codegen` and commit the result",
                    paths.spec.display()
                );
                false
            }
        })
    } else {
        codegen::write(paths).map(|changed| {
            let what = if changed { "wrote" } else { "unchanged:" };
            let shown = "the generated files";
            eprintln!("{what} {shown} ({} ms)", started.elapsed().as_millis());
            true
        })
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_spec_check(spec: &Path, upstream: &Path) -> ExitCode {
    if !upstream.exists() {
        eprintln!(
            "error: the published IX-API document was not found at {}. \
             Pass --upstream with its path (CI uses ../shared/ix-api/ix-api-v2.1.0.openapi.yaml).",
            upstream.display()
        );
        return ExitCode::from(2);
    }
    let report = document::load(spec)
        .and_then(|ours| Ok((ours, document::load(upstream)?)))
        .map_err(|e| e.to_string())
        .and_then(|(ours, theirs)| {
            spec_check::compare(&ours, &theirs).map_err(|e| format!("{}: {e}", spec.display()))
        });
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for (difference, reason) in &report.known {
        println!("known deviation: {difference}\n    reason: {reason}");
    }
    for deviation in &report.unused_deviations {
        println!(
            "stale deviation: {} matches no difference; remove it from x-deviations",
            deviation.pointer
        );
    }
    for difference in &report.differences {
        println!("difference: {difference}");
    }
    println!(
        "{} operations compared: {} differences, {} known deviations",
        report.operations,
        report.differences.len(),
        report.known.len()
    );
    if report.agrees() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
