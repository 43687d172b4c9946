//! `ix-api profile list|use NAME|remove NAME`: the profiles of the config
//! file, as `gh auth status` and `oxide auth` show theirs.

use std::io::IsTerminal;
use std::path::Path;

use clap::{Arg, ArgMatches, Command};
use serde_json::json;

use super::{ConfigFile, DEFAULT_PROFILE, Directories, read_config, store};
use crate::Failure;
use crate::cache::Cache;
use crate::output;

/// The `profile` subcommand.
pub fn command() -> Command {
    let name = || Arg::new("name").required(true).value_name("NAME");
    Command::new("profile")
        .about("List the profiles of config.toml, choose the default, remove one")
        .subcommand_required(true)
        .subcommand(Command::new("list").about(
            "Each profile: name, URL, API key, how it logs in, and which is the default (JSON when piped)",
        ))
        .subcommand(
            Command::new("use")
                .about("Make a profile the default (default_profile in config.toml)")
                .arg(name().help("The profile")),
        )
        .subcommand(
            Command::new("remove")
                .about("Delete a profile from config.toml, and its kept tokens")
                .arg(name().help("The profile")),
        )
}

pub fn run(dirs: &Directories, matches: &ArgMatches) -> Result<(), Failure> {
    let path = dirs.config_file();
    let (verb, arguments) = matches
        .subcommand()
        .ok_or_else(|| Failure::usage("profile: list, use or remove?"))?;
    let name = arguments
        .try_get_one::<String>("name")
        .ok()
        .flatten()
        .cloned();
    let name = || name.clone().ok_or_else(|| Failure::usage("which profile?"));
    match verb {
        "list" => list(&path),
        "use" => {
            let name = name()?;
            store::set_default(&path, &name)?;
            eprintln!("The default profile is now {name}");
            Ok(())
        }
        "remove" => {
            let name = name()?;
            store::remove(&path, &name)?;
            let cache = Cache::new(&dirs.cache, &name);
            let _lock = cache.lock()?;
            cache.remove()?;
            eprintln!("Removed profile {name} and its tokens");
            Ok(())
        }
        other => Err(Failure::usage(format!("no command profile {other}"))),
    }
}

/// The profile used when none is named.
fn default_of(config: &ConfigFile) -> &str {
    config.default_profile.as_deref().unwrap_or(DEFAULT_PROFILE)
}

/// On a terminal, one aligned line per profile with `*` at the default;
/// piped, one JSON array (`name`, `url`, `api_key`, `auth`, `default`).
fn list(path: &Path) -> Result<(), Failure> {
    let config = read_config(path)?;
    let default = default_of(&config);
    let rows: Vec<[String; 4]> = config
        .profiles
        .iter()
        .map(|(name, entry)| {
            [
                name.clone(),
                entry.url.clone().unwrap_or_default(),
                entry.api_key.clone().unwrap_or_default(),
                entry
                    .auth
                    .clone()
                    .unwrap_or_else(|| "legacy".into())
                    .to_ascii_lowercase(),
            ]
        })
        .collect();
    if !std::io::stdout().is_terminal() {
        let listed: Vec<_> = rows
            .iter()
            .map(|[name, url, api_key, auth]| {
                json!({
                    "name": name,
                    "url": url,
                    "api_key": api_key,
                    "auth": auth,
                    "default": name == default,
                })
            })
            .collect();
        output::write_stdout(format!("{}\n", json!(listed)).as_bytes());
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!(
            "No profiles in {}: ix-api login --url URL --api-key KEY saves one",
            path.display()
        );
        return Ok(());
    }
    let header = [
        "NAME".to_string(),
        "URL".into(),
        "API KEY".into(),
        "LOGIN".into(),
    ];
    let width = |column: usize| {
        rows.iter()
            .chain([&header])
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let line = |mark: &str, row: &[String; 4]| {
        format!(
            "{mark} {:w0$}  {:w1$}  {:w2$}  {}\n",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        )
    };
    let mut shown = line(" ", &header);
    for row in &rows {
        shown.push_str(&line(if row[0] == default { "*" } else { " " }, row));
    }
    shown.push_str("\n* the default profile\n");
    output::write_stdout(shown.as_bytes());
    Ok(())
}
