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

/* A value of at most SPEC_MAX bytes copied into buf, its last `sep`
 * replaced by '\0'; returns what follows the separator, or NULL with the
 * reason in err (too long, no separator, nothing before it, an empty item
 * in the comma-separated list before it). */
#define SPEC_MAX 511
static char *split_spec(const char *flag, const char *spec, char sep, const char *want, char *buf,
                        char *err, size_t errlen)
{
    size_t len = strlen(spec);
    char *at = len <= SPEC_MAX ? strrchr(memcpy(buf, spec, len + 1), sep) : NULL;
    const char *why = len > SPEC_MAX ? "too long (at most 511 bytes)"
                      : !at          ? want
                      : at == buf    ? "no host or rank before it"
                                     : NULL;
    if (at) {
        *at = '\0';
        if (!why && (buf[0] == ',' || at[-1] == ',' || strstr(buf, ",,")))
            why = "an empty item in its list of hosts and ranks";
    }
    if (why) {
        snprintf(err, errlen, "--%s %.200s%s: %s", flag, spec, len > 200 ? "..." : "", why);
        return NULL;
    }
    return at + 1;
}

static int parse_slow(const char *spec, const sg_host_t *hosts, int n, dsgd_sim_faults *f,
                      char *err, size_t errlen)
{
    char buf[SPEC_MAX + 1];
    char *factor_s = split_spec("slow", spec, ':', "want HOSTS:F[@T0-T1]", buf, err, errlen);
    if (!factor_s)
        return -1;
    char *at = strchr(factor_s, '@');
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
    if (!ranks) {
        snprintf(err, errlen, "--slow %s: out of memory", spec);
        return -1;
    }
    for (char *item = strtok(buf, ","); item && rc == 0; item = strtok(NULL, ","))
        if (for_each_rank(item, hosts, n, ranks, &count, n) != 0) {
            snprintf(err, errlen, "--slow %s: '%s' is neither a host nor a rank of this run", spec,
                     item);
            rc = -1;
        }
    /* (count > 0 here: realloc to 0 bytes would free f->slow) */
    dsgd_slow_window *grown =
        rc ? NULL : realloc(f->slow, sizeof *grown * (size_t)(f->n_slow + count));
    if (rc == 0 && !grown) {
        snprintf(err, errlen, "--slow %s: out of memory", spec);
        rc = -1;
    }
    if (grown)
        f->slow = grown;
    for (int i = 0; rc == 0 && i < count; i++)
        f->slow[f->n_slow++] = (dsgd_slow_window){ranks[i], factor, t0, t1};
    free(ranks);
    return rc;
}

static int parse_fail(const char *spec, const sg_host_t *hosts, int n, dsgd_sim_faults *f,
                      char *err, size_t errlen)
{
    char buf[SPEC_MAX + 1];
    const char *time_s = split_spec("fail", spec, '@', "want HOST@T", buf, err, errlen);
    if (!time_s)
        return -1;
    double t;
    if (parse_time(time_s, &t)) {
        snprintf(err, errlen, "--fail %s: bad time '%s'", spec, time_s);
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
    if (grown)
        f->fail = grown;
    for (int i = 0; grown && i < count; i++)
        f->fail[f->n_fail++] = (dsgd_failure){ranks[i], t};
    free(ranks);
    return grown ? 0 : -1;
}

int dsgd_sim_faults_parse(const dsgd_config *cfg, const sg_host_t *hosts, int n,
                          dsgd_sim_faults *faults, char *err, size_t errlen)
{
    memset(faults, 0, sizeof *faults);
    int rc = 0;
    for (int i = 0; rc == 0 && i < cfg->slow.n; i++)
        rc = parse_slow(cfg->slow.items[i], hosts, n, faults, err, errlen);
    for (int i = 0; rc == 0 && i < cfg->fail.n; i++)
        rc = parse_fail(cfg->fail.items[i], hosts, n, faults, err, errlen);
    if (rc != 0) { /* the caller gets nothing to free */
        dsgd_sim_faults_free(faults);
        return -1;
    }
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
