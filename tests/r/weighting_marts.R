# The reference for the published SEs of a wave whose SEs know its design (tests/python/
# test_weighting_r.py, test_published_*): with design "jk1" (a wave raked at landing) R
# survey's JK1 design over the replicate groups, every replicate raked again to the
# targets; with design "taylor" (a wave delivered with strata and PSUs) svydesign(ids =
# ~psu, strata = ~stratum, weights = ~weight, nest = TRUE). Then svyby(~score, ~group,
# svymean, deff = "replace") per mission and breakdown, with covmat = TRUE for the
# differences of two groups and of a group from the rest of the sample.
# Usage: Rscript weighting_marts.R respondents.csv scores.csv targets.csv out_dir [jk1|taylor]
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = "character")
design_kind <- if (length(args) >= 5) args[5] else "jk1"
scores <- read.csv(args[2], colClasses = c("character", "integer", "numeric"))
targets <- read.csv(args[3], colClasses = "character")
targets$share <- as.numeric(targets$share)
out <- args[4]

variables <- unique(targets$variable)
n <- nrow(d)
population <- c(`(Intercept)` = n)
for (v in variables) {
  rows <- targets[targets$variable == v, ]
  d[[v]] <- factor(d[[v]], levels = rows$category)
  totals <- rows$share[-1] * n
  names(totals) <- paste0(v, rows$category[-1])
  population <- c(population, totals)
}
margins <- as.formula(paste("~", paste(variables, collapse = " + ")))
d$all <- "UK"
d$urban_rural_x_imd_quintile <- paste(d$urban_rural, d$imd_quintile, sep = " | ")
breakdowns <- c("all", "region", "age_band", "urban_rural_x_imd_quintile")

if (design_kind == "jk1") {
  d$design_weight <- as.numeric(d$design_weight)
  d$replicate_group <- as.integer(d$replicate_group)
  jk1 <- as.svrepdesign(svydesign(ids = ~replicate_group, weights = ~design_weight, data = d),
                        type = "JK1")
  full <- calibrate(jk1, margins, population, calfun = "raking", epsilon = 1e-12, maxit = 100)
} else {
  d$weight <- as.numeric(d$weight)
  full <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
}

estimates <- list()
pairs <- list()
rests <- list()
for (mission in sort(unique(scores$mission_id))) {
  s <- scores[scores$mission_id == mission, ]
  design <- full
  design$variables$score <- s$score[match(d$respondent_id, s$respondent_id)]
  design <- subset(design, !is.na(score))
  for (b in breakdowns) {
    by <- svyby(~score, as.formula(paste0("~", b)), design, svymean, covmat = TRUE,
                deff = "replace")
    groups <- as.character(by[[b]])
    estimates[[length(estimates) + 1]] <- data.frame(
      mission_id = mission, breakdown = b, group_label = groups,
      estimate = coef(by), standard_error = SE(by),
      # deff() refuses svyby's deff = "replace": its column, DEff.score
      design_effect = by[[grep("^DEff", names(by))]])
    if (b == "region") {
      v <- vcov(by)
      for (i in seq_along(groups)) for (j in seq_along(groups)) if (i != j) {
        pairs[[length(pairs) + 1]] <- data.frame(
          mission_id = mission, group_label = groups[i], other_group_label = groups[j],
          difference_standard_error = sqrt(v[i, i] + v[j, j] - 2 * v[i, j]))
      }
      for (g in groups) {
        design$variables$in_group <- factor(design$variables$region == g, c(TRUE, FALSE))
        vs <- svyby(~score, ~in_group, design, svymean, covmat = TRUE)
        contrast <- svycontrast(vs, c(1, -1))
        rests[[length(rests) + 1]] <- data.frame(
          mission_id = mission, group_label = g,
          vs_rest_standard_error = as.numeric(SE(contrast)))
      }
    }
  }
}
write.csv(do.call(rbind, estimates), file.path(out, "estimates.csv"), row.names = FALSE)
write.csv(do.call(rbind, pairs), file.path(out, "pairs.csv"), row.names = FALSE)
write.csv(do.call(rbind, rests), file.path(out, "rests.csv"), row.names = FALSE)
