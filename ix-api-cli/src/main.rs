//! `ix-api`: the IX-API command line. See the README for the whole story;
//! `ix-api --help` for the short one.

mod api;
mod cache;
mod examples;
mod failure;
#[rustfmt::skip]
mod generated;
mod input;
mod operations;
mod output;
mod profile;
mod shared;
mod template;
mod tokens;
#[cfg(test)]
mod tree;
mod waiting;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

// The generated subcommands name the client's models as the client itself
// does (`crate::types::...`).
use ix_api_client::types;

use crate::cache::{Cache, Found};
pub use crate::failure::{Exit, Failure};
use crate::generated::Cli;
use crate::output::Printer;
use crate::profile::{Directories, Given, Login, Target};
use crate::tokens::Log;

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  the exchange said no (a problem document, whatever its status:
     validation, permission, not found, not implemented)
  2  usage: the command line, a config file or a body is wrong
  3  authentication: logging in failed, or there is nothing to log in with
  4  the exchange could not be reached, is no IX-API at the URL, or answered
     unexpectedly (an answer that breaks the spec, with --strict)
  5  a local file (the token cache) could not be read or written
  6  --wait: the object did not reach the state before --timeout

An answer that breaks the spec is printed as the exchange sent it, with a
warning on stderr, and exits 0. When a command fails, stdout holds no
complete JSON document.

The API secret is read from IX_API_SECRET, --secret-file, or a prompt; never
from the command line. Tokens are kept per profile in
$XDG_CACHE_HOME/ix-api/ (mode 0600).";

