//! `ix-api`: the IX-API command line. See the README for the whole story;
//! `ix-api --help` for the short one.

mod api;
mod cache;
mod confirm;
mod door;
mod dry_run;
mod examples;
mod failure;
mod fields;
#[rustfmt::skip]
mod generated;
mod globals;
mod input;
mod operations;
mod output;
mod profile;
mod request_lines;
mod shared;
mod template;
mod tokens;
#[cfg(test)]
mod tree;
mod waiting;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, value_parser};

// The generated subcommands name the client's models as the client itself
// does (`crate::types::...`).
use ix_api_client::types;

use crate::cache::{Cache, Found};
pub use crate::failure::{Exit, Failure};
use crate::generated::Cli;
use crate::globals::Globals;
use crate::output::Printer;
use crate::profile::{Directories, Given, Login, Target};
use crate::tokens::Log;

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  the exchange said no (a problem document, whatever its status:
     validation, permission, not found, not implemented)
  2  usage: the command line, a config file or a body is wrong; or a
     question at the terminal (destroy) was answered no
  3  authentication: logging in failed, or there is nothing to log in with
  4  the exchange could not be reached, is no IX-API at the URL, or answered
     unexpectedly (an answer that breaks the spec, with --strict)
  5  a local file (the token cache) could not be read or written
  6  --wait: the object did not reach the state before --timeout
130  --wait: interrupted (Ctrl-C); the message says how to resume

An answer that breaks the spec is printed as the exchange sent it, with a
warning on stderr, and exits 0. When a command fails, stdout holds no
complete JSON document.

The API secret is read from IX_API_SECRET, --secret-file, or a prompt; never
from the command line. Tokens are kept per profile in
$XDG_CACHE_HOME/ix-api/ (mode 0600).";

fn command() -> Command {
    // The global options apart from each command's own flags in `--help`,
    // as gh shows its inherited flags.
    let root = Command::new("ix-api")
        .version(env!("CARGO_PKG_VERSION"))
        .about("IX-API from the command line: log in once, then call any operation")
        .after_help(EXIT_CODES)
        .subcommand_required(true);
    Globals::augment_args(root)
        .subcommand(
            Command::new("login")
                .about("Log in and keep the token pair; with --url or --api-key, save them as a profile")
                .arg(
                    Arg::new("no-default")
                        .long("no-default")
                        .action(ArgAction::SetTrue)
                        .help("Save the profile without making it the default"),
                )
                .after_help(
                    "With --url or --api-key, login saves the profile (never the secret) in \
                     $XDG_CONFIG_HOME/ix-api/config.toml, named by --profile, else after the \
                     exchange's host, and makes it the default unless --no-default.",
                ),
        )
        .subcommand(
            Command::new("token")
                .about("Print a valid access token, refreshing as needed")
                .after_help("For scripts: curl -H \"Authorization: Bearer $(ix-api token)\" ..."),
        )
        .subcommand(Command::new("status").about(
            "Show the URL, API key and token expiry (no secrets); exit 3 if not logged in",
        ))
        .subcommand(Command::new("logout").about("Forget the kept token pair"))
        .subcommand(profile::commands::command())
        .subcommand(door::command())
        .subcommand(
            Command::new("completions")
                .about("Print shell completions")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommands(operations::commands())
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ix-api: cannot start: {e}");
            return ExitCode::from(Exit::Local as u8);
        }
    };
    match runtime.block_on(run(&matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("ix-api: {failure}");
            }
            failure.exit_code()
        }
    }
}

