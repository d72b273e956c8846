/* gemm_peak — how close the GEMM-heavy layers of the executable models get
 * to OpenBLAS's own sgemm peak on this machine (one thread, as dsgd-run).
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

#include "core/device.h"
#include "core/model.h"
#include "core/progress.h"

typedef struct shape {
    const char *what;
    int ta, tb, m, n, k;
} shape;

/* GFLOP/s of c = op(a) op(b) over repeats lasting at least `seconds`. */
static double rate(const shape *s, double seconds)
{
    const dsgd_device *d = dsgd_device_cpu();
    size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
    float *a = d->alloc(na * sizeof(float)), *b = d->alloc(nb * sizeof(float));
    float *c = d->alloc(nc * sizeof(float));
    if (!a || !b || !c) {
        fprintf(stderr, "gemm_peak: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < na; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nb; i++)
        b[i] = (float)(i % 5) * 0.1f;
    int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n;
    d->gemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n); /* warm up */
    double best = 0;
    double t_end = dsgd_wall_seconds() + seconds;
    while (dsgd_wall_seconds() < t_end) {
        double t0 = dsgd_wall_seconds();
        d->gemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, s->n);
        double dt = dsgd_wall_seconds() - t0;
        double r = 2.0 * s->m * s->n * s->k / dt / 1e9;
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
        {"conv1 forward", 0, 0, 32, b * 784, 25},
        {"conv1 dW", 0, 1, 32, 25, b * 784},
        {"conv2 forward", 0, 0, 64, b * 196, 800},
        {"conv2 dW", 0, 1, 64, 800, b * 196},
        {"conv2 dX (dcols)", 1, 0, 800, b * 196, 64},
        {"cnn fc1 forward", 0, 1, b, 128, 3136},
        {"cnn fc1 dW", 1, 0, 128, 3136, b},
        {"cnn fc1 dX", 0, 0, b, 3136, 128},
        {"mlp fc1 forward", 0, 1, b, 128, 784},
        {"mlp fc1 dW", 1, 0, 128, 784, b},
    };
    shape square = {"sgemm 1024^3 (peak)", 0, 0, 1024, 1024, 1024};
    double peak = rate(&square, 2.0);
    printf("%-22s %6s %6s %6s %9s %7s\n", "gemm", "m", "n", "k", "GFLOP/s", "of peak");
    printf("%-22s %6d %6d %6d %9.1f %6.0f%%\n", square.what, 1024, 1024, 1024, peak, 100.0);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double r = rate(&shapes[i], 0.3);
        printf("%-22s %6d %6d %6d %9.1f %6.0f%%\n", shapes[i].what, shapes[i].m, shapes[i].n,
               shapes[i].k, r, 100.0 * r / peak);
    }
    return 0;
}
