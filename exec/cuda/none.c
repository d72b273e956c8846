/* none.c — the CUDA device of a build without CUDA (device_cuda.h): every
 * call says so, and the programs and tests that ask for it refuse or skip. */
#include <stdio.h>

#include "exec/cuda/device_cuda.h"

#define NOT_BUILT "not built with CUDA (configure with -DDSGD_CUDA=ON and the CUDA toolkit)"

int dsgd_cuda_built(void) { return 0; }

int dsgd_cuda_device_count(char *err, size_t errlen)
{
    if (err)
        snprintf(err, errlen, NOT_BUILT);
    return 0;
}

const dsgd_device *dsgd_cuda_device_open(int ordinal, char *err, size_t errlen)
{
    (void)ordinal;
    snprintf(err, errlen, NOT_BUILT);
    return NULL;
}

void dsgd_cuda_device_close(void) {}

const char *dsgd_cuda_device_name(void) { return ""; }
