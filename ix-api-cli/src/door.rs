//! `ix-api api METHOD PATH`: the raw door to any path of the exchange,
//! authenticated as every command is, in the manner of `gh api`: fields
//! (`-f`, `-F`), headers (`-H`), the answer's status line and headers
//! (`-i`), and every page of a list (`--paginate`).

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use ix_api_client::Client;
use ix_api_client::pages::{Cursor, DEFAULT_PAGE_LIMIT};
use ix_api_client::raw::{Method, RawAnswer, RawRequest};
use serde_json::Value;

use crate::cache::Cache;
use crate::fields::{self, Field};
use crate::output::{self, Printer};
use crate::profile::Target;
use crate::tokens::{self, Log};
use crate::{Failure, dry_run, input};

/// The page parameters `--paginate` sets.
const PAGE_LIMIT: &str = "page_limit";
const PAGE_OFFSET: &str = "page_offset";

pub fn command() -> Command {
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
        .arg(
            Arg::new("raw-field")
                .long("raw-field")
                .short('f')
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .help("A string field: a query parameter of GET and HEAD, else a member of the JSON body (over --json)"),
        )
        .arg(
            Arg::new("field")
                .long("field")
                .short('F')
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .help("A typed field, as -f: true, false, null and integers as such, @FILE the file's text, @- standard input"),
        )
        .arg(
            Arg::new("header")
                .long("header")
                .short('H')
                .value_name("NAME: VALUE")
                .action(ArgAction::Append)
                .help("A request header (not Authorization or Host, which the session sets)"),
        )
        .arg(
            Arg::new("include")
                .long("include")
                .short('i')
                .action(ArgAction::SetTrue)
                .help("Print the answer's status line and headers before its body"),
        )
        .arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help("GET every page of a list (page_limit/page_offset; -f page_limit=N sets the page size), printed as one JSON array"),
        )
        .after_help(
            "Nested fields: -f 'key[member]=value' sets a member of an object, -f 'key[]=value' appends to an array.\n\n\
             For example:\n  \
             ix-api api GET /implementation\n  \
             ix-api api GET /connections -f state=production --paginate\n  \
             ix-api api POST /contacts -f managing_account=2 -f consuming_account=2 -f name=NOC\n  \
             ix-api api PATCH /contacts/42 -F telephone=@phone.txt -i",
        )
}

/// What the command line asks of the door.
struct Asked {
    method: Method,
    path: String,
    fields: Vec<Field>,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    include: bool,
    paginate: bool,
}

impl Asked {
    fn read(arguments: &ArgMatches) -> Result<Self, Failure> {
        let method = arguments
            .get_one::<String>("method")
            .map(|m| m.to_ascii_uppercase())
            .ok_or_else(|| Failure::usage("which method?"))?;
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| Failure::usage(format!("{method:?} is not an HTTP method")))?;
        let path = arguments
            .get_one::<String>("path")
            .ok_or_else(|| Failure::usage("which path?"))?
            .clone();
        let headers = arguments
            .get_many::<String>("header")
            .into_iter()
            .flatten()
            .map(|header| header_of(header))
            .collect::<Result<_, _>>()?;
        let body = match arguments.get_one::<PathBuf>("json") {
            Some(file) => {
                let text = input::read_body(file)
                    .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
                Some(
                    serde_json::from_str(&text).map_err(|e| {
                        Failure::usage(format!("{} is not JSON: {e}", file.display()))
                    })?,
                )
            }
            None => None,
        };
        let asked = Self {
            method,
            path,
            fields: fields::given(arguments)?,
            headers,
            body,
            include: arguments.get_flag("include"),
            paginate: arguments.get_flag("paginate"),
        };
        if asked.paginate {
            if asked.method != Method::GET {
                return Err(Failure::usage("--paginate walks a list: the method is GET"));
            }
            if asked.include {
                return Err(Failure::usage(
                    "--paginate prints one JSON array, -i one answer's headers: choose one",
                ));
            }
            if asked.fields.iter().any(|f| f.key == PAGE_OFFSET) {
                return Err(Failure::usage(
                    "--paginate walks every page from the first: give no page_offset",
                ));
            }
        }
        Ok(asked)
    }

    /// Fields go in the query of a GET or HEAD, else in the body.
    fn in_query(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }

    /// The request, but for the page parameters of `--paginate`.
    fn request<'c>(&self, client: &'c Client) -> Result<RawRequest<'c>, Failure> {
        let mut request = client.request(self.method.clone(), self.path.as_str());
        for (name, value) in &self.headers {
            request = request.header(name, value)?;
        }
        if self.in_query() {
            for (name, value) in fields::query(&self.fields) {
                if !(self.paginate && name == PAGE_LIMIT) {
                    request = request.query(name, value);
                }
            }
            if let Some(body) = &self.body {
                request = request.json(body)?;
            }
        } else if !self.fields.is_empty() {
            request = request.json(&fields::body(self.body.clone(), &self.fields)?)?;
        } else if let Some(body) = &self.body {
            request = request.json(body)?;
        }
        Ok(request)
    }

    /// `--paginate`'s page size: `-f page_limit=N`, else the default.
    fn page_limit(&self) -> Result<NonZeroU32, Failure> {
        let Some(field) = self.fields.iter().rev().find(|f| f.key == PAGE_LIMIT) else {
            return Ok(DEFAULT_PAGE_LIMIT);
        };
        let text = match &field.value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        text.parse()
            .map_err(|_| Failure::usage(format!("page_limit {text:?}: a count from 1")))
    }
}

