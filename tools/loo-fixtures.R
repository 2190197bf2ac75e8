#!/usr/bin/env Rscript
# Generates reference/fixtures/loo/*.json: pointwise log-likelihood matrices from short rstan NUTS runs of five
# models and what R's loo 2.5.1 computes from them (relative_eff, psis-loo pointwise and estimates, psis n_eff,
# mcse_elpd_loo, waic, loo_compare). The log-likelihoods are rounded to 10 significant digits and read back before
# loo sees them, so the C# tests start from the same doubles. Every output double is written with 17 significant
# digits (it parses back to the same double); NA/NaN/Inf are written as null.
# Usage (from the repository root, R with rstan and loo installed by /work/shared/tools/install-r-stan.sh):
#   Rscript tools/loo-fixtures.R reference/fixtures/loo
suppressPackageStartupMessages({ library(rstan); library(loo) })
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) > 0) args[1] else "reference/fixtures/loo"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
rstan_options(auto_write = FALSE)
seed <- 20261201L

num <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
arr <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
obj <- function(...) {
  kv <- list(...)
  paste0("{\n", paste0("  ", str(names(kv)), ": ", unlist(kv), collapse = ",\n"), "\n}")
}
matrix_rows <- function(m) paste0("[\n", paste0("    ", apply(m, 1, function(r) paste0("[", paste(sprintf("%.10g", r), collapse = ", "), "]")), collapse = ",\n"), "\n  ]")

eight <- list(J = 8L, y = c(28, 8, -3, 7, -1, 1, 18, 12), sigma = c(15, 10, 16, 11, 9, 11, 10, 18))
blr_data <- jsonlite::fromJSON("reference/posteriors/sblrc-blr/data.json")
set.seed(seed)
n_out <- 30L
x_out <- round(rnorm(n_out), 4)
y_out <- round(1 + 2 * x_out + rnorm(n_out, 0, 0.5), 4)
y_out[c(7, 22)] <- y_out[c(7, 22)] + c(6, -8)  # two gross outliers: Pareto k above 0.7 under a normal likelihood
outlier <- list(N = n_out, x = x_out, y = y_out)

