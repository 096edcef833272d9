# The reference for lui.landing.weighting and lui.survey_estimators (tests/python/
# test_weighting_r.py): R survey's raking calibration, JK1 replicates re-raked, and the
# Taylor SE with strata and PSUs, each followed by svyby(~score, ~group, svymean).
# Usage: Rscript weighting_survey.R respondents.csv targets.csv out_dir
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = "character")
for (col in c("design_weight", "weight", "score")) d[[col]] <- as.numeric(d[[col]])
d$replicate_group <- as.integer(d$replicate_group)
targets <- read.csv(args[2], colClasses = "character")
targets$share <- as.numeric(targets$share)
out <- args[3]

variables <- unique(targets$variable)
n <- nrow(d)
population <- c(`(Intercept)` = n)
for (v in variables) {
  rows <- targets[targets$variable == v, ]
  d[[v]] <- factor(d[[v]], levels = rows$category)
  # the model matrix's columns: every category but the first, named variable + category
  totals <- rows$share[-1] * n
  names(totals) <- paste0(v, rows$category[-1])
  population <- c(population, totals)
}
margins <- as.formula(paste("~", paste(variables, collapse = " + ")))

# 1. raking from the design weights
plain <- svydesign(ids = ~1, weights = ~design_weight, data = d)
# epsilon: R stops when every total is within 1e-7 (relative) by default, which leaves
# its weights about 5e-8 from the exact raking; 1e-12 brings them within 1e-9 of lui's
raked <- calibrate(plain, margins, population, calfun = "raking", epsilon = 1e-12, maxit = 100)
write.csv(data.frame(respondent_id = d$respondent_id, weight = weights(raked)),
          file.path(out, "raked.csv"), row.names = FALSE)

# 2. JK1 over the replicate groups, every replicate re-raked to the same totals
jk1 <- as.svrepdesign(svydesign(ids = ~replicate_group, weights = ~design_weight, data = d),
                      type = "JK1")
jk1_raked <- calibrate(jk1, margins, population, calfun = "raking", epsilon = 1e-12,
                       maxit = 100)
by_jk1 <- svyby(~score, ~group, jk1_raked, svymean)
write.csv(data.frame(group = by_jk1$group, mean = coef(by_jk1), se = SE(by_jk1)),
          file.path(out, "jk1.csv"), row.names = FALSE)
write.csv(data.frame(weights(jk1_raked, "analysis")), file.path(out, "jk1_weights.csv"),
          row.names = FALSE)

# 3. Taylor linearisation with strata and PSUs on the final weights
taylor <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
by_taylor <- svyby(~score, ~group, taylor, svymean)
write.csv(data.frame(group = by_taylor$group, mean = coef(by_taylor), se = SE(by_taylor)),
          file.path(out, "taylor.csv"), row.names = FALSE)
