//! Logistic regression by maximum likelihood (Newton-Raphson, equivalently iteratively
//! reweighted least squares), with Wald standard errors from the inverse information
//! matrix: the regression of published citizen surveys of co-production, fitted to
//! simulated citizens by `coprod survey`.

use crate::dist::t_two_sided_p;
use crate::linear::solve;

/// One coefficient of a fitted model.
#[derive(Clone, Debug, PartialEq)]
pub struct Coefficient {
    /// Estimate (log-odds per unit of the predictor).
    pub estimate: f64,
    /// Wald standard error.
    pub se: f64,
    /// estimate / se.
    pub z: f64,
    /// Two-sided p-value of z (Student t with n - k degrees of freedom, which is the
    /// normal for survey-sized samples).
    pub p_value: f64,
}

/// A fitted logistic regression: the intercept first, then one coefficient per predictor.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticFit {
    /// Intercept, then the predictors in the order given.
    pub coefficients: Vec<Coefficient>,
    /// Newton iterations used.
    pub iterations: u32,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
}

/// Why a model cannot be fitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogisticError {
    /// Rows and outcomes differ in number, or rows differ in length, or there are fewer
    /// rows than coefficients.
    Shape,
    /// The information matrix is singular (a constant or collinear predictor) or the
    /// estimates diverge (perfect separation).
    NoFit,
}

/// Fits `P(y = 1) = 1 / (1 + exp(-(b0 + b . x)))` to rows `x` and outcomes `y`.
///
/// A coefficient beyond 50 in absolute value is taken for divergence (perfect separation)
/// and gives [`LogisticError::NoFit`]: the predictors are expected on a standardised scale,
/// as `coprod survey` gives them, where a log-odds of 50 per unit is no real effect.
pub fn logistic(x: &[Vec<f64>], y: &[bool]) -> Result<LogisticFit, LogisticError> {
    let k = x.first().map_or(0, Vec::len) + 1;
    if x.len() != y.len() || x.len() <= k || x.iter().any(|r| r.len() + 1 != k) {
        return Err(LogisticError::Shape);
    }
    let design: Vec<Vec<f64>> = x
        .iter()
        .map(|r| std::iter::once(1.0).chain(r.iter().copied()).collect())
        .collect();
    let mut beta = vec![0.0; k];
    for iteration in 1..=100 {
        let (gradient, information) = score(&design, y, &beta);
        let step = solve(&information, &gradient).ok_or(LogisticError::NoFit)?;
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        if beta.iter().any(|b| !b.is_finite() || b.abs() > 50.0) {
            return Err(LogisticError::NoFit);
        }
        if step.iter().all(|s| s.abs() < 1e-10) {
            let (_, information) = score(&design, y, &beta);
            let covariance = invert(&information).ok_or(LogisticError::NoFit)?;
            let df = (x.len() - k) as f64;
            let coefficients = (0..k)
                .map(|j| {
                    let se = covariance[j][j].sqrt();
                    let z = beta[j] / se;
                    Coefficient {
                        estimate: beta[j],
                        se,
                        z,
                        p_value: t_two_sided_p(z, df),
                    }
                })
                .collect();
            return Ok(LogisticFit {
                coefficients,
                iterations: iteration,
                log_likelihood: log_likelihood(&design, y, &beta),
            });
        }
    }
    Err(LogisticError::NoFit)
}

fn linear(row: &[f64], beta: &[f64]) -> f64 {
    row.iter().zip(beta).map(|(a, b)| a * b).sum()
}

