//! `cargo xtask`: regenerate the client from the spec, and check the spec
//! against the published IX-API document.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use xtask::codegen::{self, Check, Paths};
use xtask::{document, evidence, evidence_check, package, spec_check, workspace_root};

/// The generator allocates and frees a great many small objects; a faster
/// allocator than the system's shortens `cargo xtask codegen` noticeably.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where the evidence is looked for when `--evidence` is not given
/// (relative to the workspace root).
const DEFAULT_EVIDENCE: &str = "../shared/ix-api/evidence";
/// What the evidence is and how it is corrected.
const CATALOGUE: &str = "spec/evidence.yaml";

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
    /// Compare spec/ix-api.yaml with the published IX-API document, and
    /// with the evidence for later versions that spec/evidence.yaml lists.
    SpecCheck {
        /// The published IX-API OpenAPI document (YAML or JSON).
        #[arg(long, value_name = "FILE")]
        upstream: PathBuf,
        /// The directory of the evidence files [default:
        /// ../shared/ix-api/evidence, skipped when absent].
        #[arg(long, value_name = "DIR")]
        evidence: Option<PathBuf>,
    },
    /// Package every publishable crate in dependency order (as `cargo
    /// package` of the workspace does), then check the packages together,
    /// unpacked as a user downloads them.
    Package,
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
        Task::SpecCheck { upstream, evidence } => {
            let evidence = evidence.map(|dir| cwd.join(dir));
            run_spec_check(Path::new("spec/ix-api.yaml"), &cwd.join(upstream), evidence)
        }
        Task::Package => {
            let started = Instant::now();
            match package::package(&root) {
                Ok(crates) => {
                    let names: Vec<String> = crates.iter().map(|c| c.unpacked()).collect();
                    eprintln!(
                        "packaged and checked {} ({} s)",
                        names.join(", "),
                        started.elapsed().as_secs()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
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

fn run_spec_check(spec: &Path, upstream: &Path, evidence: Option<PathBuf>) -> ExitCode {
    if !upstream.exists() {
        eprintln!(
            "error: the published IX-API document was not found at {}. \
             Pass --upstream with its path (CI uses ../shared/ix-api/ix-api-v2.1.0.openapi.yaml).",
            upstream.display()
        );
        return ExitCode::from(2);
    }
    let ours = match document::load(spec) {
        Ok(ours) => ours,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let report = document::load(upstream)
        .map_err(|e| e.to_string())
        .and_then(|theirs| {
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
    for pointer in &report.unused_deviations {
        println!("stale deviation: {pointer} matches no difference; remove it from x-deviations");
    }
    for addition in &report.additions {
        println!(
            "addition: {} (evidence: {})",
            addition.place, addition.evidence
        );
    }
    for difference in &report.differences {
        println!("difference: {difference}");
    }
    println!(
        "published document: {} operations and {} component schemas compared: {} differences, {} known deviations; {} additions ({} of them operations), each with its evidence",
        report.operations,
        report.components,
        report.differences.len(),
        report.known.len(),
        report.additions.len(),
        report.added_operations,
    );
    let mut agrees = report.agrees();

    let (dir, given) = match evidence {
        Some(dir) => (dir, true),
        None => (PathBuf::from(DEFAULT_EVIDENCE), false),
    };
    if !dir.is_dir() {
        if given {
            eprintln!("error: no evidence directory at {}", dir.display());
            return ExitCode::from(2);
        }
        println!(
            "evidence: not found at {DEFAULT_EVIDENCE}; the comparison with the evidence is skipped (pass --evidence DIR)"
        );
    } else {
        match check_evidence(&ours, &dir) {
            Ok(ok) => agrees &= ok,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if agrees {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Compares `ours` with the evidence in `dir`, prints what it finds, and
/// says whether they agree (deviations aside).
fn check_evidence(ours: &serde_json::Value, dir: &Path) -> Result<bool, String> {
    let catalogue = evidence::catalogue(Path::new(CATALOGUE))?;
    let version = ours
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    if !catalogue.sources.iter().any(|s| s.version == version) {
        println!(
            "evidence: {CATALOGUE} lists no source for version {version}; the comparison with the evidence is skipped"
        );
        return Ok(true);
    }
    let mut sources = Vec::new();
    let mut stale = Vec::new();
    for entry in &catalogue.sources {
        let mut source = evidence::load(entry, dir)?;
        let changed = evidence::correct(&mut source, &catalogue.corrections)
            .map_err(|e| format!("{CATALOGUE}: {e}"))?;
        let corrections = catalogue
            .corrections
            .iter()
            .filter(|c| c.version == source.version);
        for (correction, changed) in corrections.zip(changed) {
            if !changed {
                stale.push(format!(
                    "{CATALOGUE}: the correction of {} changes nothing; the evidence agrees with {} now",
                    correction.target, correction.location
                ));
            }
        }
        sources.push(source);
    }
    let report = evidence_check::compare(ours, &sources, stale)?;
    for (disagreement, reason) in &report.known {
        println!("known evidence deviation: {disagreement}\n    reason: {reason}");
    }
    for stale in &report.stale {
        println!("stale: {stale}");
    }
    for (operation, evidence) in &report.not_in_source {
        println!("not in the evidence: {operation} (evidence: {evidence})");
    }
    for disagreement in &report.disagreements {
        println!("evidence disagreement: {disagreement}");
    }
    println!(
        "evidence {}: {} operations, {} schema pairs, {} members, {} query parameters and {} discriminator values compared: {} disagreements, {} known deviations; {} operations not in the evidence; {} structs no operation reaches left out",
        report.version,
        report.operations,
        report.pairs,
        report.members,
        report.parameters,
        report.mappings,
        report.disagreements.len(),
        report.known.len(),
        report.not_in_source.len(),
        report.unreached.len(),
    );
    if !report.unpaired.is_empty() {
        println!(
            "spec/ schemas no struct of the evidence pairs with: {}",
            report.unpaired.join(", ")
        );
    }
    if !report.unreached.is_empty() {
        println!(
            "left out (no operation of the evidence reaches them): {}",
            report.unreached.join(", ")
        );
    }
    println!(
        "x-evidence: {} evidenced, {} inferred",
        report.evidenced, report.inferred
    );
    Ok(report.agrees())
}
