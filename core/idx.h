/* idx.h — IDX files (the MNIST format), plain or gzip-compressed, and data
 * sets made of four of them (Fashion-MNIST, MNIST, or any directory laid
 * out like them).
 *
 * An IDX file is a 4-byte magic (0, 0, type, number of dimensions), the
 * dimensions as big-endian 32-bit integers, then the items.  Only unsigned
 * bytes (type 0x08) are read: images and labels. */
#ifndef DSGD_IDX_H
#define DSGD_IDX_H

#include <stddef.h>

#include "core/data.h"

#define DSGD_IDX_MAX_DIMS 4

typedef struct dsgd_idx {
    int ndims;
    size_t dims[DSGD_IDX_MAX_DIMS];
    size_t count;        /* dims[0] */
    size_t item_bytes;   /* product of the other dimensions */
    unsigned char *data; /* count * item_bytes */
} dsgd_idx;

/* Reads path (gzip or not) expecting `ndims` dimensions.  Returns 0, or -1
 * with a one-line reason naming the file in err (missing, wrong magic,
 * truncated, trailing bytes, corrupt gzip stream). */
int dsgd_idx_load(const char *path, int ndims, dsgd_idx *idx, char *err, size_t errlen);
void dsgd_idx_free(dsgd_idx *idx);

/* Opens the data set in directory dir: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
 * each optionally with .gz.  Pixels are scaled to [0, 1], then normalised
 * to zero mean and unit variance with the training split's statistics.
 * Images are shared read-only by every rank of a process.  Returns 0, or
 * -1 with a reason in err. */
int dsgd_idx_open_dir(const char *dir, const char *name, dsgd_dataset *ds, char *err,
                      size_t errlen);

#endif
