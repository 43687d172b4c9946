//! `destroy` at a terminal asks first, as `gh` does before it deletes:
//! "Decommission connection 58? [y/N]" on stderr, the answer from the
//! terminal. Without a terminal (a script, a pipe) nothing is asked; `--yes`
//! skips the question.

use std::io::{BufRead, IsTerminal, Write};

use clap::ArgMatches;

use crate::Failure;

/// Asks whether to decommission the object `arguments` names; an error
/// (exit 2, as `gh` exits on a declined confirmation) unless the answer is
/// y or yes.
pub fn destroy(resource: &str, arguments: &ArgMatches) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(());
    }
    let id = crate::input::object_id(arguments).map_or_else(String::new, |id| format!(" {id}"));
    let object = singular(resource);
    eprint!("Decommission {object}{id}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::usage(format!(
            "not decommissioned: {object}{id} is left as it was (--yes skips the question)"
        ))),
    }
}

/// `network-service-configs` as a person says one: "network service config".
fn singular(resource: &str) -> String {
    let one = if let Some(stem) = resource.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        resource.strip_suffix('s').unwrap_or(resource).to_string()
    };
    one.replace('-', " ")
}

#[cfg(test)]
mod tests {
    use super::singular;

    #[test]
    fn a_resource_is_named_as_one_object() {
        assert_eq!(singular("connections"), "connection");
        assert_eq!(
            singular("network-service-configs"),
            "network service config"
        );
        assert_eq!(singular("facilities"), "facility");
    }
}
