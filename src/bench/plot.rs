//! Draws a run as an SVG chart: a sweep as throughput and p99 latency against connection
//! count, a single run as its latency second by second (p50, p99, max).
//!
//! plotters with only its SVG backend: text goes into the file as `<text>` elements, so no
//! font files or image libraries are needed.

use super::report::RunReport;
use super::timeline::Second;
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;

/// Writes the chart of `reports` (one point per connection count) to `path`.
pub fn draw(path: &Path, title: &str, reports: &[RunReport]) -> anyhow::Result<()> {
    render(path, title, reports)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot draw the chart into {}", path.display()))
}

/// Writes the latency of `report`, second by second, to `path`.
pub fn draw_timeline(path: &Path, title: &str, report: &RunReport) -> anyhow::Result<()> {
    render_timeline(path, title, report)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot draw the chart into {}", path.display()))
}

/// Picks one figure out of a second of the timeline.
type Pick = fn(&Second) -> f64;

fn render_timeline(
    path: &Path,
    title: &str,
    report: &RunReport,
) -> Result<(), Box<dyn std::error::Error>> {
    // Seconds with no reply have no latency to put on a log axis: they are gaps.
    let seconds: Vec<_> = report.timeline.iter().filter(|s| s.messages > 0).collect();
    let x_max = report.timeline.len().max(1) as f64;
    let y_max = seconds.iter().map(|s| s.latency_us.max).fold(1.0, f64::max) * 1.5;
    let y_min = seconds
        .iter()
        .map(|s| s.latency_us.p50)
        .fold(y_max, f64::min)
        .max(1.0)
        / 1.5;

    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, (y_min..y_max).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("seconds since measuring started")
        .y_desc("latency (µs, log scale)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    let lines: [(&str, RGBColor, Pick); 3] = [
        ("max", RED, |s| s.latency_us.max),
        ("p99", MAGENTA, |s| s.latency_us.p99),
        ("p50", BLUE, |s| s.latency_us.p50),
    ];
    for (name, color, value) in lines {
        // Each second's point sits in its middle.
        let points: Vec<(f64, f64)> = seconds
            .iter()
            .map(|s| (s.second as f64 + 0.5, value(s)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn render(
    path: &Path,
    title: &str,
    reports: &[RunReport],
) -> Result<(), Box<dyn std::error::Error>> {
    let points: Vec<(f64, f64, f64)> = reports
        .iter()
        .map(|r| (f64::from(r.connections), r.throughput, r.latency_us.p99))
        .collect();
    let x_max = points.iter().map(|p| p.0).fold(1.0, f64::max) * 1.5;
    let tp_max = points.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
    // p99 spans orders of magnitude across a sweep: a log axis keeps the small ones visible.
    let p99_max = points.iter().map(|p| p.2).fold(1.0, f64::max) * 1.5;
    let p99_min = points.iter().map(|p| p.2).fold(p99_max, f64::min).max(1.0) / 1.5;
    let unit = match reports.first().map(|r| r.mode) {
        Some(super::args::Mode::Churn) => "connections/s",
        _ => "messages/s",
    };

    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .right_y_label_area_size(70)
        .build_cartesian_2d((0.7f64..x_max).log_scale(), 0f64..tp_max)?
        .set_secondary_coord((0.7f64..x_max).log_scale(), (p99_min..p99_max).log_scale());
    chart
        .configure_mesh()
        .x_desc("connections")
        .y_desc(unit)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("p99 latency (µs, log scale)")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;

    let throughput = points.iter().map(|p| (p.0, p.1));
    chart
        .draw_series(LineSeries::new(throughput.clone(), BLUE.stroke_width(2)))?
        .label("throughput")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart.draw_series(throughput.map(|p| Circle::new(p, 4, BLUE.filled())))?;
    let p99 = points.iter().map(|p| (p.0, p.2));
    chart
        .draw_secondary_series(LineSeries::new(p99.clone(), RED.stroke_width(2)))?
        .label("p99 latency")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart.draw_secondary_series(p99.map(|p| TriangleMarker::new(p, 5, RED.filled())))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::args::{Framing, Mode};
    use super::super::report::RunSpec;
    use super::super::stats::{RunPhase, Tally};
    use super::*;
    use std::time::Duration;

    /// A sweep of three runs becomes an SVG with both series and the title in it.
    #[test]
    fn draws_an_svg() {
        let reports: Vec<RunReport> = [1, 10, 100]
            .iter()
            .map(|&c| {
                let t = Tally::new(RunPhase::Measure, Duration::from_secs(1), true, false);
                t.reply_after(Duration::from_micros(20 * u64::from(c)));
                let spec = RunSpec {
                    mode: Mode::Lockstep,
                    framing: Framing::Line,
                    connections: c,
                    depth: None,
                };
                RunReport::new(spec, &t.snapshot(), Duration::from_millis(10), None, None)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.svg");
        draw(&path, "lockstep sweep", &reports).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("lockstep sweep"));
        assert!(svg.contains("p99 latency"));
    }

    /// A single run becomes a chart of its latency over time, with the three lines named.
    #[test]
    fn draws_a_timeline() {
        let t = Tally::new(RunPhase::Measure, Duration::from_secs(1), true, false);
        for us in [10, 20, 400] {
            t.reply_after(Duration::from_micros(us));
        }
        let spec = RunSpec {
            mode: Mode::Lockstep,
            framing: Framing::Line,
            connections: 2,
            depth: None,
        };
        let report = RunReport::new(spec, &t.snapshot(), Duration::from_millis(10), None, None);
        assert_eq!(report.timeline.len(), 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.svg");
        draw_timeline(&path, "lockstep over time", &report).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("lockstep over time"));
        for name in ["p50", "p99", "max", "seconds since measuring started"] {
            assert!(svg.contains(name), "{name}");
        }
    }
}
