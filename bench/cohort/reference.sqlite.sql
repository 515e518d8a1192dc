-- The cohort's per-day summary by hand (bench/cohort/reference.go writes this file).
-- Columns: measure, day, n, mean, sd, q1, median, q3 (quartiles as R's quantile type 7).
WITH
  c_pain_now AS MATERIALIZED (SELECT day, pain_now AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND pain_now IS NOT NULL GROUP BY day, pain_now),
  c_pain_worst AS MATERIALIZED (SELECT day, pain_worst AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND pain_worst IS NOT NULL GROUP BY day, pain_worst),
  c_pain_least AS MATERIALIZED (SELECT day, pain_least AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND pain_least IS NOT NULL GROUP BY day, pain_least),
  c_pain_24h AS MATERIALIZED (SELECT day, pain_24h AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND pain_24h IS NOT NULL GROUP BY day, pain_24h),
  c_affective AS MATERIALIZED (SELECT day, affective AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND affective IS NOT NULL GROUP BY day, affective),
  c_burning AS MATERIALIZED (SELECT day, burning AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND burning IS NOT NULL GROUP BY day, burning),
  c_aching AS MATERIALIZED (SELECT day, aching AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND aching IS NOT NULL GROUP BY day, aching),
  c_punishing AS MATERIALIZED (SELECT day, punishing AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND punishing IS NOT NULL GROUP BY day, punishing),
  c_movement AS MATERIALIZED (SELECT day, movement AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND movement IS NOT NULL GROUP BY day, movement),
  c_relief_pct AS MATERIALIZED (SELECT day, relief_pct AS v, count(*) AS k FROM journal_entries WHERE day >= 1 AND relief_pct IS NOT NULL GROUP BY day, relief_pct)
SELECT 'pain_now', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_pain_now) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_pain_now GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'pain_worst', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_pain_worst) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_pain_worst GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'pain_least', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_pain_least) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_pain_least GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'pain_24h', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_pain_24h) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_pain_24h GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'affective', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_affective) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_affective GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'burning', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_burning) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_burning GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'aching', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_aching) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_aching GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'punishing', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_punishing) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_punishing GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'movement', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_movement) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_movement GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
UNION ALL
SELECT 'relief_pct', day, n, mean, sd,
  a1 + (h1 - floor(h1)) * (b1 - a1), a2 + (h2 - floor(h2)) * (b2 - a2), a3 + (h3 - floor(h3)) * (b3 - a3)
FROM (
  SELECT t.day AS day, q.n AS n, q.mean AS mean, q.sd AS sd, q.h1 AS h1, q.h2 AS h2, q.h3 AS h3,
    min(CASE WHEN t.cum >= floor(q.h1) THEN t.v END) / 100.0 AS a1, min(CASE WHEN t.cum >= ceil(q.h1) THEN t.v END) / 100.0 AS b1,
    min(CASE WHEN t.cum >= floor(q.h2) THEN t.v END) / 100.0 AS a2, min(CASE WHEN t.cum >= ceil(q.h2) THEN t.v END) / 100.0 AS b2,
    min(CASE WHEN t.cum >= floor(q.h3) THEN t.v END) / 100.0 AS a3, min(CASE WHEN t.cum >= ceil(q.h3) THEN t.v END) / 100.0 AS b3
  FROM (SELECT day, v, sum(k) OVER (PARTITION BY day ORDER BY v) AS cum FROM c_relief_pct) AS t
  JOIN (SELECT day, sum(k) AS n, sum(k * v) * 1.0 / sum(k) / 100 AS mean,
          sqrt((sum(k) * sum(k * v * v) - sum(k * v) * sum(k * v)) * 1.0 / (sum(k) * (sum(k) - 1))) / 100 AS sd,
          1 + (sum(k) - 1) * 0.25 AS h1, 1 + (sum(k) - 1) * 0.5 AS h2, 1 + (sum(k) - 1) * 0.75 AS h3
        FROM c_relief_pct GROUP BY day) AS q ON q.day = t.day
  GROUP BY t.day)
ORDER BY 1, 2;
