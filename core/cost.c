/* cost.c — cost profiles: defaults, file format, compute time. */
#define _POSIX_C_SOURCE 200809L
#include "core/cost.h"

#include "core/atomic.h"
#include "core/paths.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void dsgd_cost_defaults(dsgd_cost_profile *p)
{
    /* Fractions of peak that frameworks typically reach per layer kind on
     * accelerators (GEMM/convolution near half of peak or more; element-
     * wise and normalisation kinds are memory-bound).  Placeholders until a
     * calibrated profile replaces them. */
    static const double eff[DSGD_LAYER_KIND_COUNT] = {
        [DSGD_LAYER_DENSE] = 0.70,        [DSGD_LAYER_CONV] = 0.55,
        [DSGD_LAYER_POOL] = 0.05,         [DSGD_LAYER_ACT] = 0.05,
        [DSGD_LAYER_NORM] = 0.05,         [DSGD_LAYER_ATTENTION] = 0.40,
        [DSGD_LAYER_EMBEDDING] = 0.02,    [DSGD_LAYER_ELEMENTWISE] = 0.05,
        [DSGD_LAYER_SOFTMAX_XENT] = 0.05, [DSGD_LAYER_CONV_FFT] = 0.55,
    };
    memcpy(p->efficiency, eff, sizeof eff);
    memset(p->curve, 0, sizeof p->curve);
    memset(&p->io_curve, 0, sizeof p->io_curve);
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        p->overhead_s[k] = -1.0;
    p->layer_overhead_s = 10e-6;
    p->io_bw_Bps = 1e9;
    p->mem_bw_Bps = 1e10;
    p->io_overhead_s = 0.0;
    p->mem_overhead_s = 0.0;
    p->peak_flops = 0.0;
    p->jitter_cv = 0.0;
    p->jitter_lognormal = 0.0;
    p->wake_latency_s = 0.0;
    p->wake_n = 0;
    memset(p->wake_q, 0, sizeof p->wake_q);
}

/* The kind named after prefix in key ("efficiency.conv"), or -1. */
static int kind_after(const char *key, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(key, prefix, len) != 0)
        return -1;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        if (strcmp(key + len, dsgd_layer_kind_name((dsgd_layer_kind)k)) == 0)
            return k;
    return -1;
}

static double *field_of(dsgd_cost_profile *p, const char *key)
{
    if (strcmp(key, "layer_overhead_s") == 0)
        return &p->layer_overhead_s;
    if (strcmp(key, "io_bw_Bps") == 0)
        return &p->io_bw_Bps;
    if (strcmp(key, "mem_bw_Bps") == 0)
        return &p->mem_bw_Bps;
    if (strcmp(key, "io_overhead_s") == 0)
        return &p->io_overhead_s;
    if (strcmp(key, "mem_overhead_s") == 0)
        return &p->mem_overhead_s;
    if (strcmp(key, "peak_flops") == 0)
        return &p->peak_flops;
    if (strcmp(key, "jitter_cv") == 0)
        return &p->jitter_cv;
    if (strcmp(key, "jitter_lognormal") == 0)
        return &p->jitter_lognormal;
    if (strcmp(key, "wake_latency_s") == 0)
        return &p->wake_latency_s;
    int k = kind_after(key, "efficiency.");
    if (k >= 0)
        return &p->efficiency[k];
    k = kind_after(key, "overhead_s.");
    return k >= 0 ? &p->overhead_s[k] : NULL;
}

/* The range a key's value must lie in, as "[lo, hi]" bounds (lo_open: lo
 * itself excluded), and the words that say it.  The upper bounds are far
 * beyond any machine (a second per layer call, a petabyte per second) but
 * keep simulated times finite: 1e300 s per call is no calibration, and the
 * simulation would report it as a deadlock. */
typedef struct value_range {
    double lo, hi;
    int lo_open;
    const char *words;
} value_range;

