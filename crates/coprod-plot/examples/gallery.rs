//! Draws one chart of each kind with made-up but realistic data into `/tmp/coprod-gallery/`
//! (or the directory given as the first argument), to look at them by eye.
//!
//! Run with `cargo run -p coprod-plot --example gallery`.

use std::path::{Path, PathBuf};

use coprod_plot::{
    ChartStyle, ForestRow, Heatmap, PlotError, Series, SurvivalClass, forest_plot, heatmap,
    response_curve, survival_curves, time_series,
};

/// A small deterministic pseudo-random sequence in [0, 1), so the example needs no RNG crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn draw_time_series(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let steps: Vec<f64> = (0..=200).map(f64::from).collect();
    let regimes = [
        ("co-production", 0.62, 30.0, 0.05),
        ("professional provision", 0.35, 60.0, 0.04),
        ("mixed regime", 0.48, 45.0, 0.06),
    ];
    let series = regimes
        .iter()
        .map(|(name, level, tau, width)| {
            let mean: Vec<f64> = steps
                .iter()
                .map(|t| level * (1.0 - (-t / tau).exp()) + 0.05)
                .collect();
            let lower = mean.iter().map(|m| m - width).collect();
            let upper = mean.iter().map(|m| m + width).collect();
            Series::new(*name, steps.clone(), mean).with_band(lower, upper)
        })
        .collect::<Vec<_>>();
    let style = ChartStyle::new(
        "Share of citizens co-producing over time",
        "time (steps)",
        "share co-producing (0–1)",
        dir.join("time_series"),
    );
    time_series(&series, &style)
}

fn draw_response_curve(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let group_sizes: Vec<f64> = vec![2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0];
    let series = [
        ("co-production", 0.8, 10.0),
        ("professional provision", 0.55, 20.0),
    ]
    .iter()
    .map(|(name, top, half)| {
        let y: Vec<f64> = group_sizes
            .iter()
            .map(|g| top * half / (half + g))
            .collect();
        let lower = y
            .iter()
            .zip(&group_sizes)
            .map(|(v, g)| v - 0.02 - 0.004 * g)
            .collect();
        let upper = y
            .iter()
            .zip(&group_sizes)
            .map(|(v, g)| v + 0.02 + 0.004 * g)
            .collect();
        Series::new(*name, group_sizes.clone(), y).with_band(lower, upper)
    })
    .collect::<Vec<_>>();
    let style = ChartStyle::new(
        "Service quality falls with group size",
        "group size (citizens per provider)",
        "service quality (0–1)",
        dir.join("response_curve"),
    );
    response_curve(&series, &style)
}

fn draw_survival(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut rng = Lcg(7);
    let classes = [
        ("altruists", 120.0),
        ("conditional co-operators", 60.0),
        ("free riders", 20.0_f64),
    ]
    .iter()
    .map(|(name, mean)| {
        let durations = (0..60)
            .map(|_| {
                let t = (-mean * (1.0 - rng.next()).ln()).round();
                // The run ends after 150 steps: later drop-outs are censored there, and a
                // few citizens move away early (censored too).
                if t >= 150.0 {
                    (150.0, false)
                } else if rng.next() < 0.1 {
                    ((t * rng.next()).round(), false)
                } else {
                    (t, true)
                }
            })
            .collect();
        SurvivalClass {
            name: (*name).to_string(),
            durations,
        }
    })
    .collect::<Vec<_>>();
    let style = ChartStyle::new(
        "How long citizens keep co-producing",
        "time since first contribution (steps)",
        "share still co-producing",
        dir.join("survival_curves"),
    );
    survival_curves(&classes, &style)
}

fn draw_forest(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let rows = [
        ForestRow::new("reward for contributing", 8.2, 5.1, 11.3),
        ForestRow::new("provider responsiveness", 5.6, 2.0, 9.2),
        ForestRow::new("group size (per 10 citizens)", -4.3, -6.9, -1.7),
        ForestRow::new("cost of participation", -7.8, -10.2, -5.4),
        ForestRow::new("trust in government", 2.1, -0.8, 5.0),
        ForestRow::new("neighbourhood ties", 0.4, -2.3, 3.1),
    ];
    let style = ChartStyle::new(
        "Effect of each mechanism on co-production",
        "change in share co-producing (percentage points)",
        "",
        dir.join("forest_plot"),
    );
    forest_plot(&rows, &style)
}

fn draw_heatmap(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let rewards: Vec<f64> = (0..8).map(|i| f64::from(i) * 0.25).collect();
    let costs: Vec<f64> = (0..6).map(|i| 0.1 + f64::from(i) * 0.1).collect();
    let values = costs
        .iter()
        .map(|c| {
            rewards
                .iter()
                .map(|r| 1.0 / (1.0 + (-(3.0 * r - 8.0 * c)).exp()))
                .collect()
        })
        .collect();
    let data = Heatmap {
        x_values: rewards,
        y_values: costs,
        values,
        value_label: "share co-producing (0–1)".to_string(),
    };
    let style = ChartStyle::new(
        "Co-production over reward and cost",
        "reward per contribution (service units)",
        "cost of participation (hours/week)",
        dir.join("heatmap"),
    );
    heatmap(&data, &style)
}

fn main() -> Result<(), PlotError> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("/tmp/coprod-gallery"), PathBuf::from);
    let drawn = [
        draw_time_series(&dir)?,
        draw_response_curve(&dir)?,
        draw_survival(&dir)?,
        draw_forest(&dir)?,
        draw_heatmap(&dir)?,
    ];
    for path in drawn.iter().flatten() {
        // An example program is a binary, so it may print.
        #[allow(clippy::print_stdout)]
        {
            println!("{}", path.display());
        }
    }
    Ok(())
}
