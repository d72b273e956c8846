/* laplacian.c — Laplacian smoothing through FFTW (see laplacian.h). */
#include "core/laplacian.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int dsgd_laplacian_init(dsgd_laplacian *l, size_t n, double sigma)
{
    memset(l, 0, sizeof *l);
    l->n = n;
    l->sigma = sigma;
    size_t modes = n / 2 + 1;
    l->work = fftwf_alloc_real(n);
    l->spectrum = fftwf_alloc_complex(modes);
    l->denom = malloc(modes * sizeof *l->denom);
    if (!l->work || !l->spectrum || !l->denom) {
        dsgd_laplacian_free(l);
        return -1;
    }
    for (size_t k = 0; k < modes; k++) {
        double s = sin(3.14159265358979323846 * (double)k / (double)n);
        /* eigenvalue of (I - sigma L), times n for FFTW's unnormalised inverse */
        l->denom[k] = (float)((1.0 + 4.0 * sigma * s * s) * (double)n);
    }
    /* ESTIMATE: no timing runs, so plans are cheap and results deterministic. */
    l->forward = fftwf_plan_dft_r2c_1d((int)n, l->work, l->spectrum, FFTW_ESTIMATE);
    l->inverse = fftwf_plan_dft_c2r_1d((int)n, l->spectrum, l->work, FFTW_ESTIMATE);
    if (!l->forward || !l->inverse) {
        dsgd_laplacian_free(l);
        return -1;
    }
    return 0;
}

void dsgd_laplacian_free(dsgd_laplacian *l)
{
    if (l->forward)
        fftwf_destroy_plan(l->forward);
    if (l->inverse)
        fftwf_destroy_plan(l->inverse);
    fftwf_free(l->work);
    fftwf_free(l->spectrum);
    free(l->denom);
    memset(l, 0, sizeof *l);
}

double dsgd_laplacian_bytes(size_t n)
{
    /* copies in and out, and about log2(n)/4 passes per transform */
    return 6.0 * (double)n * sizeof(float) * (1.0 + log2((double)n + 1.0) / 4.0);
}

double dsgd_laplacian_apply(dsgd_laplacian *l, float *g)
{
    size_t n = l->n, modes = n / 2 + 1;
    double bytes = dsgd_laplacian_bytes(n);
    if (!g)
        return bytes;
    memcpy(l->work, g, n * sizeof *g);
    fftwf_execute(l->forward);
    fftwf_complex *spec = l->spectrum;
    for (size_t k = 0; k < modes; k++) {
        spec[k][0] /= l->denom[k];
        spec[k][1] /= l->denom[k];
    }
    fftwf_execute(l->inverse);
    memcpy(g, l->work, n * sizeof *g);
    return bytes;
}
