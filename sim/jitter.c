/* jitter.c — variability of compute times (see jitter.h). */
#include "sim/jitter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dsgd_sim_jitter_parse(const char *text, dsgd_sim_jitter *j, char *err, size_t errlen)
{
    *j = (dsgd_sim_jitter){DSGD_JITTER_NONE, 0};
    if (!text[0])
        return 0;
    char *end;
    double cv = strtod(text, &end);
    const char *kind = *end == ':' ? end + 1 : end;
    if (end == text || !isfinite(cv) || cv < 0 || cv > 10 || (*end && *end != ':') ||
        (*kind && strcmp(kind, "normal") != 0 && strcmp(kind, "lognormal") != 0)) {
        snprintf(err, errlen,
                 "--jitter: bad value '%s' (want CV[:normal|lognormal], CV from 0 to 10)", text);
        return -1;
    }
    if (strcmp(kind, "normal") == 0 && cv > 0.5) {
        snprintf(err, errlen,
                 "--jitter %s: a normal factor with CV above 0.5 is often negative; use "
                 "lognormal",
                 text);
        return -1;
    }
    if (cv > 0)
        *j = (dsgd_sim_jitter){strcmp(kind, "lognormal") == 0 ? DSGD_JITTER_LOGNORMAL
                                                               : DSGD_JITTER_NORMAL,
                               cv};
    return 0;
}

double dsgd_sim_jitter_factor(const dsgd_sim_jitter *j, dsgd_rng *rng)
{
    switch (j->kind) {
    case DSGD_JITTER_NORMAL:
        for (;;) {
            double f = 1 + j->cv * dsgd_rng_normal(rng);
            if (f > 0)
                return f;
        }
    case DSGD_JITTER_LOGNORMAL: {
        double s2 = log1p(j->cv * j->cv);
        return exp(sqrt(s2) * dsgd_rng_normal(rng) - s2 / 2);
    }
    case DSGD_JITTER_NONE: break;
    }
    return 1;
}
