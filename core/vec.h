/* vec.h — float vectors that may be phantom.
 *
 * A phantom vector has a length and no data (data == NULL).  Every op skips
 * its arithmetic on phantom operands but returns the same memory traffic in
 * bytes as the real op, so the caller can charge it (dsgd_memory) and a
 * timing-only simulation costs what the real one would. */
#ifndef DSGD_VEC_H
#define DSGD_VEC_H

#include <stddef.h>

typedef struct dsgd_vec {
    float *data; /* NULL: phantom */
    size_t len;
} dsgd_vec;

/* Allocates len zeroed floats, or a phantom vector if phantom != 0.
 * Returns 0, or -1 when out of memory. */
int dsgd_vec_alloc(dsgd_vec *v, size_t len, int phantom);
void dsgd_vec_free(dsgd_vec *v);
/* Allocates every vector of the NULL-terminated list like `like`: zeroed,
 * of its length, phantom if it is.  Returns 0, or -1 when out of memory. */
int dsgd_vec_alloc_like(const dsgd_vec *like, dsgd_vec *v, ...);
/* Frees every vector of the NULL-terminated list. */
void dsgd_vec_free_all(dsgd_vec *v, ...);
static inline int dsgd_vec_is_phantom(const dsgd_vec *v) { return v->data == NULL; }
static inline size_t dsgd_vec_bytes(const dsgd_vec *v) { return v->len * sizeof(float); }

/* Each returns its memory traffic in bytes.  Lengths must match. */
double dsgd_vec_zero(dsgd_vec *v);
double dsgd_vec_copy(dsgd_vec *dst, const dsgd_vec *src);
double dsgd_vec_scale(dsgd_vec *v, float alpha);
/* y += alpha * x */
double dsgd_vec_axpy(dsgd_vec *y, float alpha, const dsgd_vec *x);
/* y = beta * y + x */
double dsgd_vec_xpby(dsgd_vec *y, const dsgd_vec *x, float beta);

/* L2 norm (accumulated in double); 0 for a phantom vector. */
double dsgd_vec_norm2(const dsgd_vec *v);

#endif
