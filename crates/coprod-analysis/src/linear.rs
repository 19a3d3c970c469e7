//! Small dense linear systems: the normal equations of the regressions (logistic
//! information matrix, standardised regression coefficients), a handful of unknowns each.

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when `a` is
/// singular (a pivot below 1e-12).
pub(crate) fn solve(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let augmented = a
        .iter()
        .zip(b)
        .map(|(row, &v)| row.iter().copied().chain(std::iter::once(v)).collect())
        .collect();
    solve_augmented(augmented)
}

/// Solves the augmented system `a` (k rows, k + 1 columns) by Gaussian elimination with
/// partial pivoting; `None` when it is singular (a pivot below 1e-12).
pub(crate) fn solve_augmented(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (cell, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *cell -= f * p;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}
