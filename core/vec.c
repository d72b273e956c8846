/* vec.c — phantom-aware float vector ops. */
#include "core/vec.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FLOAT_BYTES ((double)sizeof(float))

int dsgd_vec_alloc(dsgd_vec *v, size_t len, int phantom)
{
    v->len = len;
    v->data = NULL;
    if (phantom)
        return 0;
    v->data = calloc(len ? len : 1, sizeof(float));
    return v->data ? 0 : -1;
}

int dsgd_vec_alloc_like(const dsgd_vec *like, dsgd_vec *v, ...)
{
    va_list ap;
    va_start(ap, v);
    int rc = 0;
    for (; v; v = va_arg(ap, dsgd_vec *))
        rc |= dsgd_vec_alloc(v, like->len, dsgd_vec_is_phantom(like));
    va_end(ap);
    return rc ? -1 : 0;
}

void dsgd_vec_free_all(dsgd_vec *v, ...)
{
    va_list ap;
    va_start(ap, v);
    for (; v; v = va_arg(ap, dsgd_vec *))
        dsgd_vec_free(v);
    va_end(ap);
}

void dsgd_vec_free(dsgd_vec *v)
{
    free(v->data);
    v->data = NULL;
    v->len = 0;
}

double dsgd_vec_zero(dsgd_vec *v)
{
    if (v->data)
        memset(v->data, 0, v->len * sizeof(float));
    return v->len * FLOAT_BYTES;
}

double dsgd_vec_copy(dsgd_vec *dst, const dsgd_vec *src)
{
    if (dst->data && src->data)
        memcpy(dst->data, src->data, dst->len * sizeof(float));
    return 2 * dst->len * FLOAT_BYTES;
}

double dsgd_vec_scale(dsgd_vec *v, float alpha)
{
    if (v->data)
        for (size_t i = 0; i < v->len; i++)
            v->data[i] *= alpha;
    return 2 * v->len * FLOAT_BYTES;
}

double dsgd_vec_axpy(dsgd_vec *y, float alpha, const dsgd_vec *x)
{
    if (y->data && x->data)
        for (size_t i = 0; i < y->len; i++)
            y->data[i] += alpha * x->data[i];
    return 3 * y->len * FLOAT_BYTES;
}

double dsgd_vec_xpby(dsgd_vec *y, const dsgd_vec *x, float beta)
{
    if (y->data && x->data)
        for (size_t i = 0; i < y->len; i++)
            y->data[i] = beta * y->data[i] + x->data[i];
    return 3 * y->len * FLOAT_BYTES;
}

double dsgd_vec_norm2(const dsgd_vec *v)
{
    if (!v->data)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < v->len; i++)
        sum += (double)v->data[i] * v->data[i];
    return sqrt(sum);
}
