//! The property tests' tally: how many inputs a test tried, what became of
//! them, and which panicked; at the end, a one-line summary on stderr and a
//! failure that shows the first panics.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The inputs a test tried, their outcomes and the panics they caused.
#[derive(Debug)]
pub struct Tally {
    name: &'static str,
    inputs: usize,
    panics: Vec<String>,
    notes: BTreeMap<&'static str, usize>,
}

impl Tally {
    /// A tally for the test of `name` (`"config files"`).
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            inputs: 0,
            panics: Vec::new(),
            notes: BTreeMap::new(),
        }
    }

    /// Runs `check` on one input; a panic is counted with `input` (made
    /// only then).
    pub fn check<R>(
        &mut self,
        input: impl FnOnce() -> String,
        check: impl FnOnce() -> R,
    ) -> Option<R> {
        self.inputs += 1;
        match catch_unwind(AssertUnwindSafe(check)) {
            Ok(result) => Some(result),
            Err(payload) => {
                self.panicked(&*payload, input());
                None
            }
        }
    }

    /// [`Tally::check`], noting the outcome `check` names.
    pub fn outcome(
        &mut self,
        input: impl FnOnce() -> String,
        check: impl FnOnce() -> &'static str,
    ) {
        if let Some(outcome) = self.check(input, check) {
            self.note(outcome);
        }
    }

    /// One more input, for a test that catches its panics itself (a task's
    /// join handle).
    pub fn tried(&mut self) {
        self.inputs += 1;
    }

    /// A panic with `payload`, caused by `input`.
    pub fn panicked(&mut self, payload: &(dyn Any + Send), input: String) {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        self.panics.push(format!("{message}\n  input: {input}"));
    }

    /// Counts an outcome, for the summary.
    pub fn note(&mut self, what: &'static str) {
        *self.notes.entry(what).or_default() += 1;
    }

    /// Says how many inputs, panics and outcomes; fails if any input
    /// panicked, showing the first five.
    pub fn finish(self) {
        let notes: Vec<String> = self
            .notes
            .iter()
            .map(|(what, n)| format!("{what} {n}"))
            .collect();
        eprintln!(
            "{}: {} inputs, {} panics ({})",
            self.name,
            self.inputs,
            self.panics.len(),
            notes.join(", ")
        );
        assert!(
            self.panics.is_empty(),
            "{}: {} of {} inputs panicked; the first:\n{}",
            self.name,
            self.panics.len(),
            self.inputs,
            self.panics[..self.panics.len().min(5)].join("\n")
        );
    }
}

/// Bytes for a report: at most 400 characters of them, and their length
/// if there are more.
pub fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(400).collect();
    if text.chars().count() > 400 {
        shown.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_and_a_panic_fails_the_tally() {
        let mut tally = Tally::new("numbers");
        for n in [1_u8, 2, 3] {
            tally.outcome(|| n.to_string(), || if n % 2 == 0 { "even" } else { "odd" });
        }
        assert_eq!(
            (tally.inputs, tally.notes["odd"], tally.notes["even"]),
            (3, 2, 1)
        );
        tally.finish();

        let mut tally = Tally::new("panics");
        assert_eq!(tally.check(|| "four".into(), || 4), Some(4));
        let caught = tally.check(|| "five".into(), || -> u8 { panic!("no five") });
        assert_eq!(caught, None);
        assert_eq!(tally.panics, vec!["no five\n  input: five".to_string()]);
        let failed = catch_unwind(AssertUnwindSafe(|| tally.finish())).unwrap_err();
        let message = failed.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with("panics: 1 of 2 inputs panicked"),
            "{message}"
        );
    }

    #[test]
    fn long_inputs_are_cut_short() {
        assert_eq!(shown(b"short"), "short");
        let long = shown(&[b'a'; 1_000]);
        assert!(long.ends_with("... (1000 bytes)") && long.starts_with(&"a".repeat(400)));
    }
}