fn command() -> Command {
    // Apart from each command's own flags in `--help`, as gh shows its
    // inherited flags.
    let global = |arg: Arg| arg.global(true).help_heading("Global options");
    Command::new("ix-api")
        .version(env!("CARGO_PKG_VERSION"))
        .about("IX-API from the command line: log in once, then call any operation")
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg(global(
            Arg::new("url")
                .long("url")
                .value_name("URL")
                .help("The exchange's IX-API base URL [env: IX_API_URL]"),
        ))
        .arg(global(
            Arg::new("api-key")
                .long("api-key")
                .value_name("KEY")
                .help("The API user's key [env: IX_API_KEY]"),
        ))
        .arg(global(
            Arg::new("profile")
                .long("profile")
                .value_name("NAME")
                .help("A profile of $XDG_CONFIG_HOME/ix-api/config.toml [env: IX_API_PROFILE; default: default]"),
        ))
        .arg(global(
            Arg::new("secret-file")
                .long("secret-file")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("A file holding the API secret (else IX_API_SECRET, else a prompt)"),
        ))
        .arg(global(
            Arg::new("oauth2")
                .long("oauth2")
                .action(ArgAction::SetTrue)
                .help("Log in by OAuth2 client credentials (the API key is the client id) [env: IX_API_AUTH=oauth2]"),
        ))
        .arg(global(
            Arg::new("oauth2-token-url")
                .long("oauth2-token-url")
                .value_name("URL")
                .help("The identity provider's OAuth2 token URL [env: IX_API_OAUTH2_TOKEN_URL]"),
        ))
        .arg(global(
            Arg::new("oauth2-scopes")
                .long("oauth2-scopes")
                .value_name("SCOPES")
                .help("OAuth2 scopes, separated by commas or spaces [env: IX_API_OAUTH2_SCOPES; default: ix-api]"),
        ))
        .arg(global(
            Arg::new("strict")
                .long("strict")
                .action(ArgAction::SetTrue)
                .help("Fail (exit 4) on an answer that breaks the spec, instead of printing it as it came with a warning"),
        ))
        .arg(global(
            Arg::new("verbose")
                .long("verbose")
                .short('v')
                .action(ArgAction::SetTrue)
                .help("Say on stderr what ix-api does (never a secret or token)"),
        ))
        .subcommand(Command::new("login").about("Log in and keep the token pair"))
        .subcommand(
            Command::new("token")
                .about("Print a valid access token, refreshing as needed")
                .after_help("For scripts: curl -H \"Authorization: Bearer $(ix-api token)\" ..."),
        )
        .subcommand(Command::new("status").about(
            "Show the URL, API key and token expiry (no secrets); exit 3 if not logged in",
        ))
        .subcommand(Command::new("logout").about("Forget the kept token pair"))
        .subcommand(
            Command::new("api")
                .about("Call any path of the exchange, authenticated (extensions, what the spec lacks)")
                .arg(
                    Arg::new("method")
                        .required(true)
                        .value_name("METHOD")
                        .help("GET, POST, PUT, PATCH, DELETE, ..."),
                )
                .arg(Arg::new("path").required(true).value_name("PATH").help(
                    "Below the base URL (/implementation), or an absolute URL on the exchange's origin",
                ))
                .arg(
                    Arg::new("json")
                        .long("json")
                        .value_name("FILE")
                        .value_parser(value_parser!(PathBuf))
                        .help("A file with a JSON body, or - for standard input"),
                )
                .after_help("For example: ix-api api GET /implementation"),
        )
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
    let log = Log {
        verbose: matches.get_flag("verbose"),
    };
    output::set_strict(matches.get_flag("strict"));
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
    let given = Given {
        profile: matches.get_one::<String>("profile").cloned(),
        url: matches.get_one::<String>("url").cloned(),
        api_key: matches.get_one::<String>("api-key").cloned(),
        secret_file: matches.get_one::<PathBuf>("secret-file").cloned(),
        oauth2: matches.get_flag("oauth2"),
        oauth2_token_url: matches.get_one::<String>("oauth2-token-url").cloned(),
        oauth2_scopes: matches.get_one::<String>("oauth2-scopes").cloned(),
    };
    let dirs = Directories::find()?;
    let target = Target::resolve(&given, &dirs)?;
    let cache = Arc::new(Cache::new(&dirs.cache, &target.profile));
    log.say(&format!(
        "profile {}: {} as {}",
        target.profile, target.url, target.api_key
    ));
    match name {
        "login" => login(&target, &cache, &log).await,
        "token" => {
            let saved = tokens::valid(&target, &cache, &log).await?;
            output::write_stdout(format!("{}\n", saved.access_token.expose()).as_bytes());
            Ok(())
        }
        "status" => status(&target, &cache).await,
        "api" => api(&target, &cache, &log, sub).await,
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
            call(&target, &cache, &log, operation, arguments).await
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
    line(format!("profile:       {}", target.profile));
    line(format!("url:           {}", target.url));
    line(format!("api key:       {}", target.api_key));
    if let Login::OAuth2 { token_url, scopes } = &target.login {
        line(format!(
            "login:         OAuth2 at {token_url} ({})",
            scopes.join(" ")
        ));
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
    operation: generated::CliCommand,
    arguments: &ArgMatches,
) -> Result<(), Failure> {
    let saved = tokens::valid(target, cache, log).await?;
    log.say(&format!(
        "access token {}",
        expiry(saved.access_token.expires_at())
    ));
    // Should the exchange reject the token anyway, the session renews it
    // under the profile's lock, and logs in again if the secret is at hand.
    let session = tokens::session(target, cache, log, false)?;
    let wait = arguments.try_get_one::<String>("wait").ok().flatten();
    let printer = Printer::new(operation.operation_id()).holding(wait.is_some());
    let failed = printer.failed.clone();
    let as_received = printer.as_received.clone();
    let answered = printer.last.clone();
    log.say(&format!("calling {}", operation.operation_id()));
    let cli = Cli::new(session.client().clone(), printer);
    // The errors name the status of an answer that broke the spec.
    let executed = ix_api_client::with_answer_status(cli.execute(operation, arguments)).await;
    // An answer printed as it came, with a warning: done.
    let executed = executed.or_else(|error| {
        if as_received.get() {
            Ok(())
        } else {
            Err(error)
        }
    });
    match executed {
        Ok(()) => match wait {
            Some(state) => {
                let answered = answered.take();
                let arrived = waiting::until(
                    &session,
                    operation.operation_id(),
                    arguments,
                    answered,
                    state,
                    log,
                )
                .await?;
                if let Some(object) = arrived {
                    Printer::new(operation.operation_id()).json(&object);
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

/// `ix-api api METHOD PATH [--json FILE|-]`, in the manner of `gh api`:
/// the answer's body on stdout (JSON as other answers are, anything else as
/// it came), errors as for operations.
async fn api(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
    arguments: &ArgMatches,
) -> Result<(), Failure> {
    let method = arguments
        .get_one::<String>("method")
        .map(|m| m.to_ascii_uppercase())
        .ok_or_else(|| Failure::usage("which method?"))?;
    let method = ix_api_client::raw::Method::from_bytes(method.as_bytes())
        .map_err(|_| Failure::usage(format!("{method:?} is not an HTTP method")))?;
    let path = arguments
        .get_one::<String>("path")
        .ok_or_else(|| Failure::usage("which path?"))?;
    tokens::valid(target, cache, log).await?;
    let session = tokens::session(target, cache, log, false)?;
    let mut request = session.request(method, path.as_str());
    if let Some(file) = arguments.get_one::<PathBuf>("json") {
        let text = input::read_body(file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
        let body: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Failure::usage(format!("{} is not JSON: {e}", file.display())))?;
        request = request.json(&body)?;
    }
    log.say(&format!("calling {path}"));
    let answer = request.send().await?;
    match serde_json::from_slice::<serde_json::Value>(&answer.body) {
        Ok(json) => Printer::new("api").json(&json),
        Err(_) => output::write_stdout(&answer.body),
    }
    Ok(())
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
