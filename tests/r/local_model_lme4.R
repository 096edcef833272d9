# The reference for the local-authority model (tests/python/test_local_model.py):
# lme4's REML fit of the same nested-error model, evaluated at the exact REML root, and
# the EBLUP with its Prasad-Rao MSE computed by unit-level matrix algebra.
#
#   Rscript local_model_lme4.R units.csv frame.csv estimand out_prefix
#
# units.csv: la_code, region, imd_quintile, urban_rural, score (one row a respondent);
# frame.csv: la_code, region, imd_quintile, urban_rural, population;
# estimand: model_mean or finite_population_mean (as sae::eblupBHF).
# Writes out_prefix-areas.csv (la_code, estimate, mse) and out_prefix-fit.csv.
#
# The exact root: lmer's optimiser (bobyqa on theta = sigma_u / sigma_e) stops within
# about 1e-6 of the REML optimum, where the deviance is flat. So the REML score equation,
# tr(P Z Z') = (n - p) y'P Z Z' P y / y'P y in lambda = sigma_u^2 / sigma_e^2 (P the REML
# projection for H = I + lambda Z Z'), is solved here by uniroot to 1e-15 in log lambda,
# from unit-level matrices, and lmer is evaluated at that theta (optimizer = NULL).
suppressMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
units <- read.csv(args[1], stringsAsFactors = FALSE)
frame <- read.csv(args[2], stringsAsFactors = FALSE)
estimand <- args[3]
out <- args[4]

levels_of <- function(data) {
  data$region <- factor(data$region, levels = sort(unique(units$region)))
  data$imd_quintile <- factor(data$imd_quintile, levels = sort(unique(units$imd_quintile)))
  data$urban_rural <- factor(data$urban_rural, levels = c("Urban", "Rural"))
  data
}
units <- levels_of(units)
frame <- levels_of(frame)
formula <- score ~ region + imd_quintile + urban_rural + (1 | la_code)

X <- model.matrix(~ region + imd_quintile + urban_rural, units)
y <- units$score
Z <- model.matrix(~ 0 + factor(la_code), units)
ZZ <- tcrossprod(Z)
n <- nrow(X)
p <- ncol(X)

reml_score <- function(log_lambda) {
  H <- diag(n) + exp(log_lambda) * ZZ
  Hi <- solve(H)
  HiX <- Hi %*% X
  P <- Hi - HiX %*% solve(crossprod(X, HiX), t(HiX))
  Py <- P %*% y
  sum(P * ZZ) - (n - p) * sum(crossprod(Z, Py)^2) / sum(y * Py)
}
root <- uniroot(reml_score, c(-12, 8), tol = 1e-15, maxiter = 1000)
theta <- sqrt(exp(root$root))

free <- lmer(formula, units, REML = TRUE,
             control = lmerControl(optimizer = "bobyqa",
                                   optCtrl = list(rhobeg = 0.2, rhoend = 1e-12, maxfun = 1e5)))
at_root <- lmer(formula, units, REML = TRUE, start = list(theta = theta),
                control = lmerControl(optimizer = NULL))

beta <- fixef(at_root)
vbeta <- as.matrix(vcov(at_root))
su2 <- as.numeric(VarCorr(at_root)$la_code)
se2 <- sigma(at_root)^2
u <- ranef(at_root)$la_code

# the variance components' information, 1/2 tr(V^-1 V_a V^-1 V_b), on the unit level
V <- su2 * ZZ + se2 * diag(n)
Vi <- solve(V)
A <- Vi %*% ZZ %*% Vi
info <- 0.5 * matrix(c(sum(A * ZZ), sum(diag(A)), sum(diag(A)), sum(Vi * Vi)), 2, 2)
components_cov <- solve(info)

xf <- model.matrix(~ region + imd_quintile + urban_rural, frame)
areas <- sort(unique(frame$la_code))
rows <- lapply(areas, function(d) {
  in_frame <- frame$la_code == d
  pop <- frame$population[in_frame]
  N <- sum(pop)
  xbar_pop <- colSums(xf[in_frame, , drop = FALSE] * pop) / N
  in_sample <- units$la_code == d
  nd <- sum(in_sample)
  if (nd == 0) {
    mse <- su2 + drop(t(xbar_pop) %*% vbeta %*% xbar_pop)
    if (estimand == "finite_population_mean") mse <- mse + se2 / N
    return(data.frame(la_code = d, estimate = sum(xbar_pop * beta), mse = mse))
  }
  Xd <- X[in_sample, , drop = FALSE]
  ones <- rep(1, nd)
  Vd <- su2 * tcrossprod(ones) + se2 * diag(nd)
  Vdi <- solve(Vd)
  b <- su2 * drop(ones %*% Vdi)  # u_d-hat = b (y_d - X_d beta)
  f <- if (estimand == "finite_population_mean") nd / N else 0
  xbar_target <- if (f > 0) (N * xbar_pop - colSums(Xd)) / (N - nd) else xbar_pop
  mixed <- sum(xbar_target * beta) + u[d, 1]
  estimate <- f * mean(y[in_sample]) + (1 - f) * mixed
  g1 <- su2 - su2^2 * drop(ones %*% Vdi %*% ones)
  a <- xbar_target - drop(b %*% Xd)
  g2 <- drop(t(a) %*% vbeta %*% a)
  db <- rbind(drop(ones %*% Vdi) - su2 * drop(ones %*% Vdi %*% tcrossprod(ones) %*% Vdi),
              -su2 * drop(ones %*% Vdi %*% Vdi))
  g3 <- sum(diag(db %*% Vd %*% t(db) %*% components_cov))
  mse <- g1 + g2 + 2 * g3
  if (f > 0) mse <- (1 - f)^2 * (mse + se2 / (N - nd))
  data.frame(la_code = d, estimate = estimate, mse = mse)
})
write.csv(do.call(rbind, rows), paste0(out, "-areas.csv"), row.names = FALSE)
write.csv(data.frame(
  term = c("theta_root", "theta_lmer", "score_at_root", "deviance_at_root", "deviance_lmer",
           "sigma2_u", "sigma2_e", names(beta)),
  value = c(theta, getME(free, "theta"), root$f.root, REMLcrit(at_root),
            REMLcrit(free), su2, se2, beta)
), paste0(out, "-fit.csv"), row.names = FALSE)
