/* faults.c — parsing and querying --slow and --fail. */
#include "sim/faults.h"

#include <math.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(dsgd_faults, dsgd,
                                "dsgd's stragglers and failures (--slow, --fail)");

/* Ranks named by one item: a host name (every rank on that host), a rank,
 * or a rank range a-b, appended to ranks[*count..max-1]; returns -1 if
 * the item names nothing. */
static int for_each_rank(const char *item, const sg_host_t *hosts, int n, int *ranks, int *count,
                         int max)
{
    char *end;
    long a = strtol(item, &end, 10), b = a;
    if (end != item && *end == '-') {
        const char *rest = end + 1;
        b = strtol(rest, &end, 10);
        if (end == rest)
            b = -1;
    }
    if (end != item && *end == '\0') { /* rank or range */
        if (a < 0 || b < a || b >= n)
            return -1;
        for (long r = a; r <= b && *count < max; r++)
            ranks[(*count)++] = (int)r;
        return 0;
    }
    int found = 0;
    for (int r = 0; r < n; r++)
        if (strcmp(sg_host_get_name(hosts[r]), item) == 0) {
            found = 1;
            if (*count < max)
                ranks[(*count)++] = r;
        }
    return found ? 0 : -1;
}

/* Whether name is the host of one of the n ranks. */
static int is_host_of(const char *name, const sg_host_t *hosts, int n)
{
    for (int r = 0; r < n; r++)
        if (strcmp(sg_host_get_name(hosts[r]), name) == 0)
            return 1;
    return 0;
}

static int parse_time(const char *s, double *t)
{
    char *end;
    *t = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*t) && *t >= 0 ? 0 : -1;
}

static int parse_slow(const char *spec, const sg_host_t *hosts, int n, dsgd_sim_faults *f,
                      char *err, size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *colon = strrchr(buf, ':');
    *colon = '\0';
    char *factor_s = colon + 1, *at = strchr(factor_s, '@');
    double t0 = 0, t1 = INFINITY;
    if (at) {
        *at = '\0';
        char *dash = strchr(at + 1, '-');
        if (!dash) {
            snprintf(err, errlen, "--slow %s: want @T0-T1 after the factor", spec);
            return -1;
        }
        *dash = '\0';
        if (parse_time(at + 1, &t0) || parse_time(dash + 1, &t1) || t1 <= t0) {
            snprintf(err, errlen, "--slow %s: bad time window", spec);
            return -1;
        }
    }
    char *end;
    double factor = strtod(factor_s, &end);
    if (end == factor_s || *end || !isfinite(factor) || factor < 1) {
        snprintf(err, errlen, "--slow %s: bad factor '%s' (want a number >= 1)", spec, factor_s);
        return -1;
    }
    int *ranks = malloc(sizeof *ranks * (size_t)n);
    int count = 0, rc = 0;
    for (char *item = strtok(buf, ","); item && rc == 0; item = strtok(NULL, ","))
        if (for_each_rank(item, hosts, n, ranks, &count, n) != 0) {
            snprintf(err, errlen, "--slow %s: '%s' is neither a host nor a rank of this run", spec,
                     item);
            rc = -1;
        }
    dsgd_slow_window *grown =
        rc ? NULL : realloc(f->slow, sizeof *grown * (size_t)(f->n_slow + count));
    if (rc == 0 && !grown) {
        snprintf(err, errlen, "--slow %s: out of memory", spec);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < count; i++) {
        f->slow = grown;
        f->slow[f->n_slow++] = (dsgd_slow_window){ranks[i], factor, t0, t1};
    }
    free(ranks);
    return rc;
}

static int parse_fail(const char *spec, const sg_host_t *hosts, int n, dsgd_sim_faults *f,
                      char *err, size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *at = strrchr(buf, '@');
    *at = '\0';
    double t;
    if (parse_time(at + 1, &t)) {
        snprintf(err, errlen, "--fail %s: bad time '%s'", spec, at + 1);
        return -1;
    }
    /* a host: every rank on it (the machine fails); a rank: that one */
    int *ranks = malloc(sizeof *ranks * (size_t)n), count = 0;
    if (!ranks) {
        snprintf(err, errlen, "--fail %s: out of memory", spec);
        return -1;
    }
    int named = !strchr(buf, ',') && for_each_rank(buf, hosts, n, ranks, &count, n) == 0 &&
                (count == 1 || is_host_of(buf, hosts, n));
    dsgd_failure *grown =
        named ? realloc(f->fail, sizeof *grown * (size_t)(f->n_fail + count)) : NULL;
    if (!named)
        snprintf(err, errlen, "--fail %s: '%s' is neither a host nor a rank of this run", spec,
                 buf);
    else if (!grown)
        snprintf(err, errlen, "--fail %s: out of memory", spec);
    for (int i = 0; grown && i < count; i++) {
        f->fail = grown;
        f->fail[f->n_fail++] = (dsgd_failure){ranks[i], t};
    }
    free(ranks);
    return grown ? 0 : -1;
}

int dsgd_sim_faults_parse(const dsgd_config *cfg, const sg_host_t *hosts, int n,
                          dsgd_sim_faults *faults, char *err, size_t errlen)
{
    memset(faults, 0, sizeof *faults);
    for (int i = 0; i < cfg->slow.n; i++)
        if (parse_slow(cfg->slow.items[i], hosts, n, faults, err, errlen) != 0)
            return -1;
    for (int i = 0; i < cfg->fail.n; i++)
        if (parse_fail(cfg->fail.items[i], hosts, n, faults, err, errlen) != 0)
            return -1;
    for (int i = 0; i < faults->n_slow; i++) {
        const dsgd_slow_window *w = &faults->slow[i];
        XBT_VERB("--slow: rank %d on %s computes %g times slower from %g s to %g s", w->rank,
                 sg_host_get_name(hosts[w->rank]), w->factor, w->t0, w->t1);
    }
    for (int i = 0; i < faults->n_fail; i++)
        XBT_VERB("--fail: rank %d on %s will be killed at %g s", faults->fail[i].rank,
                 sg_host_get_name(hosts[faults->fail[i].rank]), faults->fail[i].t);
    return 0;
}

void dsgd_sim_faults_free(dsgd_sim_faults *faults)
{
    free(faults->slow);
    free(faults->fail);
    memset(faults, 0, sizeof *faults);
}

double dsgd_sim_slowdown(const dsgd_sim_faults *faults, int rank, double t, double *next_change)
{
    double factor = 1.0, next = INFINITY;
    for (int i = 0; faults && i < faults->n_slow; i++) {
        const dsgd_slow_window *w = &faults->slow[i];
        if (w->rank != rank)
            continue;
        if (t >= w->t0 && t < w->t1) {
            factor *= w->factor;
            next = fmin(next, w->t1);
        } else if (w->t0 > t) {
            next = fmin(next, w->t0);
        }
    }
    *next_change = next;
    return factor;
}

int dsgd_sim_failed_rank(const dsgd_sim_faults *faults, int rank)
{
    for (int i = 0; faults && i < faults->n_fail; i++)
        if (faults->fail[i].rank == rank)
            return 1;
    return 0;
}
