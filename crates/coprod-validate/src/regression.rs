//! Ordinary least squares on standardised variables, for the two regression propositions.
//!
//! Owns the numerics only: small, closed-form, no matrix library.

/// Mean and population standard deviation.
fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Pearson correlation; 0 when either variable is constant.
pub(crate) fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let (mx, sx) = moments(x);
    let (my, sy) = moments(y);
    if sx == 0.0 || sy == 0.0 {
        return 0.0;
    }
    let n = x.len() as f64;
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - mx) * (b - my))
        .sum::<f64>()
        / (n * sx * sy)
}

/// Standardised coefficients `(beta_1, beta_2)` of `y` on two predictors:
/// `beta_1 = (r_y1 - r_y2 r_12) / (1 - r_12^2)` and symmetrically.
pub(crate) fn standardised_two(y: &[f64], x1: &[f64], x2: &[f64]) -> (f64, f64) {
    let (r_y1, r_y2, r_12) = (correlation(y, x1), correlation(y, x2), correlation(x1, x2));
    let denom = 1.0 - r_12 * r_12;
    if denom <= 1e-12 {
        return (r_y1, 0.0);
    }
    ((r_y1 - r_y2 * r_12) / denom, (r_y2 - r_y1 * r_12) / denom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_known_standardised_coefficients() {
        // y = 2 x1 + 0 x2 exactly, with x1 and x2 uncorrelated.
        let x1 = [1.0, -1.0, 1.0, -1.0];
        let x2 = [1.0, 1.0, -1.0, -1.0];
        let y: Vec<f64> = x1.iter().map(|a| 2.0 * a).collect();
        let (b1, b2) = standardised_two(&y, &x1, &x2);
        assert!((b1 - 1.0).abs() < 1e-12 && b2.abs() < 1e-12);
        assert!((correlation(&x1, &y) - 1.0).abs() < 1e-12);
        assert_eq!(correlation(&[1.0, 1.0], &[0.0, 1.0]), 0.0);
    }

    #[test]
    fn correlated_predictors_share_credit() {
        let x1 = [0.0, 1.0, 2.0, 3.0, 4.0];
        let x2 = [0.0, 1.0, 2.0, 3.0, 5.0];
        let y = [0.0, 1.0, 2.0, 3.0, 4.0];
        let (b1, b2) = standardised_two(&y, &x1, &x2);
        assert!(b1 > 0.9 && b2.abs() < 0.1, "{b1} {b2}");
    }
}
