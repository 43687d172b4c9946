//! Every operation of the spec as `ix-api RESOURCE VERB`, from the
//! generated subcommands and the names xtask's model gives them
//! (`crate::generated::command`): `connections_list` is `ix-api connections list`,
//! `network_service_configs_partial_update` is
//! `ix-api network-service-configs partial-update`. An operation below an
//! object (`/connections/{id}/loa`) is a verb of the object's collection:
//! `connections_loa_download` is `ix-api connections loa-download`,
//! `ports_statistics_read` is `ix-api ports statistics-read`.
//!
//! The two token operations are left out: `ix-api login` and `ix-api token`
//! do their work, and their bodies would put a secret on the command line.

use std::collections::BTreeMap;

use ix_api_client::spec::{Kind, operations};

use crate::examples::Verb;
use crate::generated::{Cli, CliCommand};
use crate::output::Printer;

/// `--wait STATE` and `--timeout DURATION`, STATE one of `states` (the
/// `state` enum of the operation's answer in the spec).
fn wait_arguments(states: &'static [&'static str]) -> [clap::Arg; 2] {
    [
        clap::Arg::new("wait")
            .long("wait")
            .value_name("STATE")
            .value_parser(clap::builder::PossibleValuesParser::new(states.iter().copied()))
            .hide_possible_values(true)
            .help(format!(
                "Then wait until the object is in STATE ({}); print it as it arrived; exit 1 if it lands in error, 6 on timeout",
                states.join(", ")
            )),
        clap::Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .requires("wait")
            .value_parser(humantime::parse_duration)
            .help("How long --wait waits (10m, 90s, 1h) [default: 10m]"),
    ]
}

/// `(resource, verb)` of an operation id, as xtask's model names it.
pub fn name(operation_id: &str) -> (String, String) {
    match crate::generated::command(operation_id) {
        Some((resource, verb, _)) => (resource.to_string(), verb.to_string()),
        None => (operation_id.replace('_', "-"), "call".to_string()),
    }
}

/// Whether an operation answers the one object it created, read or
/// changed, whose state `--wait` can then wait for.
fn answers_one_object(operation_id: &str) -> bool {
    crate::generated::command(operation_id).is_some_and(|(_, _, kind)| {
        matches!(
            kind,
            Kind::Create | Kind::Read | Kind::Update | Kind::PartialUpdate | Kind::Destroy
        )
    })
}

fn exposed(command: &CliCommand) -> bool {
    let id = command.operation_id();
    id != operations::AUTH_TOKEN_CREATE.id && id != operations::AUTH_TOKEN_REFRESH.id
}

/// The resource subcommands, each with its verbs.
pub fn commands() -> Vec<clap::Command> {
    let mut resources: BTreeMap<String, (clap::Command, Vec<Verb>)> = BTreeMap::new();
    for command in CliCommand::iter().filter(exposed) {
        let (resource, verb) = name(command.operation_id());
        let (group, mut verbs) = resources.remove(&resource).unwrap_or_else(|| {
            let group = clap::Command::new(resource.clone())
                .about(format!("IX-API operations on {resource}"))
                .subcommand_required(true);
            (group, Vec::new())
        });
        let mut operation =
            member_help(Cli::<Printer>::get_command(command), command.operation_id())
                .name(verb.clone())
                .after_help(format!("IX-API operation: {}", command.operation_id()));
        // Only where the answer has a `state` to wait for.
        if let Some(states) = crate::generated::answer_states(command.operation_id())
            && answers_one_object(command.operation_id())
        {
            operation = operation.args(wait_arguments(states));
        }
        // As `gh` and `kubectl` say them.
        match verb.as_str() {
            "read" => operation = operation.visible_alias("get"),
            "destroy" => operation = operation.visible_alias("delete"),
            _ => {}
        }
        verbs.push(Verb {
            template: crate::generated::body_template(command.operation_id()),
            states: crate::generated::answer_states(command.operation_id()),
            about: operation
                .get_about()
                .map_or_else(String::new, ToString::to_string),
            name: verb,
            on_object: operation.get_arguments().any(|a| a.get_id() == "object-id"),
            needs_more: operation
                .get_arguments()
                .any(|a| a.is_required_set() && a.get_id() != "object-id"),
        });
        resources.insert(resource, (group.subcommand(operation), verbs));
    }
    resources
        .into_iter()
        .map(|(resource, (group, verbs))| group.after_help(crate::examples::of(&resource, &verbs)))
        .collect()
}

/// The body members' flags say what the spec says of each member: its
/// type, whether the body requires it, its values, its constraints.
fn member_help(mut operation: clap::Command, operation_id: &str) -> clap::Command {
    let ids: Vec<String> = operation
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect();
    for id in ids {
        if let Some(help) = crate::generated::member_help(operation_id, &id.replace('-', "_")) {
            // The help lists an enum's values already.
            let listed = help.contains("one of ");
            operation = operation.mut_arg(id, |arg| arg.help(help).hide_possible_values(listed));
        } else if id == "id" && operation.get_arguments().any(|a| a.get_id() == "object-id") {
            operation = operation.mut_arg(id, |arg| {
                arg.help("The object's id (or as the first argument)")
            });
        }
    }
    operation
}

/// The operation a resource and verb name.
pub fn find(resource: &str, verb: &str) -> Option<CliCommand> {
    CliCommand::iter()
        .filter(exposed)
        .find(|command| name(command.operation_id()) == (resource.to_string(), verb.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_read_as_resource_and_verb() {
        assert_eq!(
            name("connections_list"),
            ("connections".into(), "list".into())
        );
        assert_eq!(
            name("network_service_configs_partial_update"),
            ("network-service-configs".into(), "partial-update".into())
        );
        assert_eq!(
            name("network-service-change-request_create"),
            ("network-services".into(), "change-request-create".into())
        );
        assert_eq!(
            name("network_service_change_request_create"),
            ("network-services".into(), "change-request-create".into())
        );
        assert_eq!(
            name("connections_loa_download"),
            ("connections".into(), "loa-download".into())
        );
        assert_eq!(
            name("network_service_config_cancellation_policy_read"),
            (
                "network-service-configs".into(),
                "cancellation-policy-read".into()
            )
        );
        assert_eq!(
            name("ports_statistics_timeseries_read"),
            ("ports".into(), "statistics-timeseries-read".into())
        );
        assert_eq!(name("api_health_read"), ("health".into(), "read".into()));
    }

    #[test]
    fn every_operation_but_the_token_operations_has_one_command() {
        let mut names: Vec<(String, String)> = CliCommand::iter()
            .filter(exposed)
            .map(|c| name(c.operation_id()))
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "no two operations share a name");
        assert_eq!(count, operations::ALL.len() - 2);
        for (resource, verb) in names {
            assert!(find(&resource, &verb).is_some());
        }
    }
}