async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let globals = Globals::from_arg_matches(matches).map_err(|e| Failure::usage(e.to_string()))?;
    let log = Log {
        verbose: globals.verbose,
    };
    output::set_strict(globals.strict);
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| Failure::usage("no command"))?;
    if name == "completions" {
        let shell = *sub
            .get_one::<clap_complete::Shell>("shell")
            .ok_or_else(|| Failure::usage("which shell?"))?;
        // Into a buffer: clap_complete panics on a write error (a closed
        // pipe), and `write_stdout` does not.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command(), "ix-api", &mut script);
        if shell == clap_complete::Shell::Bash {
            script = bash_below_the_top(&script);
        }
        output::write_stdout(&script);
        return Ok(());
    }
    // Before any login: it sends nothing.
    if template::print(name, sub) {
        return Ok(());
    }
    let dirs = Directories::find()?;
    if name == "profile" {
        return profile::profile_command(&dirs, sub);
    }
    // `login` given an exchange or API user on the command line saves them.
    let saving = name == "login" && (globals.url.is_some() || globals.api_key.is_some());
    let given = Given {
        profile: globals.profile,
        url: globals.url,
        api_key: globals.api_key,
        secret_file: globals.secret_file,
        oauth2: globals.oauth2,
        oauth2_token_url: globals.oauth2_token_url,
        oauth2_scopes: globals.oauth2_scopes,
        oauth2_client_auth: globals.oauth2_client_auth,
        cacert: globals.cacert,
        saving,
    };
    let target = Target::resolve(&given, &dirs)?;
    if log.verbose {
        request_lines::start(&target.url);
    }
    let dry_run = globals.dry_run;
    if dry_run && ["login", "token", "status", "logout"].contains(&name) {
        return Err(Failure::usage(format!(
            "--dry-run prints the request of an operation or of ix-api api; {name} has none to show"
        )));
    }
    let cache = Arc::new(Cache::new(&dirs.cache, &target.profile));
    log.say(&format!(
        "profile {}: {} as {}",
        target.profile, target.url, target.api_key
    ));
    match name {
        "login" => {
            login(&target, &cache, &log).await?;
            if saving {
                let make_default = !sub.get_flag("no-default");
                profile::save(&dirs.config_file(), &target, &given, make_default)?;
                eprintln!(
                    "Saved profile {} in {}{}",
                    target.profile,
                    dirs.config_file().display(),
                    if make_default { " (the default)" } else { "" }
                );
            }
            Ok(())
        }
        "token" => {
            let saved = tokens::valid(&target, &cache, &log).await?;
            output::write_stdout(format!("{}\n", saved.access_token.expose()).as_bytes());
            Ok(())
        }
        "status" => status(&target, &cache).await,
        "api" => door::run(&target, &cache, &log, sub, dry_run).await,
        "logout" => {
            let _lock = cache.lock()?;
            if cache.remove()? {
                eprintln!(
                    "Logged out: forgot the tokens of profile {}",
                    target.profile
                );
            } else {
                eprintln!("Not logged in (profile {})", target.profile);
            }
            Ok(())
        }
        resource => {
            let (verb, arguments) = sub
                .subcommand()
                .ok_or_else(|| Failure::usage(format!("{resource}: which operation?")))?;
            let operation = operations::find(resource, verb)
                .ok_or_else(|| Failure::usage(format!("no operation {resource} {verb}")))?;
            if dry_run {
                return dry(&target, operation, arguments).await;
            }
            if verb == "destroy" && !globals.yes {
                confirm::destroy(resource, arguments)?;
            }
            call(&target, &cache, &log, (resource, operation), arguments).await
        }
    }
}

async fn login(target: &Target, cache: &Cache, log: &Log) -> Result<(), Failure> {
    let _lock = cache.lock()?;
    let saved = tokens::login(target, log).await?;
    cache.write(target, &saved)?;
    let refresh = match &saved.refresh_token {
        Some(token) => format!(", refresh token {}", expiry(token.expires_at())),
        None => String::new(),
    };
    eprintln!(
        "Logged in to {} as {}; access token {}{refresh}",
        target.url,
        target.api_key,
        expiry(saved.access_token.expires_at()),
    );
    Ok(())
}

/// The profile, URL, API key and token expiry, then whether the exchange
/// accepts the access token (one light call, `GET /implementation`).
async fn status(target: &Target, cache: &Cache) -> Result<(), Failure> {
    // One write, so that a closed pipe (`| head -1`) ends it quietly.
    let mut shown = String::new();
    let mut line = |text: String| {
        shown.push_str(&text);
        shown.push('\n');
    };
    let sources = &target.sources;
    line(format!(
        "profile:       {} ({})",
        target.profile, sources.profile
    ));
    line(format!("url:           {} ({})", target.url, sources.url));
    line(format!(
        "api key:       {} ({})",
        target.api_key, sources.api_key
    ));
    if let Login::OAuth2 {
        token_url,
        scopes,
        client_auth,
    } = &target.login
    {
        let how = match client_auth {
            ix_api_client::ClientAuthentication::Form => "form",
            _ => "basic",
        };
        line(format!(
            "login:         OAuth2 at {token_url} ({}; client auth {how}) ({})",
            scopes.join(" "),
            sources.auth
        ));
    }
    if let (Some(cacert), Some(source)) = (&target.cacert, &sources.cacert) {
        line(format!("ca:            {} ({source})", cacert.display()));
    }
    let result = match cache.read(target) {
        Found::Tokens(saved) => {
            line(format!(
                "access token:  {}",
                expiry(saved.access_token.expires_at())
            ));
            let last = match &saved.refresh_token {
                Some(refresh_token) => {
                    line(format!(
                        "refresh token: {}",
                        expiry(refresh_token.expires_at())
                    ));
                    refresh_token.expires_at()
                }
                None => saved.access_token.expires_at(),
            };
            let usable = last.is_none_or(|at| at > SystemTime::now());
            if !usable {
                Err(Failure::from(
                    ix_api_client::Error::ReauthenticationRequired,
                ))
            } else if tokens::fresh(&saved) {
                match tokens::accepted(target, &saved).await {
                    Ok(status) => {
                        line(format!(
                            "exchange:      accepts the access token (GET /implementation answered {status})"
                        ));
                        Ok(())
                    }
                    Err(error) => {
                        let failure = Failure::from(error);
                        if failure.exit == Exit::Authentication {
                            line("exchange:      refuses the access token".into());
                        } else {
                            line("exchange:      gave no word on the access token (see the error below)".into());
                        }
                        Err(failure)
                    }
                }
            } else {
                line("exchange:      not asked: the access token is due for renewal, which the next command does".into());
                Ok(())
            }
        }
        Found::Nothing => Err(Failure::new(
            Exit::Authentication,
            format!("not logged in: {}", failure::LOG_IN),
        )),
        Found::Unreadable(why) => Err(Failure::new(
            Exit::Authentication,
            format!(
                "the token cache {} is unreadable ({why}): {}",
                cache.file().display(),
                failure::LOG_IN
            ),
        )),
    };
    output::write_stdout(shown.as_bytes());
    result
}

