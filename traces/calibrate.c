/* calibrate.c — the fits of dsgd-calibrate and the files it writes. */
#define _POSIX_C_SOURCE 200809L
#include "traces/calibrate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/atomic.h"
#include "core/idle.h"

#define SIMGRID_TCP_GAMMA 4194304.0 /* network/TCP-gamma's default */

/* Points (size, seconds) of one quantity, in any order. */
typedef struct samples {
    double *x, *t;
    size_t n, cap;
    int failed;
} samples;

static void samples_add(samples *s, double x, double t)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        double *nx = realloc(s->x, cap * sizeof *nx);
        if (nx)
            s->x = nx;
        double *nt = nx ? realloc(s->t, cap * sizeof *nt) : NULL;
        if (!nx || !nt) {
            s->failed = 1;
            return;
        }
        s->t = nt;
        s->cap = cap;
    }
    s->x[s->n] = x;
    s->t[s->n++] = t;
}

static void samples_free(samples *s)
{
    free(s->x);
    free(s->t);
    memset(s, 0, sizeof *s);
}

typedef struct point {
    double x, t;
} point;

static int cmp_point(const void *a, const void *b)
{
    const point *p = a, *q = b;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->t > q->t) - (p->t < q->t);
}

/* The median time at each distinct size, sizes increasing, into xs/ys
 * (allocated, n entries); the repetitions of a point vary with the
 * machine's other work: the median ignores the outliers. */
/* Per distinct x of s, the median of its times, or their mean (mean). */
static size_t centres(const samples *s, double **xs, double **ys, int mean)
{
    point *p = malloc(sizeof *p * (s->n ? s->n : 1));
    *xs = malloc(sizeof **xs * (s->n ? s->n : 1));
    *ys = malloc(sizeof **ys * (s->n ? s->n : 1));
    if (!p || !*xs || !*ys) {
        free(p);
        return 0;
    }
    for (size_t i = 0; i < s->n; i++)
        p[i] = (point){s->x[i], s->t[i]};
    qsort(p, s->n, sizeof *p, cmp_point);
    size_t m = 0;
    for (size_t i = 0; i < s->n;) {
        size_t j = i;
        while (j < s->n && p[j].x == p[i].x)
            j++;
        size_t mid = i + (j - i) / 2;
        double sum = 0;
        for (size_t k = i; k < j; k++)
            sum += p[k].t;
        (*xs)[m] = p[i].x;
        (*ys)[m++] = mean          ? sum / (double)(j - i)
                     : (j - i) % 2 ? p[mid].t
                                   : 0.5 * (p[mid - 1].t + p[mid].t);
        i = j;
    }
    free(p);
    return m;
}

