/* gpu.h — what the GPU tests share: opening the CUDA device or skipping
 * (ctest's SKIP_RETURN_CODE 77: a machine without a GPU, or a build
 * without CUDA, reports these tests skipped, never passed), and comparing
 * a GPU result with the CPU device's. */
#ifndef DSGD_TESTS_GPU_H
#define DSGD_TESTS_GPU_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/device.h"
#include "core/rng.h"
#include "exec/cuda/device_cuda.h"

#define GPU_SKIP 77

/* The CUDA device, or exits with GPU_SKIP saying why. */
static inline const dsgd_device *gpu_open_or_skip(void)
{
    char err[256] = "";
    if (!dsgd_cuda_built() || dsgd_cuda_device_count(err, sizeof err) == 0) {
        printf("skipped: no CUDA device (%s)\n", err);
        exit(GPU_SKIP);
    }
    const dsgd_device *d = dsgd_cuda_device_open(0, err, sizeof err);
    if (!d) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    printf("GPU: %s\n", dsgd_cuda_device_name());
    return d;
}

/* ||a - b|| / ||b|| (0 when both are 0), accumulated in double. */
static inline double gpu_rel_error(const float *a, const float *b, size_t n)
{
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        diff += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        norm += (double)b[i] * b[i];
    }
    return norm > 0 ? sqrt(diff / norm) : sqrt(diff);
}

static inline void gpu_fill_normal(dsgd_rng *r, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)dsgd_rng_normal(r);
}

#endif