static value_range range_of(const char *key)
{
    if (strncmp(key, "efficiency.", 11) == 0)
        return (value_range){0, 1, 1, "a fraction of peak in (0, 1]"};
    if (strcmp(key, "layer_overhead_s") == 0 || strncmp(key, "overhead_s.", 11) == 0 ||
        strcmp(key, "io_overhead_s") == 0 || strcmp(key, "mem_overhead_s") == 0 ||
        strcmp(key, "wake_latency_s") == 0)
        return (value_range){0, 1, 0, "seconds per call, 0 to 1"};
    if (strcmp(key, "jitter_cv") == 0) /* as --jitter takes it */
        return (value_range){0, 1, 0, "0 to 1"};
    if (strcmp(key, "jitter_lognormal") == 0)
        return (value_range){0, 1, 0, "0 or 1"};
    if (strcmp(key, "peak_flops") == 0)
        return (value_range){1e3, 1e20, 0, "flop/s, 1e3 to 1e20"};
    return (value_range){1e3, 1e16, 0, "bytes/s, 1e3 to 1e16"}; /* io_bw_Bps, mem_bw_Bps */
}

static int valid(const char *key, double v)
{
    value_range r = range_of(key);
    if (!isfinite(v) || v > r.hi || v < r.lo || (r.lo_open && v == r.lo))
        return 0;
    return strcmp(key, "jitter_lognormal") != 0 || v == 0 || v == 1;
}

/* Skips the blanks before the next word of a list value; 0 at its end. */
static int next_word(const char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    return **s != '\0';
}

/* Whether a number read up to end is a whole word. */
static int word_ends(const char *end) { return !*end || *end == ' ' || *end == '\t'; }

/* "wake_latency_quantiles_s" = 101 seconds, non-decreasing: into p, or -1
 * with a reason. */
static int parse_wake(dsgd_cost_profile *p, const char *key, const char *value, char *err,
                      size_t errlen)
{
    double q[DSGD_WAKE_QUANTILES];
    int n = 0;
    for (const char *s = value; next_word(&s);) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !(v >= 0 && v <= 1) || !word_ends(end)) {
            snprintf(err, errlen, "%s: bad value '%.30s' (want seconds in [0, 1])", key, s);
            return -1;
        }
        if (n == DSGD_WAKE_QUANTILES) {
            snprintf(err, errlen, "%s: more than %d values", key, DSGD_WAKE_QUANTILES);
            return -1;
        }
        if (n > 0 && v < q[n - 1]) {
            snprintf(err, errlen, "%s: percentiles must not decrease (%g after %g)", key, v, q[n - 1]);
            return -1;
        }
        q[n++] = v;
        s = end;
    }
    if (n != DSGD_WAKE_QUANTILES) {
        snprintf(err, errlen, "%s: %d values, want the %d percentiles 0..100", key, n,
                 DSGD_WAKE_QUANTILES);
        return -1;
    }
    memcpy(p->wake_q, q, sizeof q);
    p->wake_n = n;
    return 0;
}

double dsgd_cost_wake_draw(const dsgd_cost_profile *p, double u)
{
    if (p->wake_n < 2)
        return p->wake_latency_s;
    double x = fmin(fmax(u, 0.0), 1.0) * (p->wake_n - 1);
    int i = (int)x;
    if (i >= p->wake_n - 1)
        return p->wake_q[p->wake_n - 1];
    return p->wake_q[i] + (x - i) * (p->wake_q[i + 1] - p->wake_q[i]);
}

/* "curve.<kind>.fwd|bwd" = "F:T F:T ...": into p, or -1 with a reason. */
static int parse_curve(dsgd_cost_profile *p, const char *key, const char *value, char *err,
                       size_t errlen)
{
    const char *dot = strrchr(key, '.');
    int io = strcmp(key, "curve.io") == 0;
    int pass = dot && strcmp(dot, ".fwd") == 0 ? 0 : dot && strcmp(dot, ".bwd") == 0 ? 1 : -1;
    int kind = -1;
    if (pass >= 0 && dot > key + 6)
        for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++) {
            const char *kn = dsgd_layer_kind_name((dsgd_layer_kind)k);
            if (strlen(kn) == (size_t)(dot - key - 6) && strncmp(key + 6, kn, strlen(kn)) == 0)
                kind = k;
        }
    if (kind < 0 && !io) {
        snprintf(err, errlen, "unknown key '%.60s' (curve.<kind>.fwd or .bwd, or curve.io)", key);
        return -1;
    }
    dsgd_cost_curve c = {0};
    for (const char *s = value; next_word(&s);) {
        char *end;
        errno = 0;
        double f = strtod(s, &end), t = NAN;
        if (end != s && *end == ':') {
            const char *ts = end + 1;
            t = strtod(ts, &end);
            if (end == ts)
                t = NAN;
        }
        if (errno || !(f > 0 && f <= 1e20) || !(t > 0 && t <= 1) || !word_ends(end)) {
            snprintf(err, errlen, "%s: bad point '%.30s' (want SIZE:SECONDS, size in (0, 1e20], "
                                  "seconds in (0, 1])",
                     key, s);
            return -1;
        }
        if (c.n == DSGD_COST_CURVE_POINTS) {
            snprintf(err, errlen, "%s: more than %d points", key, DSGD_COST_CURVE_POINTS);
            return -1;
        }
        if (c.n > 0 && !(f > c.size[c.n - 1])) {
            snprintf(err, errlen, "%s: sizes must increase (%g after %g)", key, f,
                     c.size[c.n - 1]);
            return -1;
        }
        c.size[c.n] = f, c.seconds[c.n++] = t;
        s = end;
    }
    if (c.n < 2) {
        snprintf(err, errlen, "%s: a curve needs 2 points or more, got %d", key, c.n);
        return -1;
    }
    if (io)
        p->io_curve = c;
    else
        p->curve[kind][pass] = c;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && strchr(" \t\r\n", end[-1]))
        *--end = '\0';
    return s;
}