static void note(dsgd_calibration *cal, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(dsgd_calibration *cal, const char *fmt, ...)
{
    size_t len = strlen(cal->notes);
    if (len + 3 >= sizeof cal->notes)
        return;
    if (len)
        len += (size_t)snprintf(cal->notes + len, sizeof cal->notes - len, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cal->notes + len, sizeof cal->notes - len, fmt, ap);
    va_end(ap);
}

/* time = overhead + x / rate over the means of s's repetitions: the
 * expected time, which is what a run pays and what dsgd-sim's jitter
 * (a factor of mean 1, fitted around the same means) spreads; a median
 * would leave out what a busy machine's preemptions cost. */
static void fit_rate(const samples *s, dsgd_calib_rate *r, dsgd_calibration *cal, const char *what)
{
    memset(r, 0, sizeof *r);
    r->events = s->n;
    if (s->n == 0)
        return;
    double *xs, *ys;
    size_t m = centres(s, &xs, &ys, 1);
    r->points = m;
    dsgd_line l;
    if (m < 3) {
        /* Two coefficients from fewer than three sizes would fit anything
         * (a training run's two vector sizes): the rate alone. */
        double sxx = 0, sx = 0; /* c = argmin Σ (1 - c x/y)² = Σ x/y / Σ (x/y)² */
        for (size_t i = 0; i < m; i++)
            sxx += (xs[i] / ys[i]) * (xs[i] / ys[i]), sx += xs[i] / ys[i];
        l = (dsgd_line){.a = 0.0, .c = sxx > 0 ? sx / sxx : 0.0};
        if (l.c > 0) {
            r->fitted = 1;
            r->rate = 1.0 / l.c;
            double rss = 0, max = 0;
            for (size_t i = 0; i < m; i++) {
                double res = dsgd_fit_residual(&l, xs[i], ys[i]);
                rss += res * res, max = fmax(max, fabs(res));
            }
            r->rms_rel = sqrt(rss / (double)m);
            r->max_rel = max;
            note(cal, "%s: %zu size(s) only: rate without a per-call overhead", what, m);
        }
    } else if (dsgd_fit_line(xs, ys, m, &l) == 0 && l.c > 0) {
        r->fitted = 1;
        r->rate = 1.0 / l.c;
        r->overhead_s = l.a;
        r->rms_rel = l.rms_rel;
        r->max_rel = l.max_rel;
    } else {
        note(cal, "%s: time does not grow with size: no rate", what);
    }
    free(xs);
    free(ys);
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The layer kind of a "bench:<kind>:fwd|bwd" name, -1 if it is none, -2 if
 * the kind is unknown. */
static int bench_kind(const char *name)
{
    if (!starts_with(name, "bench:"))
        return -1;
    const char *kind = name + 6, *colon = strrchr(kind, ':');
    if (!colon || (strcmp(colon, ":fwd") != 0 && strcmp(colon, ":bwd") != 0))
        return -1;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++) {
        const char *kn = dsgd_layer_kind_name((dsgd_layer_kind)k);
        if (strlen(kn) == (size_t)(colon - kind) && strncmp(kind, kn, (size_t)(colon - kind)) == 0)
            return k;
    }
    return -2;
}

/* A training run's trace: its compute is whole passes, its messages wait
 * for other ranks' work; its send-receive pairs are no ping-pongs. */
static int is_training_trace(const dsgd_trace *t)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->events[i].kind == DSGD_EV_COMPUTE && !starts_with(t->events[i].name, "bench:"))
            return 1;
    return 0;
}

/* Ping-pongs: on the lower rank of a pair, a send immediately followed by
 * a receive of as many bytes from the same peer; one way is half of it. */
static void collect_pingpongs(const dsgd_trace *t, samples *net)
{
    for (size_t i = 0; i + 1 < t->count; i++) {
        const dsgd_event *s = &t->events[i], *r = &t->events[i + 1];
        if (s->kind == DSGD_EV_SEND && r->kind == DSGD_EV_RECV && s->rank == r->rank &&
            s->peer == r->peer && s->rank < s->peer && s->bytes == r->bytes && r->t1 > s->t0)
            samples_add(net, s->bytes, 0.5 * (r->t1 - s->t0));
    }
}

/* Ranks of t that recorded events named with prefix (at most 4096 ranks counted). */
static int ranks_with(const dsgd_trace *t, int kind, const char *prefix)
{
    unsigned char seen[4096] = {0};
    int count = 0;
    for (size_t i = 0; i < t->count; i++) {
        const dsgd_event *e = &t->events[i];
        if (e->kind == kind && starts_with(e->name, prefix) && e->rank >= 0 && e->rank < 4096 &&
            !seen[e->rank]) {
            seen[e->rank] = 1;
            count++;
        }
    }
    return count;
}

typedef struct collected {
    samples kind[DSGD_LAYER_KIND_COUNT];
    samples pass[DSGD_LAYER_KIND_COUNT][2]; /* the same, forward and backward apart */
    samples net, mem, io, mem_any, io_any;
    samples allreduce[64]; /* by group size (2..63): x bytes */
} collected;

static void collect(const dsgd_trace *t, collected *c, dsgd_calibration *cal, size_t *unknown)
{
    if (!is_training_trace(t))
        collect_pingpongs(t, &c->net);
    for (size_t i = 0; i < t->count; i++) {
        const dsgd_event *e = &t->events[i];
        double dt = e->t1 - e->t0;
        if (!(dt > 0))
            continue;
        switch (e->kind) {
        case DSGD_EV_COMPUTE: {
            int k = bench_kind(e->name);
            if (k >= 0 && e->flops > 0) {
                samples_add(&c->kind[k], e->flops, dt);
                samples_add(&c->pass[k][strcmp(strrchr(e->name, ':'), ":bwd") == 0], e->flops,
                            dt);
            }
            else if (k == -2)
                ++*unknown;
            break;
        }
        case DSGD_EV_MEMORY:
            if (e->bytes > 0)
                samples_add(starts_with(e->name, "bench:vec:") ? &c->mem : &c->mem_any, e->bytes,
                            dt);
            break;
        case DSGD_EV_IO:
            if (e->bytes > 0)
                samples_add(strcmp(e->name, "bench:io") == 0 ? &c->io : &c->io_any, e->bytes, dt);
            break;
        case DSGD_EV_COLLECTIVE: {
            int group = (int)e->value;
            if (strcmp(e->name, "allreduce") == 0 && e->bytes > 0 && group >= 2 && group < 64)
                samples_add(&c->allreduce[group], e->bytes, dt);
            break;
        }
        default: break;
        }
    }
    (void)cal;
}

