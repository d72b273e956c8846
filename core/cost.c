/* cost.c — cost profiles: defaults, file format, compute time. */
#define _POSIX_C_SOURCE 200809L
#include "core/cost.h"

#include "core/atomic.h"

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
        [DSGD_LAYER_SOFTMAX_XENT] = 0.05,
    };
    memcpy(p->efficiency, eff, sizeof eff);
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

static int valid(const char *key, double v)
{
    if (!isfinite(v))
        return 0;
    if (strncmp(key, "efficiency.", 11) == 0)
        return v > 0 && v <= 1;
    if (strcmp(key, "layer_overhead_s") == 0 || strncmp(key, "overhead_s.", 11) == 0 ||
        strcmp(key, "io_overhead_s") == 0 || strcmp(key, "mem_overhead_s") == 0 ||
        strcmp(key, "wake_latency_s") == 0)
        return v >= 0;
    if (strcmp(key, "jitter_cv") == 0) /* as --jitter takes it */
        return v >= 0 && v <= 1;
    if (strcmp(key, "jitter_lognormal") == 0)
        return v == 0 || v == 1;
    return v > 0;
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
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    dsgd_cost_profile loaded = *p;
    char line[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(line);
        if (!*text)
            continue;
        char *eq = strchr(text, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value', got '%s'", path, lineno, text);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(text), *value = trim(eq + 1), *end;
        double *field = field_of(&loaded, key);
        errno = 0;
        double v = strtod(value, &end);
        if (!field) {
            snprintf(err, errlen, "%s:%d: unknown key '%s'", path, lineno, key);
            rc = -1;
        } else if (end == value || *end || errno || !valid(key, v)) {
            snprintf(err, errlen, "%s:%d: bad value '%s' for %s", path, lineno, value, key);
            rc = -1;
        } else {
            *field = v;
        }
    }
    fclose(f);
    if (rc == 0)
        *p = loaded;
    return rc;
}

typedef struct profile_file {
    const dsgd_cost_profile *p;
    const char *header;
} profile_file;

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
    fprintf(f, "layer_overhead_s = %.17g\nio_bw_Bps = %.17g\nmem_bw_Bps = %.17g\n",
            p->layer_overhead_s, p->io_bw_Bps, p->mem_bw_Bps);
    if (p->io_overhead_s > 0 || p->mem_overhead_s > 0)
        fprintf(f, "io_overhead_s = %.17g\nmem_overhead_s = %.17g\n", p->io_overhead_s,
                p->mem_overhead_s);
    if (p->peak_flops > 0)
        fprintf(f, "peak_flops = %.17g\n", p->peak_flops);
    if (p->wake_latency_s > 0)
        fprintf(f, "wake_latency_s = %.17g\n", p->wake_latency_s);
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

double dsgd_cost_compute_seconds(const dsgd_cost_profile *p, const dsgd_work *work,
                                 double peak_flops)
{
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
