//! `--template [TYPE]`: the skeleton of an operation's JSON body (from the
//! spec, generated with the commands), printed instead of calling the
//! operation. Nothing is sent, so no login is needed.

use clap::ArgMatches;
use clap::parser::ValueSource;

/// Prints the skeleton if the command line asks for one; whether it did.
/// `resource` and `matches` are the top-level subcommand and its matches.
pub fn print(resource: &str, matches: &ArgMatches) -> bool {
    let Some((verb, arguments)) = matches.subcommand() else {
        return false;
    };
    let asked = arguments.ids().any(|id| id.as_str() == "template")
        && arguments.value_source("template") == Some(ValueSource::CommandLine);
    if !asked {
        return false;
    }
    let Some(template) = crate::operations::find(resource, verb)
        .and_then(|operation| crate::generated::body_template(operation.operation_id()))
    else {
        return false;
    };
    // A polymorphic body's TYPE (clap has checked it is one of them).
    let kind = arguments.try_get_one::<String>("template").ok().flatten();
    let skeleton = kind
        .and_then(|kind| {
            template
                .by_type
                .iter()
                .find(|(value, _)| value == kind)
                .map(|(_, skeleton)| *skeleton)
        })
        .unwrap_or(template.skeleton);
    crate::output::write_stdout(format!("{skeleton}\n").as_bytes());
    true
}
