# Reference values for package ranktest, computed by R's stats package.
#
# Run from internal/ranktest:  Rscript testdata/ranktest.R > testdata/ranktest.golden.json
# Every case stores its inputs and what R returns for them; numbers are
# written with 17 significant digits so that they read back exactly.

num <- function(x) {
  if (length(x) == 0 || is.null(x) || is.na(x) || !is.finite(x)) "null"
  else sprintf("%.17g", x)
}
vec <- function(x) paste0("[", paste(vapply(x, num, ""), collapse = ","), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ","), "]")
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf("%s:%s", vapply(names(kv), str, ""), unlist(kv)), collapse = ","), "}")
}
safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)

kw_case <- function(name, groups) {
  t <- safe(kruskal.test(groups))
  obj(name = str(name),
      code = str("kruskal.test(groups)"),
      groups = paste0("[", paste(vapply(groups, vec, ""), collapse = ","), "]"),
      statistic = num(if (is.null(t)) NA else unname(t$statistic)),
      df = num(if (is.null(t)) length(groups) - 1 else unname(t$parameter)),
      p = num(if (is.null(t)) NA else t$p.value))
}

fr_case <- function(name, m) {
  t <- safe(friedman.test(m))
  obj(name = str(name),
      code = str("friedman.test(blocks)  # rows = blocks; rows with NA dropped"),
      blocks = mat(m),
      statistic = num(if (is.null(t)) NA else unname(t$statistic)),
      df = num(if (is.null(t)) ncol(m) - 1 else unname(t$parameter)),
      p = num(if (is.null(t)) NA else t$p.value),
      n = num(sum(complete.cases(m))))
}

sr_case <- function(name, x, y) {
  t <- safe(wilcox.test(x, y, paired = TRUE))
  obj(name = str(name),
      code = str("wilcox.test(x, y, paired = TRUE)"),
      x = vec(x), y = vec(y),
      statistic = num(if (is.null(t)) NA else unname(t$statistic)),
      p = num(if (is.null(t)) NA else t$p.value),
      exact = if (!is.null(t) && grepl("exact", t$method)) "true" else "false")
}

set.seed(20240501)
cases_kw <- c(
  # Hollander & Wolfe (1973) p. 116, the example in ?kruskal.test.
  kw_case("hollander-wolfe", list(c(2.9, 3.0, 2.5, 2.6, 3.2), c(3.8, 2.7, 4.0, 2.4), c(2.8, 3.4, 3.7, 2.2, 2.0))),
  kw_case("integer-scores-ties", list(c(7, 8, 9, 7, 6, 8), c(5, 6, 7, 5, 4), c(3, 5, 4, 6, 2, 5, 4))),
  kw_case("decimals", list(c(7.5, 8.25, 6.5), c(5.75, 7.5, 4.25, 3), c(6.5, 6.5))),
  kw_case("all-equal", list(c(4, 4, 4), c(4, 4))),
  kw_case("one-group", list(c(1, 2, 3))),
  kw_case("large-p-small", list(round(rnorm(200, 7, 2)), round(rnorm(200, 4, 2)), round(rnorm(150, 5.5, 2))))
)

rt <- matrix(c(5.40, 5.50, 5.55, 5.85, 5.70, 5.75, 5.20, 5.60, 5.50, 5.55, 5.50, 5.40,
               5.90, 5.85, 5.70, 5.45, 5.55, 5.60, 5.40, 5.40, 5.35, 5.45, 5.50, 5.35,
               5.25, 5.15, 5.00, 5.85, 5.80, 5.70, 5.25, 5.20, 5.10, 5.65, 5.55, 5.45,
               5.60, 5.35, 5.45, 5.05, 5.00, 4.95, 5.50, 5.50, 5.40, 5.45, 5.55, 5.50,
               5.55, 5.55, 5.35, 5.45, 5.50, 5.55, 5.50, 5.45, 5.25, 5.65, 5.60, 5.40,
               5.70, 5.65, 5.55, 6.30, 6.30, 6.25),
             nrow = 22, byrow = TRUE)
withna <- matrix(c(7, 6, 5, 4,
                   8, NA, 6, 6,
                   6, 6, 5, 3,
                   9, 8, 8, 7,
                   5, 5, 5, 5,
                   7, 7, 4, NA,
                   6, 4, 4, 2), ncol = 4, byrow = TRUE)
cases_fr <- c(
  # Hollander & Wolfe (1973) p. 140, RoundingTimes, the example in ?friedman.test.
  fr_case("rounding-times", rt),
  fr_case("integer-scores-with-na", withna),
  fr_case("all-tied", matrix(c(3, 3, 3, 1, 1, 1), ncol = 3, byrow = TRUE)),
  fr_case("random-ties", matrix(sample(0:10, 30 * 6, replace = TRUE), ncol = 6))
)

x49 <- round(rnorm(49, 1, 2), 4); y49 <- round(rnorm(49, 0, 2), 4)
x60 <- round(rnorm(60, 1, 2), 4); y60 <- round(rnorm(60, 0, 2), 4)
cases_sr <- c(
  # The example in ?wilcox.test (Hollander & Wolfe 1973, p. 29).
  sr_case("depression-exact",
          c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
          c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)),
  sr_case("exact-n49", x49, y49),
  sr_case("approx-n60-no-ties", x60, y60),
  sr_case("ties", c(8, 7, 9, 6, 8, 7, 10, 5), c(5, 6, 6, 4, 5, 3, 7, 5.5)),
  sr_case("zeros", c(8, 7, 9, 6, 8, 7, 10, 5), c(8, 6, 6, 4, 5, 3, 7, 5)),
  sr_case("all-zero", c(3, 4), c(3, 4)),
  sr_case("one-pair", c(5), c(3)),
  sr_case("upper-tail-exact", c(1, 2, 3, 4, 5, 6), c(1.5, 0.5, 0.25, 0.125, 2.5, 3.75)),
  sr_case("decimal-differences", c(7.3, 2.3, 6.1, 9.4, 5.2), c(5.1, 0.1, 3.9, 7.2, 5.9)),
  sr_case("with-na", c(7, NA, 6, 8, 9, 4), c(5, 3, NA, 6, 4, 2))
)

ps <- character(0)
for (n in c(1, 5, 10, 20, 49)) for (q in unique(c(0, 1, floor(n * (n + 1) / 8), floor(n * (n + 1) / 4), n * (n + 1) / 2 - 1))) {
  ps <- c(ps, obj(n = num(n), q = num(q), p = num(psignrank(q, n))))
}

cat("{",
    sprintf("\"generated_by\":%s,", obj(r = str(R.version.string), script = str("internal/ranktest/testdata/ranktest.R"))),
    sprintf("\"kruskal\":[%s],", paste(cases_kw, collapse = ",\n")),
    sprintf("\"friedman\":[%s],", paste(cases_fr, collapse = ",\n")),
    sprintf("\"signrank\":[%s],", paste(cases_sr, collapse = ",\n")),
    sprintf("\"psignrank\":[%s]", paste(ps, collapse = ",\n")),
    "}\n", sep = "\n")
