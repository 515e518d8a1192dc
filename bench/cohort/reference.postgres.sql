-- The cohort's per-day summary by hand (bench/cohort/reference.go writes this file).
-- Columns: measure, day, n, mean, sd, q1, median, q3 (quartiles as R's quantile type 7).
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'pain_now' AS measure, day, count(pain_now) AS n, avg(pain_now) / 100.0 AS mean, stddev_samp(pain_now) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY pain_now / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND pain_now IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'pain_worst' AS measure, day, count(pain_worst) AS n, avg(pain_worst) / 100.0 AS mean, stddev_samp(pain_worst) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY pain_worst / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND pain_worst IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'pain_least' AS measure, day, count(pain_least) AS n, avg(pain_least) / 100.0 AS mean, stddev_samp(pain_least) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY pain_least / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND pain_least IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'pain_24h' AS measure, day, count(pain_24h) AS n, avg(pain_24h) / 100.0 AS mean, stddev_samp(pain_24h) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY pain_24h / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND pain_24h IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'affective' AS measure, day, count(affective) AS n, avg(affective) / 100.0 AS mean, stddev_samp(affective) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY affective / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND affective IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'burning' AS measure, day, count(burning) AS n, avg(burning) / 100.0 AS mean, stddev_samp(burning) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY burning / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND burning IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'aching' AS measure, day, count(aching) AS n, avg(aching) / 100.0 AS mean, stddev_samp(aching) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY aching / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND aching IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'punishing' AS measure, day, count(punishing) AS n, avg(punishing) / 100.0 AS mean, stddev_samp(punishing) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY punishing / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND punishing IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'movement' AS measure, day, count(movement) AS n, avg(movement) / 100.0 AS mean, stddev_samp(movement) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY movement / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND movement IS NOT NULL GROUP BY day) AS s
UNION ALL
SELECT measure, day, n, mean, sd, p[1], p[2], p[3] FROM (
  SELECT 'relief_pct' AS measure, day, count(relief_pct) AS n, avg(relief_pct) / 100.0 AS mean, stddev_samp(relief_pct) / 100.0 AS sd,
    percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY relief_pct / 100.0) AS p
  FROM journal_entries WHERE day >= 1 AND relief_pct IS NOT NULL GROUP BY day) AS s
ORDER BY 1, 2;
