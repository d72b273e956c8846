/* jitter.h — run-to-run variability of compute times (--jitter).
 *
 * Every compute charge is multiplied by a factor of mean 1 drawn from the
 * rank's own seeded stream, so that synchronous variants wait for the
 * slowest worker of each step as they do on a real cluster, and a run is
 * still reproducible from --seed:
 *   normal:    1 + CV * N(0,1), redrawn while not positive (keep CV <= 0.3)
 *   lognormal: exp(s N(0,1) - s^2 / 2), s^2 = ln(1 + CV^2): CV exactly,
 *              a heavy right tail (a few slow steps). */
#ifndef DSGD_SIM_JITTER_H
#define DSGD_SIM_JITTER_H

#include <stddef.h>

#include "core/rng.h"

typedef enum dsgd_jitter_kind {
    DSGD_JITTER_NONE,
    DSGD_JITTER_NORMAL,
    DSGD_JITTER_LOGNORMAL
} dsgd_jitter_kind;

typedef struct dsgd_sim_jitter {
    dsgd_jitter_kind kind;
    double cv; /* coefficient of variation of the factor */
} dsgd_sim_jitter;

/* "CV" or "CV:normal" or "CV:lognormal" ("" or "0": none).  Returns 0, or
 * -1 with a reason naming the value. */
int dsgd_sim_jitter_parse(const char *text, dsgd_sim_jitter *j, char *err, size_t errlen);
/* A factor of mean 1 (exactly 1 without jitter). */
double dsgd_sim_jitter_factor(const dsgd_sim_jitter *j, dsgd_rng *rng);

#endif
