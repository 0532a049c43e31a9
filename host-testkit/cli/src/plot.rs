//! `bench --plot`: fuel against ledger size, the production budget as a line.
//!
//! plotters renders into an RGB buffer and the `png` crate encodes it, which keeps the
//! dependency tree small (no `image`). Text needs a TrueType font: plotters' `ab_glyph`
//! backend takes one as bytes, so a common system font is used when one exists; without
//! one the chart is still drawn, without labels, and the command says so.

use std::path::Path;

use anyhow::Context as _;
use plotters::prelude::*;

use crate::bench::Bench;
use crate::out::errln;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 600;

const FONT_CANDIDATES: [&str; 6] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

fn register_font() -> bool {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let from_env = std::env::var("RLPLUGIN_PLOT_FONT").ok();
        for path in from_env.iter().map(String::as_str).chain(FONT_CANDIDATES) {
            if let Ok(bytes) = std::fs::read(path) {
                // plotters keeps fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

pub fn fuel_chart(bench: &Bench, path: &Path) -> anyhow::Result<()> {
    let points: Vec<(f64, f64)> = bench
        .points
        .iter()
        .filter_map(|p| p.fuel.map(|f| (p.directives as f64, f as f64 / 1e6)))
        .collect();
    if points.is_empty() {
        anyhow::bail!("nothing to plot: no size ran to completion; try smaller --sizes");
    }
    let with_text = register_font();
    if !with_text {
        errln!(
            "warning: no TrueType font found, the plot has no labels; set RLPLUGIN_PLOT_FONT=/path/to/font.ttf"
        );
    }
    let mut buffer = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(bench, &points, with_text, &mut buffer)
        .map_err(|e| anyhow::anyhow!("cannot draw the plot: {e}"))?;
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .write_image_data(&buffer)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .finish()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn draw(
    bench: &Bench,
    points: &[(f64, f64)],
    with_text: bool,
    buffer: &mut [u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(buffer, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let budget = bench.budget as f64 / 1e6;
    let max_n = points.iter().map(|p| p.0).fold(0.0, f64::max) * 1.05;
    let max_fuel = points
        .iter()
        .map(|p| p.1)
        .fold(budget, f64::max)
        .max(budget)
        * 1.1;

    let mut builder = ChartBuilder::on(&root);
    builder.margin(20);
    if with_text {
        builder
            .caption(
                format!("{}: fuel per call vs ledger size", bench.guest),
                ("sans-serif", 24),
            )
            .x_label_area_size(45)
            .y_label_area_size(70);
    }
    let mut chart = builder.build_cartesian_2d(0.0..max_n, 0.0..max_fuel)?;
    let mut mesh = chart.configure_mesh();
    if with_text {
        mesh.x_desc("directives")
            .y_desc("fuel (millions)")
            .label_style(("sans-serif", 16))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"));
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw()?;

    let series = chart.draw_series(LineSeries::new(
        [(0.0, budget), (max_n, budget)],
        RED.stroke_width(2),
    ))?;
    if with_text {
        series
            .label(format!("rustledger 0.24 budget ({budget:.0}M fuel)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    }
    let series = chart.draw_series(LineSeries::new(
        points.iter().copied(),
        BLUE.stroke_width(2),
    ))?;
    if with_text {
        series
            .label("measured")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    }
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, BLUE.filled())))?;
    if let Some(fit) = &bench.fit {
        let series = chart.draw_series(LineSeries::new(
            [0.0, max_n]
                .into_iter()
                .map(|n| (n, (fit.intercept + fit.slope * n) / 1e6)),
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        if with_text {
            series
                .label("linear fit")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.4)));
        }
    }
    if with_text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
