/* fit.c — relative least squares, one line or consecutive segments. */
#include "traces/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double dsgd_fit_residual(const dsgd_line *l, double x, double y)
{
    return (y - l->a - l->c * x) / y;
}

static void fit_stats(const double *x, const double *y, size_t n, dsgd_line *l)
{
    l->n = n;
    l->rss = l->max_rel = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = dsgd_fit_residual(l, x[i], y[i]);
        l->rss += r * r;
        if (fabs(r) > l->max_rel)
            l->max_rel = fabs(r);
    }
    l->rms_rel = n ? sqrt(l->rss / (double)n) : 0.0;
}

int dsgd_fit_line(const double *x, const double *y, size_t n, dsgd_line *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return -1;
    /* Weights 1/y²: the residual of each point relative to its value.
     * Centred sums keep the slope exact when x spans many magnitudes. */
    double sw = 0, swx = 0, swy = 0;
    for (size_t i = 0; i < n; i++) {
        double w = 1.0 / (y[i] * y[i]);
        sw += w, swx += w * x[i], swy += w * y[i];
    }
    double xm = swx / sw, ym = swy / sw, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double w = 1.0 / (y[i] * y[i]);
        sxx += w * (x[i] - xm) * (x[i] - xm);
        sxy += w * (x[i] - xm) * (y[i] - ym);
    }
    out->c = sxx > 0 ? sxy / sxx : 0.0;
    out->a = ym - out->c * xm;
    if (out->c < 0) { /* a constant: the weighted mean */
        out->c = 0.0;
        out->a = ym;
    } else if (out->a < 0) { /* through the origin */
        double swxx = 0, swxy = 0;
        for (size_t i = 0; i < n; i++) {
            double w = 1.0 / (y[i] * y[i]);
            swxx += w * x[i] * x[i], swxy += w * x[i] * y[i];
        }
        out->a = 0.0;
        out->c = swxx > 0 ? swxy / swxx : 0.0;
    }
    fit_stats(x, y, n, out);
    return 0;
}

/* BIC of a fit with rss over n points and p free parameters; rss is
 * floored so that exact data (rss ~ 0) does not reward extra segments. */
static double bic(double rss, size_t n, int p)
{
    double floor_rss = (double)n * 1e-14;
    return (double)n * log((rss > floor_rss ? rss : floor_rss) / (double)n) + p * log((double)n);
}

int dsgd_fit_segments(const double *x, const double *y, size_t n, int max_segments,
                      size_t min_points, dsgd_segments *out)
{
    memset(out, 0, sizeof *out);
    if (min_points < 2)
        min_points = 2;
    if (n < min_points)
        return -1;
    if (max_segments > DSGD_FIT_MAX_SEGMENTS)
        max_segments = DSGD_FIT_MAX_SEGMENTS;
    if ((size_t)max_segments > n / min_points)
        max_segments = (int)(n / min_points);
    /* rss[i*n+j]: one line through points i..j (inclusive). */
    double *rss = malloc(sizeof *rss * n * n);
    double *best = malloc(sizeof *best * n * (size_t)max_segments);
    size_t *cut = malloc(sizeof *cut * n * (size_t)max_segments);
    if (!rss || !best || !cut) {
        free(rss), free(best), free(cut);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            dsgd_line l;
            rss[i * n + j] = INFINITY;
            if (j + 1 - i >= min_points && dsgd_fit_line(x + i, y + i, j + 1 - i, &l) == 0)
                rss[i * n + j] = l.rss;
        }
    /* best[k*n+j]: k+1 segments over points 0..j; cut: where the last starts. */
    for (int k = 0; k < max_segments; k++)
        for (size_t j = 0; j < n; j++) {
            best[k * n + j] = INFINITY;
            if (k == 0) {
                best[j] = rss[j];
                cut[j] = 0;
                continue;
            }
            for (size_t i = 1; i <= j; i++) {
                double v = best[(k - 1) * n + i - 1] + rss[i * n + j];
                if (v < best[k * n + j]) {
                    best[k * n + j] = v;
                    cut[k * n + j] = i;
                }
            }
        }
    int chosen = 0;
    for (int k = 0; k < max_segments; k++) {
        if (!isfinite(best[k * n + n - 1]))
            continue;
        double b = bic(best[k * n + n - 1], n, 3 * (k + 1) - 1);
        if (k == 0 || b < out->bic) {
            out->bic = b;
            chosen = k;
        }
    }
    /* Walk the cuts back from the last point. */
    size_t end = n, starts[DSGD_FIT_MAX_SEGMENTS];
    for (int k = chosen; k >= 0; k--) {
        starts[k] = cut[k * n + end - 1];
        end = starts[k];
    }
    out->count = chosen + 1;
    double total = 0.0;
    for (int k = 0; k < out->count; k++) {
        size_t first = starts[k], last = k + 1 < out->count ? starts[k + 1] - 1 : n - 1;
        dsgd_fit_line(x + first, y + first, last + 1 - first, &out->line[k]);
        out->last_x[k] = x[last];
        total += out->line[k].rss;
        if (out->line[k].max_rel > out->max_rel)
            out->max_rel = out->line[k].max_rel;
    }
    out->rms_rel = sqrt(total / (double)n);
    out->single_rms_rel = sqrt(rss[n - 1] / (double)n);
    free(rss), free(best), free(cut);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void dsgd_fit_sort(double *v, size_t n) { qsort(v, n, sizeof *v, cmp_double); }

double dsgd_fit_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    dsgd_fit_sort(v, n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