/// `Name: value`, refusing what the session owns.
fn header_of(text: &str) -> Result<(String, String), Failure> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| Failure::usage(format!("-H {text:?}: give \"Name: value\"")))?;
    let name = name.trim();
    if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("host") {
        return Err(Failure::usage(format!(
            "-H {name}: the session sets {name} (the access token, the exchange's host); it cannot be given"
        )));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// Runs the door: the answer's body on stdout (JSON as other answers are,
/// anything else as it came), errors as for operations. With `dry_run`,
/// prints the request instead and sends nothing.
pub async fn run(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
    arguments: &ArgMatches,
    dry_run: bool,
) -> Result<(), Failure> {
    let asked = Asked::read(arguments)?;
    // --format, --jq and --columns are checked before anything is sent.
    let choice = output::Choice::new(arguments, "api")?;
    if dry_run {
        let (client, kept) = dry_run::client(target);
        let sent = match asked.paginate {
            true => pages(&asked, &client).await.map(drop),
            false => asked
                .request(&client)?
                .send()
                .await
                .map(drop)
                .map_err(Failure::from),
        };
        return match sent {
            Err(_) if dry_run::print(&kept) => Ok(()),
            Err(failure) => Err(failure),
            Ok(()) => Ok(()),
        };
    }
    tokens::valid(target, cache, log).await?;
    let session = tokens::session(target, cache, log, false)?;
    log.say(&format!("calling {}", asked.path));
    if asked.paginate {
        let items = Value::Array(pages(&asked, session.client()).await?);
        return Printer::new("api").choosing(choice).show(&items);
    }
    let answer = asked.request(session.client())?.send().await?;
    if asked.include {
        output::write_stdout(head(&answer).as_bytes());
    }
    match serde_json::from_slice::<Value>(&answer.body) {
        Ok(json) => Printer::new("api").choosing(choice).show(&json),
        Err(_) => {
            output::write_stdout(&answer.body);
            Ok(())
        }
    }
}

/// Every item of the list at the asked path, by the client's rules for
/// walking pages ([`Cursor`]): it ends on a short page, and on a server
/// that ignores the page parameters (a page longer than asked, or the
/// first item again).
async fn pages(asked: &Asked, client: &Client) -> Result<Vec<Value>, Failure> {
    let mut cursor = Cursor::new(asked.page_limit()?);
    let mut items = Vec::new();
    while let Some((limit, offset)) = cursor.next_page() {
        let answer = asked
            .request(client)?
            .query(PAGE_LIMIT, limit.to_string())
            .query(PAGE_OFFSET, offset.to_string())
            .send()
            .await?;
        let page = match answer.json::<Value>() {
            Ok(Value::Array(page)) => page,
            _ => {
                return Err(Failure::usage(format!(
                    "--paginate: the answer to GET {} is not a JSON array (a list)",
                    asked.path
                )));
            }
        };
        if !cursor.take(page.len(), page.first()) {
            break;
        }
        items.extend(page);
    }
    Ok(items)
}

/// `-i`: the status line and the headers, as `gh api -i` prints them,
/// then a blank line.
fn head(answer: &RawAnswer) -> String {
    let mut head = format!("{:?} {}\n", answer.version, answer.status);
    for (name, value) in &answer.headers {
        head.push_str(&format!(
            "{}: {}\n",
            title_case(name.as_str()),
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    head.push('\n');
    head
}

/// `content-type` as `Content-Type`.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}
