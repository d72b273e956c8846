/* stage.c — uploads and downloads around a model's passes (stage.h). */
#include "core/stage.h"

#include <string.h>

void dsgd_stage_init(dsgd_stage *s, const dsgd_device *dev, size_t n_params, int dim)
{
    memset(s, 0, sizeof *s);
    s->dev = dev;
    s->n_params = n_params;
    s->dim = dim;
}

void dsgd_stage_free(dsgd_stage *s)
{
    if (!s->dev)
        return;
    s->dev->release(s->params);
    s->dev->release(s->grad);
    s->dev->release(s->x);
    s->dev->release(s->y);
    dsgd_stage_init(s, s->dev, s->n_params, s->dim);
}

/* Device buffers for the parameters, the gradient and batch samples. */
static int reserve(dsgd_stage *s, int batch)
{
    const dsgd_device *d = s->dev;
    if (!s->params && !(s->params = d->alloc(sizeof(float) * s->n_params)))
        return -1;
    if (!s->grad && !(s->grad = d->alloc(sizeof(float) * s->n_params)))
        return -1;
    if (batch <= s->max_batch)
        return 0;
    d->release(s->x);
    d->release(s->y);
    s->max_batch = 0;
    if (!(s->x = d->alloc(sizeof(float) * (size_t)batch * s->dim)) ||
        !(s->y = d->alloc(sizeof(int) * (size_t)batch)))
        return -1;
    s->max_batch = batch;
    return 0;
}

int dsgd_stage_in(dsgd_stage *s, const float *params, const float *x, const int *y, int batch,
                  const float **dev_params, const float **dev_x, const int **dev_y)
{
    const dsgd_device *d = s->dev;
    if (d->host_memory) {
        *dev_params = params;
        *dev_x = x;
        *dev_y = y;
        return 0;
    }
    if (reserve(s, batch) != 0 || d->upload(s->params, params, sizeof(float) * s->n_params) ||
        d->upload(s->x, x, sizeof(float) * (size_t)batch * s->dim) ||
        d->upload(s->y, y, sizeof(int) * (size_t)batch))
        return -1;
    *dev_params = s->params;
    *dev_x = s->x;
    *dev_y = s->y;
    return 0;
}

float *dsgd_stage_grad(dsgd_stage *s, float *grad) { return s->dev->host_memory ? grad : s->grad; }

int dsgd_stage_out(dsgd_stage *s, float *grad)
{
    if (s->dev->host_memory)
        return 0;
    return s->dev->download(grad, s->grad, sizeof(float) * s->n_params);
}