static void fit_network(const samples *s, dsgd_calib_network *net, dsgd_calibration *cal)
{
    memset(net, 0, sizeof *net);
    net->pairs = s->n;
    if (s->n == 0)
        return;
    double *xs, *ys;
    size_t m = centres(s, &xs, &ys, 0); /* medians: the protocols' shape, not the stalls */
    net->points = m;
    /* A segment needs 3 sizes: 2 coefficients and a residual to judge. */
    if (m >= 2 &&
        dsgd_fit_segments(xs, ys, m, DSGD_FIT_MAX_SEGMENTS, m >= 3 ? 3 : 2, &net->fit) == 0) {
        net->fitted = 1;
        net->min_bytes = xs[0];
        net->max_bytes = xs[m - 1];
    } else {
        note(cal, "network: %zu message size(s): latency and bandwidth need two", m);
    }
    free(xs);
    free(ys);
}

double dsgd_calib_oneway_seconds(const dsgd_calib_network *net, double bytes)
{
    const dsgd_segments *f = &net->fit;
    int k = 0;
    while (k + 1 < f->count && bytes > f->last_x[k])
        k++;
    return f->line[k].a + f->line[k].c * bytes;
}

/* Measured allreduce medians against the algorithm that ran, priced with
 * the fitted network and memory (a sum streams 3 bytes per byte):
 *  - ring: 2(N-1) steps of S/N bytes, N-1 of them summing S/N floats;
 *  - tree: a binomial reduce to one rank then a binomial broadcast,
 *    2 ceil(log2 N) rounds of S bytes, ceil(log2 N) of them summing S. */
static void check_allreduce(collected *c, const char *algo, dsgd_calibration *cal)
{
    memset(&cal->allreduce, 0, sizeof cal->allreduce);
    int tree = algo && strcmp(algo, "tree") == 0;
    snprintf(cal->allreduce.algo, sizeof cal->allreduce.algo, "%s", tree ? "tree" : "ring");
    if (!cal->net.fitted)
        return;
    double mem_bw = cal->mem.fitted ? cal->mem.rate * cal->mem_streams : 1e10;
    double *ratios = NULL;
    size_t n = 0;
    for (int g = 2; g < 64; g++) {
        double *xs = NULL, *ys = NULL;
        size_t m = c->allreduce[g].n ? centres(&c->allreduce[g], &xs, &ys, 0) : 0;
        double *grown = m ? realloc(ratios, sizeof *ratios * (n + m)) : ratios;
        if (!grown) {
            if (c->allreduce[g].n)
                free(xs), free(ys);
            continue;
        }
        ratios = grown;
        for (size_t i = 0; i < m; i++) {
            double rounds = ceil(log2(g)), chunk = xs[i] / g;
            double predicted = tree ? 2.0 * rounds * dsgd_calib_oneway_seconds(&cal->net, xs[i]) +
                                          rounds * 3.0 * xs[i] / mem_bw
                                    : 2.0 * (g - 1) * dsgd_calib_oneway_seconds(&cal->net, chunk) +
                                          (g - 1) * 3.0 * chunk / mem_bw;
            ratios[n++] = ys[i] / predicted;
        }
        if (c->allreduce[g].n)
            free(xs), free(ys);
    }
    if (n) {
        cal->allreduce.points = n;
        cal->allreduce.min_ratio = cal->allreduce.max_ratio = ratios[0];
        for (size_t i = 0; i < n; i++) {
            cal->allreduce.min_ratio = fmin(cal->allreduce.min_ratio, ratios[i]);
            cal->allreduce.max_ratio = fmax(cal->allreduce.max_ratio, ratios[i]);
        }
        cal->allreduce.median_ratio = dsgd_fit_median(ratios, n);
    }
    free(ratios);
}

