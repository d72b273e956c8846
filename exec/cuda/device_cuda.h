/* device_cuda.h — the CUDA device (device.h's table on one GPU), as
 * dsgd-run and the tests open it.
 *
 * device_cuda.cu implements it with cuBLAS, cuDNN and its own kernels
 * when the build found the CUDA toolkit (DSGD_CUDA); none.c otherwise, where
 * every call says the device was not built.  A process drives one GPU:
 * the device's handles (cuBLAS, cuDNN, a stream) are that process's, so
 * the table has no context argument, as the CPU device's has none. */
#ifndef DSGD_DEVICE_CUDA_H
#define DSGD_DEVICE_CUDA_H

#include <stddef.h>

#include "core/device.h"

/* Whether this build has the CUDA device. */
int dsgd_cuda_built(void);
/* GPUs this process sees: 0 when none, no driver, or not built (err then
 * says why, if not NULL). */
int dsgd_cuda_device_count(char *err, size_t errlen);
/* Opens GPU `ordinal` (cudaSetDevice, handles, stream) and returns the
 * device, or NULL with a one-line reason in err.  A second open of the
 * same ordinal returns the same device; of another, fails. */
const dsgd_device *dsgd_cuda_device_open(int ordinal, char *err, size_t errlen);
/* Releases what open created (handles, stream, cached workspaces). */
void dsgd_cuda_device_close(void);
/* The GPU's name and compute capability, for reports ("" if not open). */
const char *dsgd_cuda_device_name(void);

#endif
