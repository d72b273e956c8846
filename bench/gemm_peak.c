/* gemm_peak — how close the GEMM-heavy layers of the executable models get
 * to OpenBLAS's own sgemm peak on this machine (one thread, as dsgd-run).
 *
 * conv2 of the CNN runs through the FFT (core/conv_fft.c): its rows are the
 * per-frequency complex GEMMs (8 real flops per complex multiply-add; 144
 * of each per step) and the whole layer, whose "effective" rate counts the
 * flops im2col + sgemm would have spent on it, so it may exceed the peak.
 *
 * The peak is the best rate of a 1024^3 sgemm (short enough calls that the
 * best of a few seconds of them is not one cut by a time slice).  Each row after it is
 * one GEMM that a training step of --model cnn or mlp performs at the given
 * per-rank batch, with the same shapes and transposes as core/cnn.c and
 * core/dense.c, timed through the CPU device (core/device.h).
 *
 * usage: gemm_peak [BATCH]   (default 32) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>
#include <complex.h>
#include <string.h>

#include "core/device.h"
#include "core/model.h"
#include "core/progress.h"

typedef struct shape {
    const char *what;
    int ta, tb, m, n, k;
    int complex_gemm; /* cgemm (8 flops per multiply-add) instead of sgemm */
} shape;

/* GFLOP/s of c = op(a) op(b) over repeats lasting at least `seconds`. */
static double rate(const shape *s, double seconds)
{
    const dsgd_device *d = dsgd_device_cpu();
    int w = s->complex_gemm ? 2 : 1; /* floats per element */
    size_t na = (size_t)s->m * s->k * w, nb = (size_t)s->k * s->n * w, nc = (size_t)s->m * s->n * w;
    float *a = d->alloc(na * sizeof(float)), *b = d->alloc(nb * sizeof(float));
    float *c = d->alloc(nc * sizeof(float));
    const float complex one = 1.0f, zero = 0.0f;
    if (!a || !b || !c) {
        fprintf(stderr, "gemm_peak: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < na; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nb; i++)
        b[i] = (float)(i % 5) * 0.1f;
    int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
    double best = 0, flops = (s->complex_gemm ? 8.0 : 2.0) * s->m * s->n * s->k;
    double t_end = dsgd_wall_seconds() + seconds;
    for (int first = 1; first || dsgd_wall_seconds() < t_end; first = 0) {
        double t0 = dsgd_wall_seconds();
        if (s->complex_gemm)
            cblas_cgemm(CblasRowMajor, s->ta ? CblasConjTrans : CblasNoTrans,
                        s->tb ? CblasConjTrans : CblasNoTrans, s->m, s->n, s->k, &one, a, lda, b,
                        ldb, &zero, c, s->n);
        else
            d->gemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n);
        double dt = dsgd_wall_seconds() - t0;
        double r = first ? 0 : flops / dt / 1e9; /* the first call warms up */
        best = r > best ? r : best;
    }
    d->release(a), d->release(b), d->release(c);
    return best;
}

int main(int argc, char **argv)
{
    int batch = argc > 1 ? atoi(argv[1]) : 32;
    if (batch < 1) {
        fprintf(stderr, "gemm_peak: bad batch '%s'\n", argv[1]);
        return 2;
    }
    dsgd_model_set_threads(1);
    int b = batch;
    /* conv1: 1->32 on 28x28 (k = 25), conv2: 32->64 on 14x14 (k = 800). */
    const shape shapes[] = {
        {"conv1 forward", 0, 0, 32, b * 784, 25, 0}, {"conv1 dW", 0, 1, 32, 25, b * 784, 0},
        {"conv2 fft fwd cgemm", 0, 0, 64, b, 32, 1}, {"conv2 fft dX cgemm", 1, 0, 32, b, 64, 1},
        {"conv2 fft dW cgemm", 0, 1, 64, 32, b, 1},  {"cnn fc1 forward", 0, 1, b, 128, 3136, 0},
        {"cnn fc1 dW", 1, 0, 128, 3136, b, 0},       {"cnn fc1 dX", 0, 0, b, 3136, 128, 0},
        {"mlp fc1 forward", 0, 1, b, 128, 784, 0},   {"mlp fc1 dW", 1, 0, 128, 784, b, 0},
    };
    shape square = {"sgemm 1024^3 (peak)", 0, 0, 1024, 1024, 1024, 0};
    double peak = rate(&square, 2.0);
    printf("%-22s %6s %6s %6s %9s %7s\n", "gemm", "m", "n", "k", "GFLOP/s", "of peak");
    printf("%-22s %6d %6d %6d %9.1f %6.0f%%\n", square.what, 1024, 1024, 1024, peak, 100.0);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double r = rate(&shapes[i], 0.3);
        printf("%-22s %6d %6d %6d %9.1f %6.0f%%\n", shapes[i].what, shapes[i].m, shapes[i].n,
               shapes[i].k, r, 100.0 * r / peak);
    }
    /* conv2 whole (forward + backward with dX), by FFT and by im2col. */
    const dsgd_device *d = dsgd_device_cpu();
    dsgd_conv_geom g;
    dsgd_conv_geom_init(&g, 32, 14, 14, 5, 2, 1);
    size_t nx = 32 * (size_t)b * 196, nw = 64 * 800, ny = 64 * (size_t)b * 196;
    float *x = calloc(nx, sizeof(float)), *w = calloc(nw, sizeof(float)), *bias = calloc(64, 4);
    float *y = calloc(ny, sizeof(float)), *dw = calloc(nw, 4), *db = calloc(64, 4);
    float *dx = calloc(nx, sizeof(float));
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)(i % 11) * 0.1f;
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)(i % 7) * 0.01f;
    double direct = 3 * 2.0 * 800 * 64 * 196 * b; /* fwd, dW, dX by im2col */
    const char *names[2] = {"conv2 layer, im2col", "conv2 layer, fft"};
    dsgd_conv_algo algos[2] = {DSGD_CONV_IM2COL, DSGD_CONV_FFT};
    for (int a = 0; a < 2; a++) {
        dsgd_conv *cv = d->conv_create(&g, 64, b, algos[a]);
        double bestt = 1e30;
        for (int rep = 0; rep < 20 && cv; rep++) {
            double t0 = dsgd_wall_seconds();
            d->conv_forward(cv, b, x, w, bias, y);
            d->conv_backward(cv, b, x, w, y, dw, db, dx);
            double dt = dsgd_wall_seconds() - t0;
            bestt = dt < bestt ? dt : bestt;
        }
        d->conv_destroy(cv);
        printf("%-22s %6.2f ms/step, effective %7.1f GFLOP/s %6.0f%% of peak\n", names[a],
               bestt * 1e3, direct / bestt / 1e9, 100.0 * direct / bestt / 1e9 / peak);
    }
    free(x), free(w), free(bias), free(y), free(dw), free(db), free(dx);
    return 0;
}