static void collected_free(collected *c)
{
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++) {
        samples_free(&c->kind[k]);
        samples_free(&c->pass[k][0]), samples_free(&c->pass[k][1]);
    }
    samples_free(&c->net), samples_free(&c->mem), samples_free(&c->io);
    samples_free(&c->mem_any), samples_free(&c->io_any);
    for (int g = 0; g < 64; g++)
        samples_free(&c->allreduce[g]);
}

static int any_failed(const collected *c)
{
    int failed =
        c->net.failed || c->mem.failed || c->io.failed || c->mem_any.failed || c->io_any.failed;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        failed |= c->kind[k].failed | c->pass[k][0].failed | c->pass[k][1].failed;
    for (int g = 0; g < 64; g++)
        failed |= c->allreduce[g].failed;
    return failed;
}

/* A pass's cost curve: the mean time at each size it was measured at
 * (the expected time, as fit_rate's), at most DSGD_COST_CURVE_POINTS of
 * them spread over the range; none from fewer than 2 sizes. */
static void fit_curve(const samples *s, dsgd_cost_curve *c)
{
    memset(c, 0, sizeof *c);
    double *xs, *ys;
    size_t m = centres(s, &xs, &ys, 1);
    if (m >= 2) {
        size_t keep = m < DSGD_COST_CURVE_POINTS ? m : DSGD_COST_CURVE_POINTS;
        for (size_t i = 0; i < keep; i++) {
            size_t j = keep == m ? i : i * (m - 1) / (keep - 1);
            c->size[i] = xs[j], c->seconds[i] = ys[j];
        }
        c->n = (int)keep;
    }
    free(xs);
    free(ys);
}

/* Memory and I/O: the benchmarks' events, else every run's. */
static void fit_mem_io(const dsgd_trace *traces, size_t n, collected *c, dsgd_calibration *cal)
{
    fit_rate(c->mem.n ? &c->mem : &c->mem_any, &cal->mem, cal, "memory");
    fit_rate(c->io.n ? &c->io : &c->io_any, &cal->io, cal, "io");
    if (cal->io.fitted)
        fit_curve(c->io.n ? &c->io : &c->io_any, &cal->io_curve);
    /* dsgd-sim splits a host's mem_bw among its ranks: the host's figure is
     * what the ranks that streamed at once achieved together. */
    int streams = 1;
    for (size_t i = 0; i < n && c->mem.n; i++) {
        int r = ranks_with(&traces[i], DSGD_EV_MEMORY, "bench:vec:");
        int per_host = (r + cal->hosts - 1) / cal->hosts;
        if (per_host > streams)
            streams = per_host;
    }
    cal->mem_streams = streams;
}

/* One compute call: what identifies repeated work, and its duration. */
typedef struct timed_call {
    int rank;
    const char *name;
    double flops, seconds;
} timed_call;

static int call_order(const void *a, const void *b)
{
    const timed_call *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->flops < y->flops ? -1 : x->flops > y->flops;
}

static int same_work(const timed_call *x, const timed_call *y)
{
    return x->rank == y->rank && strcmp(x->name, y->name) == 0 && x->flops == y->flops;
}

/* The spread of compute times (--jitter): the calls of the same work on
 * the same rank (groups of at least 5) divided by their group's mean,
 * pooled; their coefficient of variation and skewness. */
#define JITTER_MIN_GROUP 5
/* The naps' overshoot: bench:nap waits' duration minus the nap asked
 * for (value), the mean over every one: a wait's expected cost, which a
 * heavy tail (a core handed back late) raises and a median would hide. */
static void fit_wake(const dsgd_trace *traces, size_t n, dsgd_calibration *cal)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < traces[i].count; k++)
            count += traces[i].events[k].kind == DSGD_EV_WAIT &&
                     strcmp(traces[i].events[k].name, "bench:nap") == 0;
    double *over = count ? malloc(sizeof *over * count) : NULL;
    if (!over)
        return;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < traces[i].count; k++) {
            const dsgd_event *e = &traces[i].events[k];
            if (e->kind == DSGD_EV_WAIT && strcmp(e->name, "bench:nap") == 0 && e->value > 0 &&
                e->t1 >= e->t0)
                over[m++] = e->t1 - e->t0 - e->value;
        }
    double sum = 0, x1 = 0, x2 = 0;
    for (size_t i = 0; i < m; i++) {
        over[i] = fmax(over[i], 0.0);
        sum += over[i];
        double x = DSGD_IDLE_NAP_MAX_S + over[i];
        x1 += x, x2 += x * x;
    }
    if (m) {
        cal->nap_events = m;
        cal->wake_latency_s = sum / (double)m;
        cal->wake_residual_s = x2 / (2 * x1);
        dsgd_fit_sort(over, m);
        for (int i = 0; i < DSGD_WAKE_QUANTILES; i++) {
            double at = (double)i / (DSGD_WAKE_QUANTILES - 1) * (double)(m - 1);
            size_t k = (size_t)at;
            cal->wake_q[i] = k + 1 < m ? over[k] + (at - (double)k) * (over[k + 1] - over[k]) : over[m - 1];
        }
    }
    free(over);
}

