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

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Hand-computed: x = (1, 2, 3), y = (1, 3, 2) have covariance 1/3 and variances 2/3.
    #[test]
    fn correlation_matches_hand_computed_values() {
        assert!(close(correlation(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]), 0.5));
        assert!(close(correlation(&[1.0, 3.0, 2.0], &[1.0, 2.0, 3.0]), 0.5));
        assert!(close(
            correlation(&[1.0, 2.0, 3.0, 4.0], &[8.0, 6.0, 4.0, 2.0]),
            -1.0
        ));
        assert!(close(
            correlation(&[10.0, 20.0, 30.0], &[5.0, 7.0, 9.0]),
            1.0
        ));
    }

    /// y = 2 x1 + x2 with corr(x1, x2) = 1/2: the standardised coefficients are
    /// b_j sd(x_j) / sd(y) = (2 / sqrt 7, 1 / sqrt 7), not the simple correlations.
    #[test]
    fn standardised_two_separates_correlated_predictors() {
        let x1 = [1.0, 2.0, 3.0];
        let x2 = [1.0, 3.0, 2.0];
        let y = [3.0, 7.0, 8.0];
        let (b1, b2) = standardised_two(&y, &x1, &x2);
        let root7 = 7.0_f64.sqrt();
        assert!(close(b1, 2.0 / root7), "{b1}");
        assert!(close(b2, 1.0 / root7), "{b2}");
        // Swapping the predictors swaps the coefficients.
        let (c1, c2) = standardised_two(&y, &x2, &x1);
        assert!(close(c1, b2) && close(c2, b1), "{c1} {c2}");
    }

    /// Two uncorrelated predictors each get their own simple correlation.
    #[test]
    fn standardised_two_with_uncorrelated_predictors_gives_both_correlations() {
        let x1 = [1.0, -1.0, 1.0, -1.0];
        let x2 = [1.0, 1.0, -1.0, -1.0];
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| a - 3.0 * b).collect();
        let (b1, b2) = standardised_two(&y, &x1, &x2);
        let root10 = 10.0_f64.sqrt();
        assert!(close(b1, 1.0 / root10), "{b1}");
        assert!(close(b2, -3.0 / root10), "{b2}");
    }

    /// Identical predictors cannot be told apart: all credit goes to the first, none is NaN.
    #[test]
    fn standardised_two_with_collinear_predictors_credits_the_first() {
        let x = [1.0, 2.0, 4.0, 3.0];
        let y = [2.0, 1.0, 4.0, 5.0];
        let (b1, b2) = standardised_two(&y, &x, &x);
        assert!(close(b1, correlation(&y, &x)), "{b1}");
        assert_eq!(b2, 0.0);
    }
}
