#!/usr/bin/env Rscript
# rstan against our NUTS on the shared posteriors (reference/posteriors) and on ARMA(1,1) and GARCH(1,1) with 200
# simulated observations, on this machine, alternating within each round (Stan, ours, next posterior), and the
# ratios from this one run. Both sides: Stan's settings (4 chains x 1000 warmup + 1000 draws, diagonal metric,
# adapt_delta 0.8, random inits in (-2, 2)), chains one after another on one core; seconds are the sampling phase's
# CPU seconds (Stan's clock(); ours the process CPU time between the end of each chain's warmup and its end).
#
#   taskset -c 0 Rscript tools/stan-side-by-side.R [rounds=3] [posteriors=all|name,name,...] [out=runs.csv]
#
# Pin it to one core (taskset): both sides then run on the same core (the two cores of a shared machine can differ by
# 40%). The smallest ESS over 4 chains is heavy-tailed on funnels and bananas: use 20-30 rounds there. out= keeps the
# per-run figures (default: a file in R's temporary folder, gone when R exits).
#
# Prints, per posterior, medians over rounds of: us per gradient including the sampler (sampling CPU seconds /
# leapfrog steps), draws/s, min ESS_bulk over the parameters per second and per 1000 gradients; the ratios are
# ours over Stan's for draws/s and ESS/s, Stan's over ours for us/gradient (so > 1 means we are faster); and the
# median ratio over the posteriors.  Needs rstan 2.21, posterior, jsonlite and the .NET SDK.
suppressMessages({ library(rstan); library(posterior); library(jsonlite) })
rstan_options(auto_write = TRUE)
options(mc.cores = 1)

args <- commandArgs(trailingOnly = TRUE)
kv <- function(key, default) { a <- grep(paste0("^", key, "="), args, value = TRUE); if (length(a)) sub(".*=", "", a[1]) else default }
rounds <- as.integer(kv("rounds", "3"))
repo <- normalizePath(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)[1])), ".."))
work <- file.path(tempdir(), "stan-side"); dir.create(work, showWarnings = FALSE)
cache <- file.path(Sys.getenv("HOME"), ".cache", "inference-stan-side"); dir.create(cache, recursive = TRUE, showWarnings = FALSE)

# a Stan program kept in tools/stan/, as one string (its comment lines dropped)
stan_file <- function(name) {
  lines <- readLines(file.path(repo, "tools", "stan", name))
  paste(lines[!grepl("^//", lines)], collapse = "\n")
}