int dsgd_cost_load(const char *path, dsgd_cost_profile *p, char *err, size_t errlen)
{
    FILE *f = dsgd_input_fopen(path, "r", err, errlen);
    if (!f)
        return -1;
    dsgd_cost_profile loaded = *p;
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    /* Whole lines, however long: a comment's tail must never be read as a
     * setting of its own. */
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(line);
        if (!*text)
            continue;
        char *eq = strchr(text, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value', got '%.60s'", path, lineno, text);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(text), *value = trim(eq + 1), *end;
        if (strncmp(key, "curve.", 6) == 0 || strcmp(key, "wake_latency_quantiles_s") == 0) {
            rc = key[0] == 'c' ? parse_curve(&loaded, key, value, err, errlen)
                               : parse_wake(&loaded, key, value, err, errlen);
            if (rc != 0) {
                char why[256];
                snprintf(why, sizeof why, "%s", err);
                snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            }
            continue;
        }
        double *field = field_of(&loaded, key);
        errno = 0;
        double v = strtod(value, &end);
        if (!field) {
            snprintf(err, errlen, "%s:%d: unknown key '%.60s'", path, lineno, key);
            rc = -1;
        } else if (end == value || *end || errno || !valid(key, v)) {
            snprintf(err, errlen, "%s:%d: bad value '%.40s' for %s (want %s)", path, lineno, value,
                     key, range_of(key).words);
            rc = -1;
        } else {
            *field = v;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s:%d: read error: %s", path, lineno, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc == 0)
        *p = loaded;
    return rc;
}

typedef struct profile_file {
    const dsgd_cost_profile *p;
    const char *header;
} profile_file;

static void write_curve(FILE *f, const char *key, const dsgd_cost_curve *c)
{
    if (c->n < 2)
        return;
    fprintf(f, "%s =", key);
    for (int i = 0; i < c->n; i++)
        fprintf(f, " %.17g:%.17g", c->size[i], c->seconds[i]);
    fputc('\n', f);
}

static int write_profile(FILE *f, void *ctx)
{
    const profile_file *pf = ctx;
    const dsgd_cost_profile *p = pf->p;
    fprintf(f, "# dsgd cost profile (see core/cost.h)\n");
    for (const char *line = pf->header; line && *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(f, "# %.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        fprintf(f, "efficiency.%s = %.17g\n", dsgd_layer_kind_name((dsgd_layer_kind)k),
                p->efficiency[k]);
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        if (p->overhead_s[k] >= 0)
            fprintf(f, "overhead_s.%s = %.17g\n", dsgd_layer_kind_name((dsgd_layer_kind)k),
                    p->overhead_s[k]);
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        for (int pass = 0; pass < 2; pass++) {
            char key[40];
            snprintf(key, sizeof key, "curve.%s.%s", dsgd_layer_kind_name((dsgd_layer_kind)k),
                     pass ? "bwd" : "fwd");
            write_curve(f, key, &p->curve[k][pass]);
        }
    write_curve(f, "curve.io", &p->io_curve);
    fprintf(f, "layer_overhead_s = %.17g\nio_bw_Bps = %.17g\nmem_bw_Bps = %.17g\n",
            p->layer_overhead_s, p->io_bw_Bps, p->mem_bw_Bps);
    if (p->io_overhead_s > 0 || p->mem_overhead_s > 0)
        fprintf(f, "io_overhead_s = %.17g\nmem_overhead_s = %.17g\n", p->io_overhead_s,
                p->mem_overhead_s);
    if (p->peak_flops > 0)
        fprintf(f, "peak_flops = %.17g\n", p->peak_flops);
    if (p->wake_latency_s > 0)
        fprintf(f, "wake_latency_s = %.17g\n", p->wake_latency_s);
    if (p->wake_n == DSGD_WAKE_QUANTILES) {
        fprintf(f, "wake_latency_quantiles_s =");
        for (int i = 0; i < p->wake_n; i++)
            fprintf(f, " %.9g", p->wake_q[i]);
        fprintf(f, "\n");
    }
    if (p->jitter_cv > 0)
        fprintf(f, "jitter_cv = %.17g\njitter_lognormal = %g\n", p->jitter_cv, p->jitter_lognormal);
    return 0;
}

int dsgd_cost_save_with_header(const char *path, const dsgd_cost_profile *p, const char *header,
                               char *err, size_t errlen)
{
    profile_file pf = {p, header};
    return dsgd_write_atomic(path, "w", write_profile, &pf, err, errlen);
}

int dsgd_cost_save(const char *path, const dsgd_cost_profile *p, char *err, size_t errlen)
{
    return dsgd_cost_save_with_header(path, p, NULL, err, errlen);
}

double dsgd_cost_overhead(const dsgd_cost_profile *p, int kind)
{
    return p->overhead_s[kind] >= 0 ? p->overhead_s[kind] : p->layer_overhead_s;
}

double dsgd_cost_curve_seconds(const dsgd_cost_curve *c, double size)
{
    int n = c->n, i = 1;
    while (i < n - 1 && size > c->size[i])
        i++;
    double x0 = c->size[i - 1], x1 = c->size[i], y0 = c->seconds[i - 1], y1 = c->seconds[i];
    double slope = (y1 - y0) / (x1 - x0);
    if (size < c->size[0]) /* between proportional and the first point's time */
        return fmin(c->seconds[0], fmax(y0 + slope * (size - x0), c->seconds[0] * size / x0));
    if (size > x1 && !(slope > 0)) /* a last segment that noise made flat */
        return y1 * size / x1;
    return y0 + slope * (size - x0);
}

double dsgd_cost_io_seconds(const dsgd_cost_profile *p, double bytes)
{
    if (p->io_curve.n >= 2)
        return dsgd_cost_curve_seconds(&p->io_curve, bytes);
    return p->io_overhead_s + bytes / p->io_bw_Bps;
}

int dsgd_cost_has_curves(const dsgd_cost_profile *p)
{
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        if (p->curve[k][0].n >= 2 || p->curve[k][1].n >= 2)
            return 1;
    return 0;
}

/* Call by call: each kind's curve where it has one, else its rate and
 * overhead. */
static double listed_seconds(const dsgd_cost_profile *p, const dsgd_work *work, double peak_flops)
{
    double t = 0.0, scale = p->peak_flops > 0 ? p->peak_flops / peak_flops : 1.0;
    for (int l = work->first; l < work->end; l++) {
        const dsgd_layer_info *li = &work->layers[l];
        for (int pass = 0; pass < 2; pass++) {
            if (!(pass ? work->backward : work->forward))
                continue;
            double f = work->batch * (pass ? li->bwd_flops : li->fwd_flops);
            const dsgd_cost_curve *c = &p->curve[li->kind][pass];
            if (c->n >= 2 && f > 0)
                t += dsgd_cost_curve_seconds(c, f) * scale;
            else
                t += f / (peak_flops * p->efficiency[li->kind]) + dsgd_cost_overhead(p, li->kind);
        }
    }
    return t;
}

double dsgd_cost_compute_seconds(const dsgd_cost_profile *p, const dsgd_work *work,
                                 double peak_flops)
{
    if (work->layers && dsgd_cost_has_curves(p))
        return listed_seconds(p, work, peak_flops);
    double t = 0.0, attributed = 0.0;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++) {
        if (work->flops[k] > 0)
            t += work->flops[k] / (peak_flops * p->efficiency[k]);
        if (work->calls[k] > 0) {
            t += work->calls[k] * dsgd_cost_overhead(p, k);
            attributed += work->calls[k];
        }
    }
    if (work->layer_calls > attributed)
        t += (work->layer_calls - attributed) * p->layer_overhead_s;
    return t;
}
