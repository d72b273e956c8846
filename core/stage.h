/* stage.h — a model's copies of its caller's host buffers on a device
 * whose memory is not the host's.
 *
 * The algorithms keep parameters and gradients as host vectors (vec.h),
 * and the worker fills minibatches on the host.  An executable model on
 * such a device uploads the parameters and the batch before its forward
 * pass and downloads the gradient after its backward pass; on a
 * host-memory device (the CPU) every call here hands the caller's own
 * pointers back and copies nothing, so the CPU path is unchanged. */
#ifndef DSGD_STAGE_H
#define DSGD_STAGE_H

#include <stddef.h>

#include "core/device.h"

typedef struct dsgd_stage {
    const dsgd_device *dev;
    size_t n_params;
    int dim;       /* floats per sample */
    int max_batch; /* samples x and y hold */
    float *params, *grad, *x;
    int *y;
} dsgd_stage;

void dsgd_stage_init(dsgd_stage *s, const dsgd_device *dev, size_t n_params, int dim);
void dsgd_stage_free(dsgd_stage *s);

/* Where dev's kernels read params, the batch x (batch x dim) and its
 * labels y: the same pointers on a host-memory device, else the stage's
 * device copies, uploaded now.  Returns 0, or -1 when out of device memory
 * or a copy failed. */
int dsgd_stage_in(dsgd_stage *s, const float *params, const float *x, const int *y, int batch,
                  const float **dev_params, const float **dev_x, const int **dev_y);
/* Where the kernels write the gradient: grad itself on a host-memory
 * device, else the stage's device copy (NULL if stage_in has not run). */
float *dsgd_stage_grad(dsgd_stage *s, float *grad);
/* Copies the device gradient into grad (nothing on a host-memory device);
 * 0, or -1 when the copy or a kernel before it failed. */
int dsgd_stage_out(dsgd_stage *s, float *grad);

#endif
