/* fit.h — the least-squares fits of dsgd-calibrate.
 *
 * Every fit is of a time against a size: y = a + c·x (a: a fixed cost in
 * seconds, c: seconds per unit, the inverse of a rate), by least squares on
 * the *relative* error, Σ ((y_i − a − c·x_i) / y_i)², because the sizes span
 * seven orders of magnitude and a plain least squares would fit the largest
 * points only.  Both coefficients are kept ≥ 0 (a fixed cost or a rate
 * cannot be negative): a fit that wants a < 0 is redone through the origin,
 * one that wants c < 0 is a constant.
 *
 * dsgd_fit_segments cuts the points (sorted by x) into consecutive ranges,
 * each with its own line — the shape of SMPI's piecewise network factors —
 * by dynamic programming over every cut (segmented least squares), and
 * chooses the number of ranges by the Bayesian information criterion, so
 * that noise does not buy a range.  Segment k covers the points with
 * x ≤ last_x[k] (and above the previous segment's last_x). */
#ifndef DSGD_FIT_H
#define DSGD_FIT_H

#include <stddef.h>

typedef struct dsgd_line {
    double a, c;           /* y = a + c·x */
    double rss;            /* Σ relative residual² */
    double rms_rel;        /* sqrt(rss / n) */
    double max_rel;        /* largest |relative residual| */
    size_t n;
} dsgd_line;

/* Fits x[0..n-1], y[0..n-1] (y > 0).  Returns 0, or -1 when n < 1. */
int dsgd_fit_line(const double *x, const double *y, size_t n, dsgd_line *out);

/* The relative residual of point (x, y) under l. */
double dsgd_fit_residual(const dsgd_line *l, double x, double y);

#define DSGD_FIT_MAX_SEGMENTS 6

typedef struct dsgd_segments {
    int count;
    dsgd_line line[DSGD_FIT_MAX_SEGMENTS];
    double last_x[DSGD_FIT_MAX_SEGMENTS]; /* the largest x of each segment */
    double rms_rel, max_rel;              /* over all points */
    double bic;
    double single_rms_rel; /* one line through all points, for comparison */
} dsgd_segments;

/* Fits points sorted by increasing distinct x with 1..max_segments
 * segments of at least min_points points each (min_points ≥ 2).  Returns
 * 0, or -1 when there are fewer than min_points points. */
int dsgd_fit_segments(const double *x, const double *y, size_t n, int max_segments,
                      size_t min_points, dsgd_segments *out);

/* The median of v[0..n-1] (reorders v); NAN when n is 0. */
double dsgd_fit_median(double *v, size_t n);
/* Sorts v ascending. */
void dsgd_fit_sort(double *v, size_t n);

#endif
