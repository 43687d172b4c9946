//! `--jq EXPR`: a jq filter over the whole answer, on jaq (a jq made for
//! Rust), printed as `gh --jq` prints: each result on its own line,
//! strings raw, other values as compact JSON. A filter that does not parse
//! or fails on the answer is a usage error (exit 2), and then nothing is
//! printed.

use jaq_core::load::{Arena, File, Loader, lex, parse};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

use crate::failure::Failure;

type Filter = jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>;

/// `expr` compiled with jq's standard library, or what is wrong with it.
pub fn compile(expr: &str) -> Result<Filter, Failure> {
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let arena = Arena::default();
    let program = File {
        code: expr,
        path: (),
    };
    let modules = Loader::new(defs).load(&arena, program).map_err(|errors| {
        let said: Vec<String> = errors
            .into_iter()
            .flat_map(|(_, error)| match error {
                jaq_core::load::Error::Io(io) => io.into_iter().map(|(_, e)| e).collect(),
                jaq_core::load::Error::Lex(lexed) => lexed
                    .into_iter()
                    .map(|(expect, at): lex::Error<&str>| {
                        format!("expected {} {}", expect.as_str(), at_(expr, at))
                    })
                    .collect(),
                jaq_core::load::Error::Parse(parsed) => parsed
                    .into_iter()
                    .map(|(expect, at): parse::Error<&str>| {
                        format!("expected {} {}", expect.as_str(), at_(expr, at))
                    })
                    .collect::<Vec<_>>(),
            })
            .collect();
        invalid(expr, &said.join("; "))
    })?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let said: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, undefined)| undefined)
                .map(|(name, kind)| format!("undefined {} {name}", kind.as_str()))
                .collect();
            invalid(expr, &said.join("; "))
        })
}

/// Where in `expr` the rest `at` begins, for a person.
fn at_(expr: &str, at: &str) -> String {
    let offset = (at.as_ptr() as usize).saturating_sub(expr.as_ptr() as usize);
    if at.is_empty() || offset >= expr.len() {
        "at the end".into()
    } else {
        format!(
            "at {:?} (character {})",
            at,
            expr[..offset].chars().count() + 1
        )
    }
}

fn invalid(expr: &str, why: &str) -> Failure {
    Failure::usage(format!("--jq {expr:?} is no jq filter: {why}"))
}

/// The results of `expr` on `answer`, one a line.
pub fn run(expr: &str, answer: &Value) -> Result<String, Failure> {
    let filter = compile(expr)?;
    let input = jaq_json::read::parse_single(answer.to_string().as_bytes())
        .map_err(|e| Failure::usage(format!("--jq: the answer is no JSON jq reads: {e}")))?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut shown = String::new();
    for result in filter.id.run((ctx, input)).map(unwrap_valr) {
        match result {
            Ok(Val::TStr(text)) => shown.push_str(&String::from_utf8_lossy(&text)),
            Ok(value) => shown.push_str(&value.to_string()),
            Err(error) => {
                return Err(Failure::usage(format!("--jq {expr:?} failed: {error}")));
            }
        }
        shown.push('\n');
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_are_lines_and_strings_are_raw() {
        let answer = json!([{"id": "1", "name": "a"}, {"id": "2", "speed": 10}]);
        assert_eq!(run(".[].id", &answer).unwrap(), "1\n2\n");
        assert_eq!(
            run(".[1]", &answer).unwrap(),
            "{\"id\":\"2\",\"speed\":10}\n"
        );
        assert_eq!(run("map(.id) | length", &answer).unwrap(), "2\n");
        assert_eq!(run("empty", &answer).unwrap(), "");
    }

    #[test]
    fn a_filter_that_does_not_parse_or_fails_is_a_usage_error() {
        let broken = compile(".[").err().unwrap();
        assert_eq!(broken.exit, crate::failure::Exit::Usage);
        assert!(
            broken.message.contains("is no jq filter"),
            "{}",
            broken.message
        );
        let unknown = compile("frobnicate").err().unwrap();
        assert!(
            unknown.message.contains("frobnicate"),
            "{}",
            unknown.message
        );
        let failed = run(".id", &json!([1])).err().unwrap();
        assert_eq!(failed.exit, crate::failure::Exit::Usage);
        assert!(failed.message.contains("failed"), "{}", failed.message);
    }
}