static void fit_jitter(const dsgd_trace *traces, size_t n, dsgd_calibration *cal)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t e = 0; e < traces[i].count; e++)
            total += traces[i].events[e].kind == DSGD_EV_COMPUTE;
    timed_call *calls = total ? malloc(sizeof *calls * total) : NULL;
    for (size_t i = 0; calls && i < n; i++)
        for (size_t e = 0; e < traces[i].count; e++) {
            const dsgd_event *ev = &traces[i].events[e];
            if (ev->kind == DSGD_EV_COMPUTE && ev->t1 > ev->t0)
                calls[k++] = (timed_call){ev->rank, ev->name, ev->flops, ev->t1 - ev->t0};
        }
    if (!calls)
        return;
    qsort(calls, k, sizeof *calls, call_order);
    double m2 = 0, m3 = 0;
    size_t used = 0, groups = 0;
    for (size_t a = 0, b; a < k; a = b) {
        double sum = 0;
        for (b = a; b < k && same_work(&calls[a], &calls[b]); b++)
            sum += calls[b].seconds;
        if (b - a < JITTER_MIN_GROUP)
            continue;
        double mean = sum / (double)(b - a);
        for (size_t i = a; i < b; i++) {
            double d = calls[i].seconds / mean - 1.0;
            m2 += d * d;
            m3 += d * d * d;
        }
        used += b - a;
        groups++;
    }
    free(calls);
    if (used < 2 * JITTER_MIN_GROUP)
        return;
    /* each group's mean is estimated from it: n - 1 degrees of freedom each */
    double cv = sqrt(m2 / (double)(used - groups));
    cal->jitter_events = used;
    cal->jitter_groups = groups;
    cal->jitter_cv = cv;
    cal->jitter_skewness = cv > 0 ? m3 / (double)(used - groups) / (cv * cv * cv) : 0.0;
    double lognormal = 3 * cv + cv * cv * cv;
    cal->jitter_lognormal = fabs(cal->jitter_skewness - lognormal) < fabs(cal->jitter_skewness);
}

int dsgd_calibrate(const dsgd_trace *traces, size_t n, const dsgd_calib_setup *setup,
                   dsgd_calibration *cal, char *err, size_t errlen)
{
    memset(cal, 0, sizeof *cal);
    cal->cores = setup->cores;
    cal->hosts = setup->hosts;
    double peak_flops = setup->peak_flops;
    cal->traces = n;
    collected c;
    memset(&c, 0, sizeof c);
    size_t unknown = 0;
    for (size_t i = 0; i < n; i++) {
        collect(&traces[i], &c, cal, &unknown);
        cal->events += traces[i].count;
    }
    if (any_failed(&c)) {
        collected_free(&c);
        snprintf(err, errlen, "out of memory reading the traces' events");
        return -1;
    }
    if (unknown)
        note(cal, "%zu bench compute events of unknown layer kinds skipped", unknown);
    double fastest = 0.0;
    int fastest_kind = -1;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++) {
        char what[64];
        snprintf(what, sizeof what, "compute %s", dsgd_layer_kind_name((dsgd_layer_kind)k));
        fit_rate(&c.kind[k], &cal->kind[k], cal, what);
        if (cal->kind[k].fitted)
            for (int pass = 0; pass < 2; pass++)
                fit_curve(&c.pass[k][pass], &cal->curve[k][pass]);
        if (cal->kind[k].fitted && cal->kind[k].rate > fastest) {
            fastest = cal->kind[k].rate;
            fastest_kind = k;
        }
    }
    if (fastest_kind >= 0) {
        char missing[256] = "";
        size_t len = 0;
        for (int k = 0; k < DSGD_LAYER_KIND_COUNT && len < sizeof missing; k++)
            if (!cal->kind[k].fitted)
                len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%s", len ? "," : "",
                                        dsgd_layer_kind_name((dsgd_layer_kind)k));
        if (len)
            note(cal, "kinds not measured keep the default efficiencies: %s", missing);
    }
    fit_network(&c.net, &cal->net, cal);
    fit_mem_io(traces, n, &c, cal);
    fit_jitter(traces, n, cal);
    fit_wake(traces, n, cal);
    check_allreduce(&c, setup->allreduce, cal);
    collected_free(&c);
    if (fastest_kind < 0 && !cal->net.fitted && !cal->mem.fitted && !cal->io.fitted &&
        !(cal->jitter_cv > 0) && !cal->nap_events) {
        snprintf(err, errlen,
                 "nothing to fit in %zu events: no bench:<kind> compute events, ping-pongs, "
                 "memory or io events with a size and a duration (dsgd-run --bench)",
                 cal->events);
        return -1;
    }
    if (peak_flops > 0 && peak_flops < fastest) {
        snprintf(err, errlen, "--peak-flops %g is below the fitted rate of %s (%.6g flop/s)",
                 peak_flops, dsgd_layer_kind_name((dsgd_layer_kind)fastest_kind), fastest);
        return -1;
    }
    cal->peak_given = peak_flops > 0;
    cal->peak_flops = peak_flops > 0 ? peak_flops : fastest;
    if (!(cal->peak_flops > 0)) {
        cal->peak_flops = 1e10;
        note(cal, "compute: not measured (host speed 10 Gflop/s, default efficiencies)");
    }
    return 0;
}

