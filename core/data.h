/* data.h — labelled data sets and per-worker shards.
 *
 * A data set hands out samples by index so that each worker touches only its
 * own shard.  "synthetic" is a seeded Gaussian-mixture classification set
 * that needs no files: sample j depends only on (seed, j), so every backend
 * and every node count sees the same data. */
#ifndef DSGD_DATA_H
#define DSGD_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

typedef enum dsgd_split { DSGD_TRAIN = 0, DSGD_TEST = 1 } dsgd_split;

typedef struct dsgd_dataset dsgd_dataset;
struct dsgd_dataset {
    char name[32];
    size_t n[2];                 /* samples in the train and test splits */
    int dim;                     /* features per sample (= channels * height * width) */
    int channels, height, width; /* sample shape (a flat set: dim x 1 x 1) */
    int classes;
    /* Writes sample `index` of `split`: dim floats to x, its label to *y. */
    void (*get)(const dsgd_dataset *ds, dsgd_split split, size_t index, float *x, int *y);
    void (*destroy)(dsgd_dataset *ds);
    void *impl;
};

static inline dsgd_shape dsgd_data_shape(const dsgd_dataset *ds)
{
    return (dsgd_shape){ds->channels, ds->height, ds->width};
}

/* Opens the data set named by spec ("synthetic").  Returns 0, or -1 with a
 * one-line reason in err (unknown name, unreadable file, ...). */
int dsgd_data_open(const char *spec, uint64_t seed, dsgd_dataset *ds, char *err, size_t errlen);
void dsgd_data_close(dsgd_dataset *ds);

/* The contiguous shard [*begin, *end) of n samples owned by worker w of W. */
void dsgd_shard_range(size_t n, int w, int W, size_t *begin, size_t *end);

/* Fills x (batch*dim) and y (batch) with minibatch `iter` of a shard: sample
 * k is shard index (iter*batch + k) mod shard length. */
void dsgd_data_load_batch(const dsgd_dataset *ds, size_t shard_begin, size_t shard_end, long iter,
                          int batch, float *x, int *y);

#endif
