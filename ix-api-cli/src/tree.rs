//! The whole command tree as JSON (`docs/cli.json`, as oxide keeps its
//! own): every command, its aliases, its flags and their help. A test
//! compares it with the file, so that a change to the command line shows
//! in review; `IX_API_CLI_DOCS=overwrite cargo test --workspace --bin
//! ix-api tree` writes it anew.

use clap::{Arg, Command};
use serde_json::{Value, json};

fn text(styled: Option<&clap::builder::StyledStr>) -> Value {
    styled.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// `value` without its members that say nothing (null, false, empty),
/// so that the file reads as what each command has.
fn pruned(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(_, member)| {
                    !matches!(member, Value::Null | Value::Bool(false))
                        && member.as_array().is_none_or(|items| !items.is_empty())
                })
                .collect(),
        ),
        other => other,
    }
}

fn arg(arg: &Arg) -> Value {
    // A flag takes no value, whatever its builder says of value names
    // (the derive names every field's value).
    let takes_values = arg.get_action().takes_values();
    let values: Vec<String> = if arg.is_hide_possible_values_set() || !takes_values {
        Vec::new()
    } else {
        arg.get_possible_values()
            .iter()
            .map(|value| value.get_name().to_string())
            .collect()
    };
    pruned(json!({
        "name": arg.get_id().as_str(),
        "long": arg.get_long(),
        "short": arg.get_short().map(String::from),
        "value_names": arg.get_value_names().filter(|_| takes_values).map(|names| names.iter().map(ToString::to_string).collect::<Vec<_>>()),
        "required": arg.is_required_set(),
        "global": arg.is_global_set(),
        "heading": arg.get_help_heading(),
        "possible_values": values,
        "help": text(arg.get_help()),
    }))
}

/// `command` and everything below it.
pub fn of(command: &Command) -> Value {
    pruned(json!({
        "name": command.get_name(),
        "about": text(command.get_about()),
        "aliases": command.get_visible_aliases().collect::<Vec<_>>(),
        "args": command.get_arguments().map(arg).collect::<Vec<_>>(),
        "after_help": text(command.get_after_help()),
        "subcommands": command.get_subcommands().map(of).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_as_docs_cli_json_says() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.json");
        let mut now = serde_json::to_string_pretty(&of(&crate::command())).unwrap();
        now.push('\n');
        if std::env::var("IX_API_CLI_DOCS").as_deref() == Ok("overwrite") {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &now).unwrap();
            return;
        }
        let kept = std::fs::read_to_string(&file).unwrap_or_default();
        if kept != now {
            let first = kept
                .lines()
                .zip(now.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(kept.lines().count().min(now.lines().count()));
            panic!(
                "{} differs from the command tree, first at line {}:\n  kept: {}\n  now:  {}\n\
                 If the change is meant, write it anew and review the diff:\n  \
                 IX_API_CLI_DOCS=overwrite cargo test --workspace --bin ix-api -- tree",
                file.display(),
                first + 1,
                kept.lines().nth(first).unwrap_or("(end)"),
                now.lines().nth(first).unwrap_or("(end)"),
            );
        }
    }
}
