#!/usr/bin/env Rscript
# Generates reference/fixtures/bounds/*.json: Stan's log density, gradient and constrained values, at 10 fixed
# unconstrained points, of Stan programs whose parameter bounds depend on other parameters (GARCH(1,1) as
# posteriordb writes it, with real<lower=0, upper=(1 - alpha1)> beta1, and a program with lower-only, upper-only and
# two-sided dependent bounds on scalars and a vector). Points are runif(d, -2, 2) after set.seed(20261202): Stan's
# default initialization region. Doubles are written with 17 significant digits.
# Usage (from the repository root; R with rstan, see /work/shared/tools/install-r-stan.sh):
#   Rscript tools/bounds-fixtures.R reference/fixtures/bounds
suppressPackageStartupMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) > 0) args[1] else "reference/fixtures/bounds"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
rstan_options(auto_write = FALSE)
seed <- 20261202L

num <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
arr <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
strs <- function(s) paste0("[", paste(str(s), collapse = ", "), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste0(str(names(kv)), ": ", unlist(kv), collapse = ", "), "}")
}

set.seed(seed)
n_t <- 60L
y <- numeric(n_t); s <- numeric(n_t); s[1] <- 1
y[1] <- round(0.05 + rnorm(1) * s[1], 6)
for (t in 2:n_t) {
  s[t] <- sqrt(0.2 + 0.3 * (y[t - 1] - 0.05)^2 + 0.5 * s[t - 1]^2)
  y[t] <- round(0.05 + rnorm(1) * s[t], 6)
}

# a Stan program kept in tools/stan/, as one string (its comment lines dropped)
stan_file <- function(name) {
  here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)[1]))
  lines <- readLines(file.path(here, "stan", name))
  paste(lines[!grepl("^//", lines)], collapse = "\n")
}

programs <- list(
  garch11 = list(
    data = list(T = n_t, y = y, sigma1 = 1),
    data_json = paste0("{\"T\": ", n_t, ", \"y\": ", arr(y), ", \"sigma1\": 1}"),
    code = stan_file("garch11.stan")),
  dependent_bounds = list(
    data = list(),
    data_json = "{}",
    code = "
parameters { real a; real<lower=a> b; real<upper=a> d; vector<lower=a, upper=b>[3] c; }
model { a ~ normal(0, 1); b ~ normal(1, 2); d ~ normal(-1, 2); c ~ normal(0.5, 1); }")
)

for (name in names(programs)) {
  p <- programs[[name]]
  sm <- stan_model(model_code = p$code, model_name = name)
  fit <- sampling(sm, data = p$data, chains = 1, iter = 20, warmup = 10, seed = seed, refresh = 0)
  d <- get_num_upars(fit)
  names_c <- setdiff(fit@sim$fnames_oi, "lp__")
  points <- character(0)
  for (id in 0:9) {
    u <- runif(d, -2, 2)
    lpj <- log_prob(fit, u, adjust_transform = TRUE)
    lpn <- log_prob(fit, u, adjust_transform = FALSE)
    gj <- grad_log_prob(fit, u, adjust_transform = TRUE)
    cons <- unlist(constrain_pars(fit, u))
    back <- unconstrain_pars(fit, constrain_pars(fit, u))
    stopifnot(max(abs(back - u)) < 1e-10)
    points <- c(points, obj(id = id, unconstrained = arr(u), log_prob_jacobian = num(lpj), log_prob_no_jacobian = num(lpn),
                            grad_log_prob_jacobian = arr(as.numeric(gj)), constrained = arr(cons)))
  }
  json <- paste0("{\n",
    "  \"posterior\": ", str(name), ",\n",
    "  \"generated_by\": ", str("tools/bounds-fixtures.R"), ",\n",
    "  \"software\": ", obj(R = str(R.version.string), rstan = str(as.character(packageVersion("rstan"))), stan = str(stan_version())), ",\n",
    "  \"stan_program\": ", str(gsub("\n", " ", trimws(p$code))), ",\n",
    "  \"data\": ", p$data_json, ",\n",
    "  \"dimension\": ", d, ",\n",
    "  \"constrained_names\": ", strs(names_c), ",\n",
    "  \"note\": ", str("rstan::log_prob/grad_log_prob(fit, u, adjust_transform = TRUE) at u = runif(d, -2, 2) after set.seed(20261202); ~ statements drop constants, so compare log densities as differences; constrained = unlist(constrain_pars(fit, u))."), ",\n",
    "  \"points\": [\n    ", paste(points, collapse = ",\n    "), "\n  ]\n}\n")
  writeLines(json, file.path(out_dir, paste0(name, ".json")))
  cat(name, "dimension", d, "\n")
}