fn probability(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

/// Gradient of the log-likelihood and the information matrix X' W X.
fn score(design: &[Vec<f64>], y: &[bool], beta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let k = beta.len();
    let mut gradient = vec![0.0; k];
    let mut information = vec![vec![0.0; k]; k];
    for (row, &yi) in design.iter().zip(y) {
        let p = probability(linear(row, beta));
        let residual = f64::from(u8::from(yi)) - p;
        let w = p * (1.0 - p);
        for a in 0..k {
            gradient[a] += residual * row[a];
            for b in 0..k {
                information[a][b] += w * row[a] * row[b];
            }
        }
    }
    (gradient, information)
}

fn log_likelihood(design: &[Vec<f64>], y: &[bool], beta: &[f64]) -> f64 {
    design
        .iter()
        .zip(y)
        .map(|(row, &yi)| {
            let p = probability(linear(row, beta));
            if yi { p.ln() } else { (1.0 - p).ln() }
        })
        .sum()
}

fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let columns: Option<Vec<Vec<f64>>> = (0..n)
        .map(|j| {
            let e: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == j))).collect();
            solve(a, &e)
        })
        .collect();
    let columns = columns?;
    Some(
        (0..n)
            .map(|i| (0..n).map(|j| columns[j][i]).collect())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With one binary predictor the maximum-likelihood fit is known in closed form:
    /// intercept logit(p0), slope logit(p1) - logit(p0), and standard errors
    /// sqrt(1/(n0 p0 (1-p0))) and sqrt(1/(n0 p0 (1-p0)) + 1/(n1 p1 (1-p1))).
    /// 30 of 100 co-produce at x = 0, and 60 of 80 at x = `high`.
    fn two_by_two(high: f64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..100 {
            x.push(vec![0.0]);
            y.push(i < 30);
        }
        for i in 0..80 {
            x.push(vec![high]);
            y.push(i < 60);
        }
        (x, y)
    }

    #[test]
    fn matches_the_closed_form_fit_of_a_two_by_two_table() {
        // x = 0: 30 of 100 co-produce; x = 1: 60 of 80.
        let (x, y) = two_by_two(1.0);
        let fit = logistic(&x, &y).unwrap();
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let (p0, p1) = (0.3, 0.75);
        let v0 = 1.0 / (100.0 * p0 * (1.0 - p0));
        let v1 = 1.0 / (80.0 * p1 * (1.0 - p1));
        let c = &fit.coefficients;
        assert!((c[0].estimate - logit(p0)).abs() < 1e-9);
        assert!((c[1].estimate - (logit(p1) - logit(p0))).abs() < 1e-9);
        assert!((c[0].se - v0.sqrt()).abs() < 1e-9);
        assert!((c[1].se - (v0 + v1).sqrt()).abs() < 1e-9);
        assert!(c[1].p_value < 1e-6);
    }

    /// The divergence guard is on the estimate, not only on non-finite values: the same
    /// 2 x 2 table (30 of 100 at the low level, 60 of 80 at the high one) with the levels
    /// 0 and 0.1 has the slope (logit 0.75 - logit 0.3) / 0.1 = (1.098612 + 0.847298) / 0.1
    /// = 19.459, which is fitted; with 0 and 0.01 the slope is 194.59, beyond 50, and is
    /// refused as documented although Newton's method would converge to it.
    #[test]
    fn a_slope_beyond_fifty_is_refused() {
        let (x, y) = two_by_two(0.1);
        let fit = logistic(&x, &y).unwrap();
        let slope = fit.coefficients[1].estimate;
        assert!((slope - 19.459_10).abs() < 1e-4, "{slope}");
        let (x, y) = two_by_two(0.01);
        assert_eq!(logistic(&x, &y), Err(LogisticError::NoFit));
    }

    #[test]
    fn separation_and_bad_shapes_are_errors() {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![f64::from(i)]).collect();
        let y: Vec<bool> = (0..10).map(|i| i >= 5).collect();
        assert_eq!(logistic(&x, &y), Err(LogisticError::NoFit));
        assert_eq!(logistic(&x, &y[..3]), Err(LogisticError::Shape));
    }

    #[test]
    fn small_table_p_values_use_n_minus_k_degrees_of_freedom() {
        // x = 0: 1 of 3; x = 1: 2 of 3. Closed form: intercept logit(1/3) = -ln 2 with
        // se sqrt(1.5), slope 2 ln 2 with se sqrt(3). Six rows and two coefficients leave 4
        // degrees of freedom, whose t distribution function is closed:
        // F(t) = 1/2 + 3/8 t / sqrt(1 + u) (1 - u / (3 (1 + u))), u = t^2 / 4.
        let x: Vec<Vec<f64>> = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
            .iter()
            .map(|&v| vec![v])
            .collect();
        let y = [true, false, false, true, true, false];
        let fit = logistic(&x, &y).unwrap();
        let ln2 = std::f64::consts::LN_2;
        let two_sided = |z: f64| {
            let (t, u) = (z.abs(), z * z / 4.0);
            2.0 * (0.5 - 0.375 * t / (1.0 + u).sqrt() * (1.0 - u / (3.0 * (1.0 + u))))
        };
        let c = &fit.coefficients;
        for (coef, estimate, se) in [
            (&c[0], -ln2, 1.5f64.sqrt()),
            (&c[1], 2.0 * ln2, 3f64.sqrt()),
        ] {
            assert!((coef.estimate - estimate).abs() < 1e-9, "{coef:?}");
            assert!((coef.se - se).abs() < 1e-9, "{coef:?}");
            assert!((coef.z - estimate / se).abs() < 1e-9, "{coef:?}");
            assert!(
                (coef.p_value - two_sided(estimate / se)).abs() < 1e-9,
                "{coef:?}"
            );
        }
        // At the estimate each group's fitted share is its observed share:
        // ln L = 2 ln(1/3) + 4 ln(2/3).
        let ln_l = 2.0 * (1.0f64 / 3.0).ln() + 4.0 * (2.0f64 / 3.0).ln();
        assert!(
            (fit.log_likelihood - ln_l).abs() < 1e-9,
            "{}",
            fit.log_likelihood
        );
    }

    #[test]
    fn too_few_rows_and_constant_predictors_cannot_be_fitted() {
        // Two coefficients need more than two rows.
        let x = vec![vec![0.0], vec![1.0]];
        assert_eq!(logistic(&x, &[false, true]), Err(LogisticError::Shape));
        // A constant predictor is the intercept again: the information matrix is singular.
        let x = vec![vec![0.1]; 6];
        let y = [true, false, false, true, true, false];
        assert_eq!(logistic(&x, &y), Err(LogisticError::NoFit));
    }
}
