// Package ranktest computes the rank-based tests of R's stats package with
// R's default methods, so that a ketatrack cohort report gives the numbers a
// statistician's R gives for the same data:
//
//   - Kruskal–Wallis, as kruskal.test: mid-ranks over all observations,
//     tie-corrected H, chi-squared p-value with k − 1 degrees of freedom;
//   - Friedman, as friedman.test: ranks within each complete block,
//     tie-corrected statistic, chi-squared p-value with k − 1 degrees of
//     freedom;
//   - Wilcoxon signed-rank for paired samples, as wilcox.test(paired = TRUE):
//     V = sum of the ranks of |x − y| over the positive differences; zero
//     differences dropped; the exact distribution (counted, as R's
//     psignrank) when fewer than 50 non-zero differences remain and there
//     are neither ties nor zeros, otherwise the normal approximation with
//     tie-corrected variance and continuity correction.
//
// The formulas are those of R's sources (R 4.2, src/library/stats/R/
// kruskal.test.R, friedman.test.R, wilcox.test.R and src/nmath/signrank.c);
// the chi-squared and normal tails come from gonum's stat/distuv. Where R
// stops with an error (a single group, no complete block, no pairs) the
// functions here return NaN for the statistic or the p-value instead.
package ranktest
