//! The global options: every command takes them, before or after its name,
//! and `run` reads them once, typed, from [`Globals`] (as oxide's CLI does).

use std::path::PathBuf;

use crate::output::Format;

// `ix-api`'s global options, shown under "Global options" in every
// command's help. Plain comments: a doc comment would become the root
// command's `about`. The ids are the long names, as `docs/cli.json` records.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Globals {
    #[arg(
        id = "url",
        long = "url",
        global = true,
        value_name = "URL",
        help = "The exchange's IX-API base URL [env: IX_API_URL]"
    )]
    pub url: Option<String>,

    #[arg(
        id = "api-key",
        long = "api-key",
        global = true,
        value_name = "KEY",
        help = "The API user's key [env: IX_API_KEY]"
    )]
    pub api_key: Option<String>,

    #[arg(
        id = "profile",
        long = "profile",
        global = true,
        value_name = "NAME",
        help = "A profile of $XDG_CONFIG_HOME/ix-api/config.toml; beats IX_API_URL and the like [env: IX_API_PROFILE; default: default_profile of config.toml, else default]"
    )]
    pub profile: Option<String>,

    #[arg(
        id = "secret-file",
        long = "secret-file",
        global = true,
        value_name = "FILE",
        help = "A file holding the API secret (else IX_API_SECRET, else a prompt)"
    )]
    pub secret_file: Option<PathBuf>,

    #[arg(
        id = "oauth2",
        long = "oauth2",
        global = true,
        help = "Log in by OAuth2 client credentials (the API key is the client id) [env: IX_API_AUTH=oauth2]"
    )]
    pub oauth2: bool,

    #[arg(
        id = "oauth2-token-url",
        long = "oauth2-token-url",
        global = true,
        value_name = "URL",
        help = "The identity provider's OAuth2 token URL [env: IX_API_OAUTH2_TOKEN_URL]"
    )]
    pub oauth2_token_url: Option<String>,

    #[arg(
        id = "oauth2-scopes",
        long = "oauth2-scopes",
        global = true,
        value_name = "SCOPES",
        help = "OAuth2 scopes, separated by commas or spaces [env: IX_API_OAUTH2_SCOPES; default: ix-api]"
    )]
    pub oauth2_scopes: Option<String>,

    #[arg(
        id = "oauth2-client-auth",
        long = "oauth2-client-auth",
        global = true,
        value_name = "HOW",
        value_parser = ["basic", "form"],
        help = "How the OAuth2 client authenticates: HTTP Basic, or in the form body [env: IX_API_OAUTH2_CLIENT_AUTH; default: basic]"
    )]
    pub oauth2_client_auth: Option<String>,

    #[arg(
        id = "cacert",
        long = "cacert",
        global = true,
        value_name = "FILE",
        help = "Also trust the CA certificate(s) of this PEM file, for every request [env: IX_API_CACERT]"
    )]
    pub cacert: Option<PathBuf>,

    #[arg(
        id = "yes",
        long = "yes",
        short = 'y',
        global = true,
        help = "Do not ask before destroy at a terminal"
    )]
    pub yes: bool,

    #[arg(
        id = "strict",
        long = "strict",
        global = true,
        help = "Fail (exit 4) on an answer that breaks the spec, instead of printing it as it came with a warning"
    )]
    pub strict: bool,

    #[arg(
        id = "verbose",
        long = "verbose",
        short = 'v',
        global = true,
        help = "Say on stderr what ix-api does, and each HTTP request's method, path, status and time (never a secret, token or query)"
    )]
    pub verbose: bool,

    #[arg(
        id = "dry-run",
        long = "dry-run",
        global = true,
        help = "Print the request an operation or `ix-api api` would send (no token), and send nothing"
    )]
    pub dry_run: bool,

    // Also read by `output::Choice` from the matches of the command run.
    #[arg(
        id = "format",
        long = "format",
        global = true,
        value_name = "FORMAT",
        help = "Show answers as json, yaml, table, or (statistics time series) chart or svg [default: a list on a terminal is a table; else JSON]"
    )]
    pub format: Option<Format>,

    #[arg(
        id = "jq",
        long = "jq",
        global = true,
        value_name = "EXPR",
        help = "Filter the whole answer with a jq expression; each result on a line, strings raw"
    )]
    pub jq: Option<String>,

    #[arg(
        id = "columns",
        long = "columns",
        global = true,
        value_name = "A,B,C",
        help = "A table's columns: members of the answer's objects"
    )]
    pub columns: Option<String>,
}
