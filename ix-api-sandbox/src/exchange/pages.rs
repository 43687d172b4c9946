//! Pages of a list: `page_limit` items at most, from `page_offset` on, in
//! ascending order of id. Without `page_limit`, everything (as 2.1 clients
//! expect). IX-API 2.7 gives a server no way to hand out a `page_token`, so
//! the sandbox reads one as the decimal offset of the page's first item;
//! given both, the token wins.
//!
//! The official 2.7.1 document lists `200` and `206` for every list without
//! saying what `206` means. The sandbox's choice: `206 Partial Content` for
//! a page that is not the last (more items follow it), `200` for the last
//! page and for a whole list; `206` only where the operation documents it.

use serde_json::Value;

use super::problem::Problem;
use crate::facts::Invalid;

/// The query parameters that choose a page, not the objects on it.
pub const PARAMETERS: [&str; 3] = ["page_limit", "page_offset", "page_token"];

/// Which items of a list to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: usize,
    pub limit: Option<usize>,
}

impl Window {
    /// The items of `all` the window holds.
    #[cfg(test)]
    pub fn apply<T>(self, all: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        all.skip(self.offset).take(self.limit.unwrap_or(usize::MAX))
    }

    /// The items of `all` the window holds, and whether more follow it (the
    /// page is not the last).
    pub fn page<T>(self, all: impl Iterator<Item = T>) -> (Vec<T>, bool) {
        let Some(limit) = self.limit else {
            return (all.skip(self.offset).collect(), false);
        };
        let mut items: Vec<T> = all
            .skip(self.offset)
            .take(limit.saturating_add(1))
            .collect();
        let more = items.len() > limit;
        items.truncate(limit);
        (items, more)
    }
}

fn invalid(name: &str, reason: &str) -> Problem {
    Problem::invalid(vec![Invalid {
        name: name.to_string(),
        reason: reason.to_string(),
    }])
}

/// A count the query gives, typed as an integer already: `None` for one too
/// large for this machine, which is then as good as no bound.
fn count(value: &Value, name: &str, least: u64) -> Result<Option<usize>, Problem> {
    match value.as_u64() {
        Some(n) if n >= least => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        Some(_) => Err(invalid(name, &format!("must be {least} or more"))),
        None if value.as_f64().is_some_and(|n| n > 0.0) => Ok(None),
        None => Err(invalid(name, &format!("must be {least} or more"))),
    }
}

/// The window the query asks for.
pub fn window(query: &[(String, Value)]) -> Result<Window, Problem> {
    let mut window = Window {
        offset: 0,
        limit: None,
    };
    let mut token = None;
    for (name, value) in query {
        match name.as_str() {
            "page_limit" => {
                window.limit = Some(count(value, name, 1)?.unwrap_or(usize::MAX));
            }
            "page_offset" => window.offset = count(value, name, 0)?.unwrap_or(usize::MAX),
            "page_token" => token = value.as_str(),
            _ => {}
        }
    }
    match token {
        None | Some("") => {}
        Some(token) => {
            if !token.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "page_token",
                    "not a page token of this sandbox: it reads a page token as the \
                     decimal offset of the page's first item",
                ));
            }
            window.offset = token.parse().unwrap_or(usize::MAX);
        }
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }

    #[test]
    fn a_window_from_the_query() {
        assert_eq!(
            window(&[]).unwrap(),
            Window {
                offset: 0,
                limit: None
            }
        );
        let w = window(&query(&[
            ("page_limit", json!(2)),
            ("page_offset", json!(3)),
        ]))
        .unwrap();
        assert_eq!((w.offset, w.limit), (3, Some(2)));
        assert_eq!(w.apply(0..10).collect::<Vec<_>>(), [3, 4]);
        let w = window(&query(&[
            ("page_offset", json!(3)),
            ("page_token", json!("5")),
        ]))
        .unwrap();
        assert_eq!(w.offset, 5, "the token wins");
        let huge = json!(1e30);
        let w = window(&query(&[
            ("page_limit", huge.clone()),
            ("page_offset", huge),
        ]))
        .unwrap();
        assert_eq!(w.apply(0..10).count(), 0);
    }

    #[test]
    fn nonsense_names_the_parameter() {
        for (name, value) in [
            ("page_limit", json!(0)),
            ("page_limit", json!(-1)),
            ("page_offset", json!(-1)),
            ("page_token", json!("next")),
            ("page_token", json!("-2")),
        ] {
            let problem = window(&query(&[(name, value.clone())])).unwrap_err();
            assert_eq!(problem.status, axum::http::StatusCode::BAD_REQUEST);
            assert!(
                problem.detail.starts_with(name),
                "{name}={value}: {}",
                problem.detail
            );
        }
    }
}
