//! `--format chart`: a statistics time series (`… statistics-timeseries-read`)
//! drawn in the terminal with textplots (braille dots): traffic in and out
//! in bits per second, scaled to kbit/s, Mbit/s or Gbit/s, over time (UTC),
//! with a title naming the object and a legend. On a terminal the series
//! have colours; piped, the same text without them (`in` is a line, `out`
//! dots, so they stay apart). [`Traffic`] is what the SVG draws too.

use chrono::{DateTime, Utc};
use ix_api_client::spec::operations;
use rgb::RGB8;
use serde_json::Value;
use textplots::{Chart, ColorPlot, LabelBuilder, LabelFormat, Plot, Shape};

use crate::failure::{Exit, Failure};

/// The operations whose answers are statistics time series.
pub fn is_timeseries(operation_id: &str) -> bool {
    operation_id.ends_with("statistics_timeseries_read")
}

/// Those operations as commands, for the error that names them.
pub fn timeseries_commands() -> Vec<String> {
    operations::ALL
        .iter()
        .filter(|operation| is_timeseries(operation.id))
        .map(|operation| {
            let (resource, verb) = crate::operations::name(operation.id);
            format!("ix-api {resource} {verb}")
        })
        .collect()
}

/// A bit rate unit: its name and how many bit/s it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub name: &'static str,
    pub bits: f64,
}

/// The unit that shows `peak` bit/s as a number below 1,000.
pub fn unit(peak: f64) -> Unit {
    [
        ("Tbit/s", 1e12),
        ("Gbit/s", 1e9),
        ("Mbit/s", 1e6),
        ("kbit/s", 1e3),
    ]
    .into_iter()
    .find(|(_, bits)| peak >= *bits)
    .map_or(
        Unit {
            name: "bit/s",
            bits: 1.0,
        },
        |(name, bits)| Unit { name, bits },
    )
}

/// Traffic over time, in `unit`.
pub struct Traffic {
    pub title: String,
    pub start: DateTime<Utc>,
    /// (seconds since `start`, in, out), in `unit`.
    pub samples: Vec<(f64, f64, f64)>,
    pub unit: Unit,
}

impl Traffic {
    /// The samples of a time series answer (`samples`, each with its
    /// `timestamp` and average octets per second in and out), for the
    /// object `subject` names.
    pub fn of(answer: &Value, subject: &str) -> Result<Self, Failure> {
        let samples = answer
            .get("samples")
            .or(Some(answer).filter(|a| a.is_array()))
            .and_then(Value::as_array);
        let mut read: Vec<(DateTime<Utc>, f64, f64)> = samples
            .into_iter()
            .flatten()
            .filter_map(|sample| {
                let at = sample.get("timestamp")?.as_str()?.parse().ok()?;
                let octets = |member: &str| sample.get(member).and_then(Value::as_f64);
                Some((
                    at,
                    octets("average_ops_in")? * 8.0,
                    octets("average_ops_out")? * 8.0,
                ))
            })
            .collect();
        read.sort_by_key(|(at, _, _)| *at);
        let Some(&(start, _, _)) = read.first() else {
            return Err(Failure::new(
                Exit::Unavailable,
                "the answer holds no samples to draw (samples with timestamp, average_ops_in and average_ops_out)",
            ));
        };
        let peak = read.iter().map(|(_, i, o)| i.max(*o)).fold(0.0, f64::max);
        let unit = unit(peak);
        let text = |member: &str| answer.get(member).and_then(Value::as_str);
        let what = match (text("title"), text("aggregate")) {
            (Some(title), Some(aggregate)) => format!(", {title} ({aggregate})"),
            (Some(one), None) | (None, Some(one)) => format!(", {one}"),
            (None, None) => String::new(),
        };
        Ok(Self {
            title: format!("Traffic of {subject}{what}"),
            start,
            samples: read
                .into_iter()
                .map(|(at, i, o)| {
                    let seconds = (at - start).num_milliseconds() as f64 / 1000.0;
                    (seconds, i / unit.bits, o / unit.bits)
                })
                .collect(),
            unit,
        })
    }

    /// The last sample's time, in seconds after the first.
    pub fn span(&self) -> f64 {
        self.samples.last().map_or(0.0, |s| s.0).max(1.0)
    }

    /// The top of the rate axis: the peak and a tenth.
    pub fn top(&self) -> f64 {
        let peak = self
            .samples
            .iter()
            .map(|s| s.1.max(s.2))
            .fold(0.0, f64::max);
        if peak > 0.0 { peak * 1.1 } else { 1.0 }
    }