void dsgd_calib_profile(const dsgd_calibration *cal, dsgd_cost_profile *p)
{
    dsgd_cost_defaults(p);
    double overheads[DSGD_LAYER_KIND_COUNT];
    size_t fitted = 0;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        if (cal->kind[k].fitted) {
            p->efficiency[k] = cal->kind[k].rate / cal->peak_flops;
            p->overhead_s[k] = cal->kind[k].overhead_s;
            overheads[fitted++] = cal->kind[k].overhead_s;
            p->curve[k][0] = cal->curve[k][0];
            p->curve[k][1] = cal->curve[k][1];
        }
    /* Kinds not measured: the typical measured call overhead. */
    if (fitted)
        p->layer_overhead_s = dsgd_fit_median(overheads, fitted);
    /* a negative fitted overhead is noise around none */
    if (cal->mem.fitted) {
        p->mem_bw_Bps = cal->mem.rate * cal->mem_streams;
        p->mem_overhead_s = fmax(cal->mem.overhead_s, 0.0);
    }
    if (cal->io.fitted) {
        p->io_bw_Bps = cal->io.rate;
        p->io_overhead_s = fmax(cal->io.overhead_s, 0.0);
        p->io_curve = cal->io_curve;
    }
    p->peak_flops = cal->peak_flops;
    p->jitter_cv = cal->jitter_cv > 1 ? 1 : cal->jitter_cv;
    p->jitter_lognormal = cal->jitter_lognormal;
    if (cal->nap_events) {
        p->wake_latency_s = cal->wake_latency_s;
        p->wake_n = DSGD_WAKE_QUANTILES;
        memcpy(p->wake_q, cal->wake_q, sizeof p->wake_q);
    }
}

/* The base of SMPI's factors (calibrate.h): the first segment's latency,
 * the last segment's bandwidth. */
static void network_base(const dsgd_calib_network *net, double *lat, double *bw)
{
    const dsgd_segments *f = &net->fit;
    *lat = 0.0;
    for (int k = 0; k < f->count && !(*lat > 0); k++)
        *lat = f->line[k].a;
    double c = f->line[f->count - 1].c;
    for (int k = f->count - 1; k >= 0 && !(c > 0); k--)
        c = f->line[k].c;
    *bw = c > 0 ? 1.0 / c : 1e12;
    if (!(*lat > 0))
        *lat = 1e-9;
}

typedef struct platform_file {
    const dsgd_calibration *cal;
    const char *header;
} platform_file;

/* A bandwidth factor for a segment whose line is flat (no size term):
 * large enough that its size term is negligible. */
#define FLAT_BW_FACTOR 1e3

