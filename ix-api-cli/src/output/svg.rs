//! `--format svg > traffic.svg`: a statistics time series as an SVG image,
//! drawn with plotters' SVG backend (its text is SVG `<text>`, so no font
//! is read from the system): the time axis, the rate axis in a scaled unit
//! of bits per second, the in and out series with a legend, and a title
//! naming the object.

use plotters::prelude::*;
use serde_json::Value;

use super::chart::{IN, OUT, Traffic};
use crate::failure::Failure;

const SIZE: (u32, u32) = (1000, 500);

pub fn render(answer: &Value, subject: &str) -> Result<String, Failure> {
    let traffic = Traffic::of(answer, subject)?;
    let mut svg = String::new();
    // The error borrows the text: said before the text is used.
    let drawn = draw(&traffic, &mut svg).map_err(|e| e.to_string());
    drawn.map_err(|e| Failure::local(format!("cannot draw the chart: {e}")))?;
    svg.push('\n');
    Ok(svg)
}

fn draw<'a>(traffic: &Traffic, svg: &'a mut String) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let colour = |c: rgb::RGB8| RGBColor(c.r, c.g, c.b);
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(&traffic.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..traffic.span(), 0.0..traffic.top())?;
    let time = |x: &f64| traffic.time(*x);
    let rate = |y: &f64| format!("{y:.1}");
    chart
        .configure_mesh()
        .x_desc(format!("time (UTC), {}", traffic.window()))
        .y_desc(traffic.unit.name)
        .x_label_formatter(&time)
        .y_label_formatter(&rate)
        .draw()?;
    for (name, c, pick) in [("in", colour(IN), 1usize), ("out", colour(OUT), 2usize)] {
        let points = traffic
            .samples
            .iter()
            .map(|s| (s.0, if pick == 1 { s.1 } else { s.2 }));
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
