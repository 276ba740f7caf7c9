//! Small statistical helpers shared by drift and checks: bounded figures and the p-values of the
//! tests reported for small samples.

use serde::{Deserialize, Serialize};

/// A figure and an interval that holds its exact value: `lower == value == upper` when the
/// profiles determine it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounded {
    /// The figure (an estimate when not known exactly).
    pub value: f64,
    /// Lower end of the interval that holds the exact value.
    pub lower: f64,
    /// Upper end of the interval that holds the exact value.
    pub upper: f64,
}

impl Bounded {
    /// An exactly known figure.
    pub fn exact(v: f64) -> Bounded {
        Bounded {
            value: v,
            lower: v,
            upper: v,
        }
    }

    /// `value` within `[lower, upper]` (the interval widened to hold it).
    pub fn new(value: f64, lower: f64, upper: f64) -> Bounded {
        Bounded {
            value,
            lower: lower.min(value),
            upper: upper.max(value),
        }
    }

    /// Whether the interval is a point.
    pub fn is_exact(&self) -> bool {
        self.lower == self.upper
    }

    /// The figure mapped through a non-decreasing function.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Bounded {
        Bounded {
            value: f(self.value),
            lower: f(self.lower),
            upper: f(self.upper),
        }
    }
}

/// A number in messages: at most 4 significant digits, trailing zeros dropped.
pub fn fmt(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The two-sample Kolmogorov–Smirnov p-value of a distance `d` between samples of effective
/// size `n_eff = n·m/(n + m)`: the asymptotic Kolmogorov distribution with Stephens' small-sample
/// correction, `Q(λ)` at `λ = (√n_eff + 0.12 + 0.11/√n_eff)·d` (Numerical Recipes §14.3).
pub fn ks_pvalue(d: f64, n_eff: f64) -> f64 {
    if n_eff <= 0.0 || d <= 0.0 {
        return 1.0;
    }
    let s = n_eff.sqrt();
    let lambda = (s + 0.12 + 0.11 / s) * d;
    let a = -2.0 * lambda * lambda;
    let mut sum = 0.0;
    let mut sign = 2.0;
    let mut last = 0.0f64;
    for j in 1..=100 {
        let term = sign * (a * (j * j) as f64).exp();
        sum += term;
        if term.abs() <= 1e-10 * last || term.abs() <= 1e-16 * sum.abs() {
            return sum.clamp(0.0, 1.0);
        }
        sign = -sign;
        last = term.abs();
    }
    // The series did not converge: λ is tiny, the distance means nothing.
    1.0
}

/// `P(X > x)` for a chi-square variable of `dof` degrees of freedom: the regularised upper
/// incomplete gamma function `Q(dof/2, x/2)`.
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    if x <= 0.0 || dof <= 0.0 {
        return 1.0;
    }
    gamma_q(dof / 2.0, x / 2.0)
}

/// The two-sided p-value of a standard normal statistic `z`.
pub fn normal_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, n = 9; relative error below 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised upper incomplete gamma function `Q(a, x)` (series below `a + 1`, Lentz's
/// continued fraction above; Numerical Recipes §6.2).
fn gamma_q(a: f64, x: f64) -> f64 {
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut del = 1.0 / a;
        let mut sum = del;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * (-x + a * x.ln() - gln).exp()).clamp(0.0, 1.0)
    } else {
        const TINY: f64 = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        ((-x + a * x.ln() - gln).exp() * h).clamp(0.0, 1.0)
    }
}

/// The complementary error function (via `Q(1/2, x²)`, accurate to about 1e-15).
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        2.0 - erfc(-x)
    } else if x == 0.0 {
        1.0
    } else {
        gamma_q(0.5, x * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_match_scipy() {
        // scipy.stats.chi2.sf(x, k), scipy.stats.norm.sf(|z|)*2, kstwobign.sf(λ).
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 + 1e-7 * b.abs();
        assert!(close(chi2_sf(3.84, 1.0), 0.050043521248705));
        assert!(close(chi2_sf(10.0, 4.0), 0.040427681994512805));
        assert!(close(chi2_sf(250.0, 200.0), 0.009379131668826098));
        assert!(close(normal_two_sided(1.959963984540054), 0.05));
        assert!(close(normal_two_sided(-3.0), 0.0026997960632601866));
        // kstwobign.sf(1.36) = 0.049486; with n_eff large, λ ≈ √n·d.
        let d = 1.36 / 1e6f64.sqrt();
        assert!((ks_pvalue(d, 1e6) - 0.049485876755377876).abs() < 2e-4);
        assert_eq!(ks_pvalue(0.0, 100.0), 1.0);
        assert!(ks_pvalue(1.0, 100.0) < 1e-30);
    }

    #[test]
    fn ln_gamma_is_exact_at_integers() {
        let f: f64 = (1..10).map(|i| i as f64).product();
        assert!((ln_gamma(10.0) - f.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }
}