static void write_factors(FILE *f, const dsgd_segments *fit, double lat, double bw)
{
    fprintf(f, "    <prop id=\"smpi/bw-factor\" value=\"");
    for (int k = 0; k < fit->count; k++) {
        double factor = fit->line[k].c > 0 ? 1.0 / (fit->line[k].c * bw) : FLAT_BW_FACTOR;
        fprintf(f, "%s%.17g:%.17g", k ? ";" : "", k ? fit->last_x[k - 1] : 0.0, factor);
    }
    fprintf(f, "\"/>\n    <prop id=\"smpi/lat-factor\" value=\"");
    for (int k = 0; k < fit->count; k++)
        fprintf(f, "%s%.17g:%.17g", k ? ";" : "", k ? fit->last_x[k - 1] : 0.0,
                fit->line[k].a / lat);
    fprintf(f, "\"/>\n");
}

static int write_platform(FILE *f, void *ctx)
{
    const platform_file *pf = ctx;
    const dsgd_calibration *cal = pf->cal;
    double lat = 1e-6, bw = 1.25e9; /* not measured: small.xml's links */
    if (cal->net.fitted)
        network_base(&cal->net, &lat, &bw);
    dsgd_cost_profile p;
    dsgd_calib_profile(cal, &p);
    fprintf(f, "<?xml version='1.0'?>\n"
               "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n<!-- ");
    /* XML comments may not hold "--" (a flag's dashes): one of them goes. */
    for (const char *h = pf->header; h && *h; h++) {
        if (*h == '-' && h[1] == '-')
            continue;
        fputs(*h == '\n' ? "\n     " : (char[]){*h, '\0'}, f);
    }
    if (pf->header && *pf->header && pf->header[strlen(pf->header) - 1] != '\n')
        fputs("\n     ", f);
    fprintf(f,
            "Hosts: %d core(s) of the fitted peak, memory as fitted; every message,\n"
            "     between hosts or within one (loopback), takes the fitted one-way time. -->\n"
            "<platform version=\"4.1\">\n",
            cal->cores);
    int piecewise = cal->net.fitted && cal->net.fit.count > 1;
    /* network/TCP-gamma caps a flow at gamma / (2 latency): raise it where
     * it would cap the fitted bandwidth. */
    double gamma = 2.0 * lat * bw * 1.01;
    int raise_gamma = gamma > SIMGRID_TCP_GAMMA;
    if (piecewise || raise_gamma) {
        fprintf(f, "  <config>\n");
        if (piecewise) {
            fprintf(f, "    <prop id=\"network/model\" value=\"SMPI\"/>\n"
                       "    <prop id=\"network/crosstraffic\" value=\"0\"/>\n");
            write_factors(f, &cal->net.fit, lat, bw);
        }
        if (raise_gamma)
            fprintf(f, "    <prop id=\"network/TCP-gamma\" value=\"%.17g\"/>\n", gamma);
        fprintf(f, "  </config>\n");
    }
    /* A host-to-host route crosses two private links: each carries half
     * of the latency. */
    fprintf(f,
            "  <zone id=\"world\" routing=\"Full\">\n"
            "    <cluster id=\"calibrated\" prefix=\"node-\" suffix=\"\" radical=\"0-%d\"\n"
            "             speed=\"%.17gf\" core=\"%d\" bw=\"%.17gBps\" lat=\"%.17gs\"\n"
            "             sharing_policy=\"SPLITDUPLEX\" loopback_bw=\"%.17gBps\" "
            "loopback_lat=\"%.17gs\">\n"
            "      <prop id=\"mem_bw\" value=\"%.17gBps\"/>\n"
            "    </cluster>\n  </zone>\n</platform>\n",
            cal->hosts - 1, cal->peak_flops, cal->cores, bw, lat / 2, bw, lat, p.mem_bw_Bps);
    return 0;
}

int dsgd_calib_write(const dsgd_calibration *cal, const char *name, const char *header, char *err,
                     size_t errlen)
{
    size_t len = strlen(name) + 16;
    char *xml = malloc(len), *profile = malloc(len);
    if (!xml || !profile) {
        free(xml), free(profile);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(xml, len, "%s.xml", name);
    snprintf(profile, len, "%s.profile", name);
    platform_file pf = {cal, header};
    dsgd_cost_profile p;
    dsgd_calib_profile(cal, &p);
    int rc = dsgd_write_atomic(xml, "w", write_platform, &pf, err, errlen);
    if (rc == 0 && dsgd_cost_save_with_header(profile, &p, header, err, errlen) != 0) {
        unlink(xml); /* both or neither */
        rc = -1;
    }
    free(xml);
    free(profile);
    return rc;
}