programs <- list(
  "eight_schools-eight_schools_noncentered" = list(pars = c("theta_trans", "mu", "tau"), code = "
data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
parameters { vector[J] theta_trans; real mu; real<lower=0> tau; }
transformed parameters { vector[J] theta; theta = theta_trans * tau + mu; }
model { theta_trans ~ normal(0, 1); y ~ normal(theta, sigma); mu ~ normal(0, 5); tau ~ cauchy(0, 5); }"),
  "eight_schools-eight_schools_centered" = list(pars = c("theta", "mu", "tau"), code = "
data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
parameters { real theta[J]; real mu; real<lower=0> tau; }
model { tau ~ cauchy(0, 5); theta ~ normal(mu, tau); y ~ normal(theta, sigma); mu ~ normal(0, 5); }"),
  "kidiq-kidscore_momiq" = list(pars = c("beta", "sigma"), code = "
data { int<lower=0> N; vector[N] kid_score; vector[N] mom_iq; }
parameters { vector[2] beta; real<lower=0> sigma; }
model { sigma ~ cauchy(0, 2.5); kid_score ~ normal(beta[1] + beta[2] * mom_iq, sigma); }"),
  "sblrc-blr" = list(pars = c("beta", "sigma"), code = "
data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
parameters { vector[D] beta; real<lower=0> sigma; }
model { target += normal_lpdf(beta | 0, 10); target += normal_lpdf(sigma | 0, 10); target += normal_lpdf(y | X * beta, sigma); }"),
  "synth-funnel10" = list(pars = c("v", "x"), file = "synth-funnel10"),
  "synth-rosenbrock2" = list(pars = NULL, file = "synth-rosenbrock2"),
  "synth-gauss100_rot" = list(pars = NULL, file = "synth-gauss100_rot"),
  "arma11" = list(pars = c("mu", "phi", "theta", "sigma"), code = "
data { int<lower=1> T; real y[T]; }
parameters { real mu; real<lower=-1, upper=1> phi; real<lower=-1, upper=1> theta; real<lower=0> sigma; }
model {
  vector[T] nu; vector[T] err;
  nu[1] = mu + phi * mu; err[1] = y[1] - nu[1];
  for (t in 2:T) { nu[t] = mu + phi * y[t - 1] + theta * err[t - 1]; err[t] = y[t] - nu[t]; }
  mu ~ normal(0, 10); phi ~ normal(0, 2); theta ~ normal(0, 2); sigma ~ cauchy(0, 5);
  err ~ normal(0, sigma);
}"),
  "garch11" = list(pars = c("mu", "alpha0", "alpha1", "beta1"), code = stan_file("garch11.stan")))

wanted <- kv("posteriors", "all")
names_run <- if (wanted == "all") names(programs) else strsplit(wanted, ",")[[1]]

# data: the shared posteriors' data.json; ARMA(1,1) and GARCH(1,1) simulated (200 observations, fixed seeds)
data_dir <- function(name) {
  if (!(name %in% c("arma11", "garch11"))) return(file.path(repo, "reference", "posteriors", name))
  dir <- file.path(work, name); dir.create(dir, showWarnings = FALSE)
  set.seed(if (name == "arma11") 11 else 12)
  n <- 200
  if (name == "arma11") {
    y <- numeric(n); e <- rnorm(n); prev_y <- 0.2; prev_e <- 0
    for (t in 1:n) { y[t] <- 0.2 + 0.5 * (prev_y - 0.2) + 0.3 * prev_e + e[t]; prev_y <- y[t]; prev_e <- e[t] }
    d <- list(T = n, y = round(y, 6))
  } else {
    y <- numeric(n); v <- 1
    for (t in 1:n) { if (t > 1) v <- 0.2 + 0.3 * (y[t - 1] - 0.1)^2 + 0.5 * v; y[t] <- 0.1 + sqrt(v) * rnorm(1) }
    d <- list(T = n, y = round(y, 6), sigma1 = 1)
  }
  writeLines(toJSON(d, auto_unbox = TRUE, digits = NA), file.path(dir, "data.json"))
  dir
}

compiled <- list()
stan_program <- function(name) {
  p <- programs[[name]]
  file <- if (!is.null(p$file)) file.path(repo, "reference", "posteriors", p$file, "model.stan") else {
    f <- file.path(cache, paste0(name, ".stan")); if (!file.exists(f) || paste(readLines(f), collapse = "\n") != p$code) writeLines(p$code, f); f
  }
  if (is.null(compiled[[name]])) compiled[[name]] <<- stan_model(file = file, auto_write = TRUE)
  compiled[[name]]
}

run_stan <- function(name, dir, seed) {
  data <- fromJSON(file.path(dir, "data.json"), simplifyVector = TRUE)
  if (!is.null(data$X) && is.null(dim(data$X))) data$X <- matrix(unlist(data$X), nrow = data$N, byrow = TRUE)
  fit <- sampling(stan_program(name), data = data, chains = 4, iter = 2000, warmup = 1000, seed = seed, cores = 1,
                  refresh = 0, control = list(adapt_delta = 0.8, max_treedepth = 10))
  pars <- programs[[name]]$pars
  draws <- as_draws_array(as.array(fit))
  vars <- setdiff(variables(draws), "lp__")
  if (!is.null(pars)) vars <- vars[sub("\\[.*", "", vars) %in% pars]
  ess <- min(sapply(vars, function(v) ess_bulk(extract_variable_matrix(draws, v))))
  grads <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(s) sum(s[, "n_leapfrog__"])))
  seconds <- sum(get_elapsed_time(fit)[, "sample"])
  c(us_per_grad = 1e6 * seconds / grads, draws_per_s = 4000 / seconds, ess_bulk_per_s = ess / seconds,
    ess_per_1000_grads = 1000 * ess / grads, grad_only_us = NA)
}

dll <- file.path(repo, "Inference.Benchmarks", "bin", "Release", "net10.0", "Inference.Benchmarks.dll")
run_ours <- function(name, dir, seed) {
  out <- system2("dotnet", c(dll, "nuts-once", name, dir, seed), stdout = TRUE)
  line <- grep("^RESULT", out, value = TRUE)
  if (!length(line)) stop(paste("our run failed:", paste(out, collapse = "\n")))
  f <- strsplit(sub("^RESULT ", "", line), " ")[[1]]
  vals <- setNames(sub(".*=", "", f), sub("=.*", "", f))
  as.numeric(vals[c("us_per_grad", "draws_per_s", "ess_bulk_per_s", "ess_per_1000_grads", "grad_only_us")])
}

cat("building Inference.Benchmarks ...\n")
invisible(system2("dotnet", c("build", "-c", "Release", file.path(repo, "Inference.Benchmarks"), "-v", "q", "-nologo"), stdout = FALSE))
cat("compiling the Stan programs (cached in", cache, ") ...\n")
for (name in names_run) invisible(stan_program(name))

metrics <- c("us_per_grad", "draws_per_s", "ess_bulk_per_s", "ess_per_1000_grads", "grad_only_us")
results <- list()
for (r in seq_len(rounds)) {
  seed <- 20240611 + r
  for (name in names_run) {
    dir <- data_dir(name)
    s <- run_stan(name, dir, seed)
    o <- run_ours(name, dir, seed)
    results[[length(results) + 1]] <- data.frame(name = name, round = r, side = c("stan", "ours"), rbind(s, o), row.names = NULL)
    cat(sprintf("round %d %-42s stan %6.2f us/grad, ours %6.2f us/grad (gradient alone %5.2f)\n", r, name, s[1], o[1], o[5]))
  }
}
res <- do.call(rbind, results)
names(res)[4:8] <- metrics

med <- function(name, side, m) median(res[res$name == name & res$side == side, m])
cat(sprintf("\n%d rounds, medians; ratio = ours/Stan for draws/s and ESS/s, Stan/ours for us per gradient (> 1: we are faster)\n", rounds))
cat(sprintf("%-42s %9s %9s %6s | %9s %9s %6s | %8s %8s %6s | %7s %7s | %s\n", "posterior", "Stan us/g", "ours us/g", "ratio",
            "Stan dr/s", "ours dr/s", "ratio", "Stan E/s", "ours E/s", "ratio", "Stan E/kg", "ours E/kg", "our gradient alone us"))
ratios <- c()
for (name in names_run) {
  su <- med(name, "stan", "us_per_grad"); ou <- med(name, "ours", "us_per_grad")
  sd <- med(name, "stan", "draws_per_s"); od <- med(name, "ours", "draws_per_s")
  se <- med(name, "stan", "ess_bulk_per_s"); oe <- med(name, "ours", "ess_bulk_per_s")
  ratios <- rbind(ratios, c(su / ou, od / sd, oe / se))
  cat(sprintf("%-42s %9.2f %9.2f %6.2f | %9.0f %9.0f %6.2f | %8.0f %8.0f %6.2f | %7.1f %7.1f | %.2f\n", name, su, ou, su / ou, sd, od, od / sd,
              se, oe, oe / se, med(name, "stan", "ess_per_1000_grads"), med(name, "ours", "ess_per_1000_grads"), med(name, "ours", "grad_only_us")))
}
cat(sprintf("%-42s %9s %9s %6.2f | %9s %9s %6.2f | %8s %8s %6.2f\n", "median ratio over the posteriors", "", "", median(ratios[, 1]), "", "",
            median(ratios[, 2]), "", "", median(ratios[, 3])))
out <- kv("out", file.path(work, "stan-side-by-side.csv")); write.csv(res, out, row.names = FALSE); cat("per-run figures:", out, "\n")
