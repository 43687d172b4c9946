//! The EXAMPLES of a resource's `--help` (`ix-api connections --help`), as
//! `gh` prints its own: made from the resource's operations in the spec
//! (which verbs it has, which take an id, which take a body and have a
//! `--template`, which answer an object with a state to `--wait` for).
//! A test runs every example through the real command tree.

use crate::generated::BodyTemplate;

/// One verb of a resource, as its examples need it.
pub struct Verb {
    pub name: String,
    /// What it does, in a few words (the command's `about`).
    pub about: String,
    /// Takes the object's id (positionally, or as `--id`).
    pub on_object: bool,
    /// Needs a flag besides the id; no example is made up for it.
    pub needs_more: bool,
    pub template: Option<BodyTemplate>,
    /// The states of the object it answers, for `--wait`.
    pub states: Option<&'static [&'static str]>,
}

/// The state an example waits for: in service, else the first one.
fn settled(states: &[&str]) -> Option<String> {
    ["production", "active"]
        .iter()
        .find(|state| states.contains(state))
        .or(states.first())
        .map(|state| state.to_string())
}

/// The `Examples:` section of `resource`'s help.
pub fn of(resource: &str, verbs: &[Verb]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut say = |comment: String, commands: Vec<String>| {
        lines.push(format!("  # {comment}"));
        for command in commands {
            lines.push(format!("  $ ix-api {resource} {command}"));
        }
    };
    let verb = |name: &str| {
        verbs
            .iter()
            .find(|verb| verb.name == name && !verb.needs_more)
    };
    if verb("list").is_some() {
        say(
            format!("Every one of {resource} you may see, all pages"),
            vec!["list".into()],
        );
    }
    if let Some(read) = verb("read") {
        let id = if read.on_object { " ID" } else { "" };
        say("One, by its id".into(), vec![format!("read{id}")]);
    }
    if let Some(create) = verb("create")
        && let Some(template) = create.template
    {
        let kind = template
            .by_type
            .first()
            .map(|(kind, _)| format!(" {kind}"))
            .unwrap_or_default();
        let wait = create
            .states
            .and_then(settled)
            .map(|state| format!(" --wait {state}"))
            .unwrap_or_default();
        say(
            "Order one: fill in the body's skeleton, then send it (and wait until it is ready)"
                .into(),
            vec![
                format!("create --template{kind} > body.json"),
                format!("create --json body.json{wait}"),
            ],
        );
    }
    if let Some(update) = verb("partial-update")
        && update.on_object
    {
        say(
            "Change some members of one (the members in changes.json)".into(),
            vec!["partial-update ID --json changes.json".into()],
        );
    }
    if let Some(destroy) = verb("destroy")
        && destroy.on_object
    {
        let wait = destroy
            .states
            .and_then(|states| {
                ["decommissioned", "archived"]
                    .iter()
                    .find(|state| states.contains(state))
            })
            .map(|state| format!(" --wait {state}"))
            .unwrap_or_default();
        say("Delete one".into(), vec![format!("delete ID{wait}")]);
    }
    for other in verbs.iter().filter(|verb| {
        ![
            "list",
            "read",
            "create",
            "update",
            "partial-update",
            "destroy",
        ]
        .contains(&verb.name.as_str())
            && !verb.needs_more
            && verb.template.is_none()
    }) {
        let id = if other.on_object { " ID" } else { "" };
        say(other.about.clone(), vec![format!("{}{id}", other.name)]);
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("Examples:\n{}", lines.join("\n"))
}