async fn call(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
    (resource, operation): (&str, generated::CliCommand),
    arguments: &ArgMatches,
) -> Result<(), Failure> {
    // --format, --jq and --columns are checked before anything is sent.
    let choice = output::Choice::new(arguments, operation.operation_id())?
        .with_list_tables(subject(operation.operation_id(), arguments));
    let saved = tokens::valid(target, cache, log).await?;
    log.say(&format!(
        "access token {}",
        expiry(saved.access_token.expires_at())
    ));
    // Should the exchange reject the token anyway, the session renews it
    // under the profile's lock, and logs in again if the secret is at hand.
    let session = tokens::session(target, cache, log, false)?;
    let wait = arguments.try_get_one::<String>("wait").ok().flatten();
    let printer = Printer::new(operation.operation_id())
        .choosing(choice.clone())
        .holding(wait.is_some());
    let failed = printer.failed.clone();
    let as_received = printer.as_received.clone();
    let answered = printer.last.clone();
    log.say(&format!("calling {}", operation.operation_id()));
    let cli = Cli::new(session.client().clone(), printer);
    // The errors name the status of an answer that broke the spec.
    let executed = output::choosing(
        choice.clone(),
        ix_api_client::with_answer_status(cli.execute(operation, arguments)),
    )
    .await;
    // An answer printed as it came, with a warning: done.
    let executed = executed.or_else(|error| {
        if as_received.get() {
            Ok(())
        } else {
            Err(error)
        }
    });
    match executed {
        // The answer came, but could not be shown as asked (--jq).
        Ok(()) if failed.get().is_some() => {
            Err(Failure::new(failed.take().unwrap_or(Exit::Usage), ""))
        }
        Ok(()) => match wait {
            Some(state) => {
                let answered = answered.take();
                let arrived = waiting::until(
                    &session,
                    resource,
                    operation.operation_id(),
                    arguments,
                    answered,
                    state,
                    log,
                )
                .await?;
                if let Some(object) = arrived {
                    Printer::new(operation.operation_id())
                        .choosing(choice)
                        .show(&object)?;
                }
                Ok(())
            }
            None => Ok(()),
        },
        Err(error) => match failed.take() {
            // Already said on stderr.
            Some(exit) => Err(Failure::new(exit, "")),
            None => match error.downcast::<Failure>() {
                Ok(failure) => Err(failure),
                Err(error) => Err(Failure::usage(format!("{error:#}"))),
            },
        },
    }
}

/// `--dry-run` of an operation: its request printed, nothing sent, no
/// token fetched (no login needed). A command line that fails before the
/// request is made fails as it would without `--dry-run`.
async fn dry(
    target: &Target,
    operation: generated::CliCommand,
    arguments: &ArgMatches,
) -> Result<(), Failure> {
    let (client, kept) = dry_run::client(target);
    let executed = Cli::new(client, dry_run::Silent)
        .execute(operation, arguments)
        .await;
    match executed {
        Err(_) if dry_run::print(&kept) => Ok(()),
        Err(error) => match error.downcast::<Failure>() {
            Ok(failure) => Err(failure),
            Err(error) => Err(Failure::usage(format!("{error:#}"))),
        },
        Ok(()) => Ok(()),
    }
}

/// What a chart's title names: the collection and the object's id
/// (`ports 3`).
fn subject(operation_id: &str, arguments: &ArgMatches) -> String {
    let (resource, _) = operations::name(operation_id);
    match input::object_id(arguments) {
        Some(id) => format!("{resource} {id}"),
        None => resource,
    }
}

/// clap_complete's bash script names the states below the top level after
/// the binary (`ix__api__subcmd__connections`) where it sets them, but
/// after its words (`ix__subcmd__api__subcmd__connections`) in the case
/// labels that complete them, for a binary whose name has a hyphen; so
/// nothing below the top level completed. The labels are named as the
/// states are set.
fn bash_below_the_top(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("ix__subcmd__api__subcmd__", "ix__api__subcmd__")
        .into_bytes()
}

fn expiry(at: Option<SystemTime>) -> String {
    match at {
        None => "has no expiry".into(),
        Some(at) => match at.duration_since(SystemTime::now()) {
            Ok(left) => format!("valid for {}", duration(left.as_secs())),
            Err(past) => format!("expired {} ago", duration(past.duration().as_secs())),
        },
    }
}

fn duration(s: u64) -> String {
    match (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60) {
        (0, 0, 0, s) => format!("{s}s"),
        (0, 0, m, s) => format!("{m}m {s:02}s"),
        (0, h, m, _) => format!("{h}h {m:02}m"),
        (d, h, _, _) => format!("{d}d {h:02}h"),
    }
}
