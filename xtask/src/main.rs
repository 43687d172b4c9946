//! `cargo xtask`: regenerate the client from the spec, and check the spec
//! against the published IX-API document.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use xtask::codegen::{self, Check, Paths};
use xtask::model::document;
use xtask::spec_check::{self, answer_rule, evidence, evidence_check, official_check};
use xtask::{package, workspace_root};

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
    let theirs = match document::load(upstream) {
        Ok(theirs) => theirs,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let report =
        spec_check::compare(&ours, &theirs).map_err(|e| format!("{}: {e}", spec.display()));
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
    let narrow = spec_check::narrow_filters(&ours);
    for filter in &narrow {
        println!("narrow filter: {filter}");
    }
    println!(
        "filters: {} enum filters narrower than what the same list answers",
        narrow.len()
    );
    agrees &= narrow.is_empty();

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
        match check_evidence(&ours, &theirs, &dir) {
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
fn check_evidence(
    ours: &serde_json::Value,
    published: &serde_json::Value,
    dir: &Path,
) -> Result<bool, String> {
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
        "x-evidence: {} evidenced, {} official, {} inferred",
        report.evidenced, report.official, report.inferred
    );
    let mut agrees = report.agrees();

    let digest_file = dir.join(official_check::DIGEST);
    let digest = if digest_file.is_file() {
        let text = std::fs::read_to_string(&digest_file)
            .map_err(|e| format!("{}: {e}", digest_file.display()))?;
        let digest: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", digest_file.display()))?;
        let official = official_check::compare(ours, &digest)?;
        for (disagreement, reason) in &official.known {
            println!("known official deviation: {disagreement}\n    reason: {reason}");
        }
        for key in &official.stale {
            println!("stale: x-deviations: evidence {key} matches no disagreement");
        }
        for disagreement in &official.disagreements {
            println!("official disagreement: {disagreement}");
        }
        println!(
            "official digest: {} facts and {} citations compared: {} disagreements, {} known deviations",
            official.facts,
            official.citations,
            official.disagreements.len(),
            official.known.len(),
        );
        agrees &= official.agrees();
        Some(digest)
    } else {
        println!(
            "official digest: not found at {}; the comparison with the official word is skipped",
            digest_file.display()
        );
        None
    };

    if let Some(source) = sources.iter().find(|s| s.version == version) {
        let official = digest
            .as_ref()
            .map(answer_rule::official_required)
            .unwrap_or_default();
        let expected = answer_rule::expected(ours, published, source, &report.paired, &official);
        let listed = answer_rule::listed(ours);
        // A member the rule would make optional stays required where an
        // `x-deviations` entry names `answer-rule/<Schema>/<member>`.
        let kept: Vec<(String, String)> = spec_check::declared_deviations(ours)?
            .into_iter()
            .flat_map(|d| d.evidence.into_iter().map(move |k| (k, d.reason.clone())))
            .filter(|(k, _)| k.starts_with("answer-rule/"))
            .collect();
        let mut made_optional = 0;
        let mut disagreements = 0;
        for (schema, members) in &expected {
            let ours = listed.get(schema);
            for (member, why) in members {
                let key = format!("answer-rule/{schema}/{member}");
                if let Some((_, reason)) = kept.iter().find(|(k, _)| *k == key) {
                    println!("known answer-rule deviation: {key} ({why})\n    reason: {reason}");
                    continue;
                }
                made_optional += 1;
                if ours.is_none_or(|list| !list.contains(member)) {
                    disagreements += 1;
                    println!(
                        "answer rule: {schema}.{member} must be optional in answers ({why}); add it to {schema}'s {}",
                        answer_rule::EXTENSION
                    );
                }
            }
        }
        for (key, _) in &kept {
            let known = key.splitn(3, '/').collect::<Vec<_>>();
            let applies = matches!(known.as_slice(), [_, schema, member]
                if expected.get(*schema).is_some_and(|m| m.contains_key(*member)));
            if !applies {
                disagreements += 1;
                println!(
                    "stale: x-deviations: evidence {key} matches no member the rule makes optional"
                );
            }
        }
        for (schema, members) in &listed {
            for member in members {
                if !expected.get(schema).is_some_and(|e| e.contains_key(member)) {
                    disagreements += 1;
                    println!(
                        "answer rule: {schema}.{member} is listed in {}, but every source requires it",
                        answer_rule::EXTENSION
                    );
                }
            }
        }
        let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
        for (schema, member, why) in expected
            .iter()
            .flat_map(|(s, m)| m.iter().map(move |(m, why)| (s, m, why)))
        {
            if kept
                .iter()
                .any(|(k, _)| *k == format!("answer-rule/{schema}/{member}"))
            {
                continue;
            }
            let reason = match why {
                answer_rule::Why::Published => "not required by 2.1.0",
                answer_rule::Why::Official(_) => "not required officially",
                answer_rule::Why::Pointer(_) => "a Go pointer",
                answer_rule::Why::Absent(_) => "absent from the Go client",
            };
            *by_reason.entry(reason).or_default() += 1;
        }
        println!(
            "answer rule: {made_optional} members required by the documents are optional in answers ({}); {disagreements} disagreements",
            by_reason
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        agrees &= disagreements == 0;
    }
    Ok(agrees)
}
