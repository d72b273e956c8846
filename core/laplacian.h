/* laplacian.h — Laplacian smoothing of a gradient (Osher et al. 2018).
 *
 * Replaces g by the solution x of (I - sigma L) x = g, where L is the 1-D
 * periodic discrete Laplacian, (L x)_i = x_{i-1} - 2 x_i + x_{i+1} (indices
 * mod n).  (I - sigma L) is circulant, so it is diagonal in the Fourier
 * basis with eigenvalue 1 + 4 sigma sin^2(pi k / n) for mode k: one real
 * FFT, a division per mode, one inverse FFT (FFTW, single precision). */
#ifndef DSGD_LAPLACIAN_H
#define DSGD_LAPLACIAN_H

#include <stddef.h>

typedef struct dsgd_laplacian {
    size_t n;
    double sigma;
    float *work;             /* n floats (FFTW-aligned) */
    void *spectrum;          /* n/2+1 complex floats */
    float *denom;            /* n/2+1 eigenvalues */
    void *forward, *inverse; /* FFTW plans */
} dsgd_laplacian;

/* Plans the smoothing of vectors of length n (n >= 1, sigma >= 0).
 * Returns 0, or -1 when out of memory. */
int dsgd_laplacian_init(dsgd_laplacian *l, size_t n, double sigma);
void dsgd_laplacian_free(dsgd_laplacian *l);
/* g <- (I - sigma L)^-1 g in place (g NULL: phantom, nothing done).
 * Returns the memory traffic in bytes, to charge with dsgd_memory. */
double dsgd_laplacian_apply(dsgd_laplacian *l, float *g);

/* The traffic dsgd_laplacian_apply reports for length n (phantom runs). */
double dsgd_laplacian_bytes(size_t n);

#endif
