//! Where in a JSON answer decoding failed: the member path (`[3].state`,
//! `connection.vlan_config`) at the byte serde_json's error points to.
//!
//! One scanner serves every model. Tracking the path while decoding (as
//! `serde_path_to_error` does) would compile each model's decoder a second
//! time, and that second copy was a quarter of this crate's build.

/// The member path at the position of `cause`, an error of
/// `serde_json::from_slice(body)`; `None` at the top of the answer or when
/// the error has no position.
pub(crate) fn at_error(body: &[u8], cause: &serde_json::Error) -> Option<String> {
    let end = offset(body, cause.line(), cause.column())?;
    let path = render(&frames_before(body, end));
    (!path.is_empty()).then_some(path)
}

/// The byte offset of serde_json's `line` (from 1) and `column` (bytes
/// from the start of that line) in `body`: what was read before the error.
fn offset(body: &[u8], line: usize, column: usize) -> Option<usize> {
    let start = match line {
        0 => return None,
        1 => 0,
        _ => {
            body.iter()
                .enumerate()
                .filter(|(_, byte)| **byte == b'\n')
                .nth(line - 2)?
                .0
                + 1
        }
    };
    Some((start + column).min(body.len()))
}

/// A container open at the position.
enum Frame {
    List {
        index: usize,
    },
    Object {
        key: Option<String>,
        expects_key: bool,
    },
}

/// The containers open after reading `body[..end]`, outermost first.
fn frames_before(body: &[u8], end: usize) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < end {
        match body[at] {
            b'"' => {
                let start = at;
                at += 1;
                while at < body.len() && body[at] != b'"' {
                    at += if body[at] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expects_key }) = frames.last_mut()
                    && *expects_key
                {
                    // Escapes decoded, as serde reads the member's name.
                    *key = body
                        .get(start..=at)
                        .and_then(|quoted| serde_json::from_slice::<String>(quoted).ok());
                    *expects_key = false;
                }
            }
            b'{' => frames.push(Frame::Object {
                key: None,
                expects_key: true,
            }),
            b'[' => frames.push(Frame::List { index: 0 }),
            b'}' | b']' => {
                frames.pop();
            }
            b',' => match frames.last_mut() {
                Some(Frame::List { index }) => *index += 1,
                Some(Frame::Object { key, expects_key }) => {
                    *key = None;
                    *expects_key = true;
                }
                None => {}
            },
            _ => {}
        }
        at += 1;
    }
    frames
}

/// `[3].state`: indexes in brackets, member names after dots.
fn render(frames: &[Frame]) -> String {
    let mut path = String::new();
    for frame in frames {
        match frame {
            Frame::List { index } => path.push_str(&format!("[{index}]")),
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::at_error;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Contact {
        id: String,
        name: Option<String>,
        billing: Option<Billing>,
        vlans: Option<Vec<u16>>,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Billing {
        address: Address,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Address {
        street: String,
        zip: String,
    }

    /// The path found, checked against `serde_path_to_error`'s, which
    /// tracks it while decoding.
    fn path(body: &str) -> Option<String> {
        let cause = serde_json::from_slice::<Vec<Contact>>(body.as_bytes()).unwrap_err();
        let found = at_error(body.as_bytes(), &cause);
        let mut json = serde_json::Deserializer::from_str(body);
        let tracked = serde_path_to_error::deserialize::<_, Vec<Contact>>(&mut json)
            .map(|_| ".".to_string())
            .unwrap_or_else(|error| error.path().to_string());
        assert_eq!(found.as_deref().unwrap_or("."), tracked, "{body}");
        found
    }

    #[test]
    fn names_the_member_and_the_index() {
        assert_eq!(
            path(r#"[{"id": "1"}, {"id": "2", "name": 7}]"#).as_deref(),
            Some("[1].name")
        );
        assert_eq!(
            path(r#"[{"id":"1","billing":{"address":{"street":"a","zip":5}}}]"#).as_deref(),
            Some("[0].billing.address.zip")
        );
        assert_eq!(
            path(r#"[{"id":"1","vlans":[1, 2, 70000]}]"#).as_deref(),
            Some("[0].vlans[2]")
        );
    }

    #[test]
    fn a_missing_member_names_its_object() {
        assert_eq!(
            path("[{\"id\": \"1\"},\n {\"name\": \"x\"}]").as_deref(),
            Some("[1]")
        );
        assert_eq!(
            path(r#"[{"id":"1","billing":{"address":{"street":"a"}}}]"#).as_deref(),
            Some("[0].billing.address")
        );
    }

    #[test]
    fn reads_names_with_escapes_strings_with_brackets_and_lines() {
        let body = "[\n  {\"id\": \"[{,\\\"\", \"name\": \"}\"},\n  {\"id\": \"2\", \"bil\\u006cing\": 3}\n]";
        assert_eq!(path(body).as_deref(), Some("[1].billing"));
    }

    #[test]
    fn the_top_of_the_answer_is_no_member() {
        assert_eq!(path("{}"), None);
        assert_eq!(path("[{\"id\": \"1\", \"name\": "), Some("[0].name".into()));
    }
}