    /// The window, for a person: `2026-11-01 00:00 to 2026-11-02 00:00 UTC`.
    pub fn window(&self) -> String {
        let end = self.start + chrono::Duration::milliseconds((self.span() * 1000.0) as i64);
        format!(
            "{} to {} UTC",
            self.start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        )
    }

    /// A time on the axis, `seconds` after the start: the time of day for a
    /// window of two days or less, else the date.
    pub fn time(&self, seconds: f64) -> String {
        let at = self.start + chrono::Duration::milliseconds((seconds * 1000.0) as i64);
        if self.span() <= 2.0 * 86_400.0 {
            at.format("%H:%M").to_string()
        } else {
            at.format("%Y-%m-%d").to_string()
        }
    }
}

/// The chart for a terminal `columns` wide (or 100 piped); colours on a
/// terminal.
pub fn render(
    answer: &Value,
    subject: &str,
    columns: Option<u16>,
    colour: bool,
) -> Result<String, Failure> {
    let traffic = Traffic::of(answer, subject)?;
    // Two dots a column; room on the right for the rate labels.
    let width = (u32::from(columns.unwrap_or(100)).saturating_sub(16) * 2).max(32);
    let (span, top) = (traffic.span(), traffic.top());
    let ins: Vec<(f32, f32)> = traffic
        .samples
        .iter()
        .map(|s| (s.0 as f32, s.1 as f32))
        .collect();
    let outs: Vec<(f32, f32)> = traffic
        .samples
        .iter()
        .map(|s| (s.0 as f32, s.2 as f32))
        .collect();
    let (ins, outs) = (Shape::Lines(&ins), Shape::Points(&outs));
    let mut chart = Chart::new_with_y_range(width, 64, 0.0, span as f32, 0.0, top as f32);
    let unit = traffic.unit.name;
    let at = |seconds: f64| {
        let at = traffic.start + chrono::Duration::milliseconds((seconds * 1000.0) as i64);
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    };
    let (first, last) = (at(0.0), at(span));
    let chart = chart
        .x_label_format(LabelFormat::Custom(Box::new(move |x| {
            if x <= 0.0 {
                first.clone()
            } else {
                last.clone()
            }
        })))
        .y_label_format(LabelFormat::Custom(Box::new(move |y| {
            format!("{y:.1} {unit}")
        })));
    let chart = if colour {
        chart.linecolorplot(&ins, IN).linecolorplot(&outs, OUT)
    } else {
        chart.lineplot(&ins).lineplot(&outs)
    };
    chart.axis();
    chart.figures();
    // The colours as the terminal shows them (its palette may differ).
    let legend = if colour {
        "⠤⠤ in (green)   ⠂⠂ out (blue)"
    } else {
        "⠤⠤ in (line)   ⠂⠂ out (dots)"
    };
    Ok(format!(
        "{}\n{chart}{legend}   (bits per second in {unit}; time in UTC)\n",
        traffic.title
    ))
}

/// The colours of the two series, here and in the SVG.
pub const IN: RGB8 = RGB8::new(0x2e, 0x9e, 0x44);
pub const OUT: RGB8 = RGB8::new(0x1f, 0x6f, 0xd1);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rates_are_scaled_to_a_unit_below_a_thousand() {
        assert_eq!(unit(999.0).name, "bit/s");
        assert_eq!(unit(1_500.0).name, "kbit/s");
        assert_eq!(unit(12e6).name, "Mbit/s");
        assert_eq!(unit(400e9).name, "Gbit/s");
    }

    #[test]
    fn octets_become_bits_in_the_unit_of_the_peak() {
        let answer = json!({"title": "Last day", "aggregate": "P1D", "samples": [
            {"timestamp": "2026-11-01T00:05:00Z", "average_ops_in": 2_000_000, "average_ops_out": 1_000_000},
            {"timestamp": "2026-11-01T00:00:00Z", "average_ops_in": 1_000_000, "average_ops_out": 500_000},
        ]});
        let traffic = Traffic::of(&answer, "ports 3").unwrap();
        assert_eq!(traffic.title, "Traffic of ports 3, Last day (P1D)");
        assert_eq!(traffic.unit.name, "Mbit/s");
        assert_eq!(traffic.samples, vec![(0.0, 8.0, 4.0), (300.0, 16.0, 8.0)]);
        assert_eq!(traffic.time(300.0), "00:05");
        let none = Traffic::of(&json!({"samples": []}), "ports 3")
            .err()
            .unwrap();
        assert_eq!(none.exit, Exit::Unavailable);
    }
}