models <- list(
  eight_schools_noncentered = list(data = eight, draws = 500L, code = "
    data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
    parameters { vector[J] theta_trans; real mu; real<lower=0> tau; }
    transformed parameters { vector[J] theta = mu + tau * theta_trans; }
    model { theta_trans ~ normal(0, 1); y ~ normal(theta, sigma); mu ~ normal(0, 5); tau ~ cauchy(0, 5); }
    generated quantities { vector[J] log_lik; for (j in 1:J) log_lik[j] = normal_lpdf(y[j] | theta[j], sigma[j]); }"),
  eight_schools_pooled = list(data = eight, draws = 500L, code = "
    data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
    parameters { real mu; }
    model { y ~ normal(mu, sigma); mu ~ normal(0, 5); }
    generated quantities { vector[J] log_lik; for (j in 1:J) log_lik[j] = normal_lpdf(y[j] | mu, sigma[j]); }"),
  eight_schools_separate = list(data = eight, draws = 500L, code = "
    data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
    parameters { vector[J] theta; }
    model { y ~ normal(theta, sigma); theta ~ normal(0, 20); }
    generated quantities { vector[J] log_lik; for (j in 1:J) log_lik[j] = normal_lpdf(y[j] | theta[j], sigma[j]); }"),
  blr = list(data = blr_data, draws = 250L, code = "
    data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
    parameters { vector[D] beta; real<lower=0> sigma; }
    model { target += normal_lpdf(beta | 0, 10); target += normal_lpdf(sigma | 0, 10); target += normal_lpdf(y | X * beta, sigma); }
    generated quantities { vector[N] log_lik; for (n in 1:N) log_lik[n] = normal_lpdf(y[n] | X[n] * beta, sigma); }"),
  regression_outliers = list(data = outlier, draws = 500L, code = "
    data { int<lower=0> N; vector[N] x; vector[N] y; }
    parameters { real alpha; real beta; real<lower=0> sigma; }
    model { alpha ~ normal(0, 5); beta ~ normal(0, 5); sigma ~ normal(0, 2); y ~ normal(alpha + beta * x, sigma); }
    generated quantities { vector[N] log_lik; for (n in 1:N) log_lik[n] = normal_lpdf(y[n] | alpha + beta * x[n], sigma); }")
)

loos <- list()
for (name in names(models)) {
  m <- models[[name]]
  sm <- stan_model(model_code = m$code, model_name = name)
  fit <- sampling(sm, data = m$data, chains = 4, iter = 500L + m$draws, warmup = 500L, seed = seed, refresh = 0, cores = 1)
  raw <- extract_log_lik(fit, merge_chains = FALSE)          # iterations x chains x observations
  s_chain <- dim(raw)[1]; chains <- dim(raw)[2]; n <- dim(raw)[3]
  ll_rows <- do.call(rbind, lapply(seq_len(chains), function(c) raw[, c, ]))   # chain 1's draws, then chain 2's, ...
  chain_id <- rep(seq_len(chains), each = s_chain)
  ll <- matrix(as.numeric(sprintf("%.10g", ll_rows)), nrow = nrow(ll_rows))   # the doubles the C# side parses
  r_eff <- relative_eff(exp(ll), chain_id = chain_id)
  l <- suppressWarnings(loo(ll, r_eff = r_eff))
  w <- suppressWarnings(waic(ll))
  loos[[name]] <- l
  pw <- l$pointwise
  json <- obj(
    case = str(name),
    generated_by = str("tools/loo-fixtures.R"),
    software = obj(R = str(R.version.string), rstan = str(as.character(packageVersion("rstan"))),
                   stan = str(stan_version()), loo = str(as.character(packageVersion("loo")))),
    stan_program = str(gsub("\n *", " ", trimws(m$code))),
    seed = seed, chains = chains, draws_per_chain = s_chain, observations = n,
    note = str("log_lik is draws x observations, chain 1's draws first; loo(log_lik, r_eff = relative_eff(exp(log_lik), chain_id)) and waic(log_lik)."),
    expected = obj(
      r_eff = arr(r_eff),
      elpd_loo = num(l$estimates["elpd_loo", "Estimate"]), se_elpd_loo = num(l$estimates["elpd_loo", "SE"]),
      p_loo = num(l$estimates["p_loo", "Estimate"]), se_p_loo = num(l$estimates["p_loo", "SE"]),
      looic = num(l$estimates["looic", "Estimate"]), se_looic = num(l$estimates["looic", "SE"]),
      pointwise_elpd_loo = arr(pw[, "elpd_loo"]), pointwise_mcse_elpd_loo = arr(pw[, "mcse_elpd_loo"]),
      pointwise_p_loo = arr(pw[, "p_loo"]), pointwise_looic = arr(pw[, "looic"]),
      pareto_k = arr(l$diagnostics$pareto_k), n_eff = arr(l$diagnostics$n_eff),
      elpd_waic = num(w$estimates["elpd_waic", "Estimate"]), se_elpd_waic = num(w$estimates["elpd_waic", "SE"]),
      p_waic = num(w$estimates["p_waic", "Estimate"]), se_p_waic = num(w$estimates["p_waic", "SE"]),
      waic = num(w$estimates["waic", "Estimate"]), se_waic = num(w$estimates["waic", "SE"]),
      pointwise_elpd_waic = arr(w$pointwise[, "elpd_waic"]), pointwise_p_waic = arr(w$pointwise[, "p_waic"])),
    log_lik = matrix_rows(ll))
  writeLines(json, file.path(out_dir, paste0(name, ".json")))
  cat(name, ": elpd_loo", l$estimates["elpd_loo", "Estimate"], "max k", max(l$diagnostics$pareto_k), "\n")
}

cmp <- loo_compare(list(eight_schools_noncentered = loos$eight_schools_noncentered,
                        eight_schools_pooled = loos$eight_schools_pooled,
                        eight_schools_separate = loos$eight_schools_separate))
rows <- sapply(seq_len(nrow(cmp)), function(i) obj(
  model = str(rownames(cmp)[i]), elpd_diff = num(cmp[i, "elpd_diff"]), se_diff = num(cmp[i, "se_diff"]),
  elpd_loo = num(cmp[i, "elpd_loo"]), se_elpd_loo = num(cmp[i, "se_elpd_loo"]), p_loo = num(cmp[i, "p_loo"]),
  se_p_loo = num(cmp[i, "se_p_loo"]), looic = num(cmp[i, "looic"]), se_looic = num(cmp[i, "se_looic"])))
writeLines(obj(
  generated_by = str("tools/loo-fixtures.R"),
  call = str("loo_compare(list(eight_schools_noncentered, eight_schools_pooled, eight_schools_separate)), rows best first"),
  loo = str(as.character(packageVersion("loo"))),
  rows = paste0("[", paste(rows, collapse = ", "), "]")), file.path(out_dir, "compare_eight_schools.json"))
print(cmp)
