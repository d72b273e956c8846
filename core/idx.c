/* idx.c — IDX reader (through zlib, which reads plain files as they are)
 * and the data set built from four IDX files. */
#define _POSIX_C_SOURCE 200809L
#include "core/idx.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/paths.h"

#define IDX_UBYTE 0x08

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

/* Reads exactly n bytes; returns 0, 1 at a clean end of data, or -1. */
static int read_exact(gzFile f, void *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t chunk = n - *got > (1u << 30) ? (1u << 30) : n - *got;
        int r = gzread(f, (char *)buf + *got, (unsigned)chunk);
        if (r < 0)
            return -1;
        if (r == 0)
            return 1;
        *got += (size_t)r;
    }
    return 0;
}

static int stream_error(gzFile f, const char *path, char *err, size_t errlen)
{
    int code;
    const char *msg = gzerror(f, &code);
    char what[160];
    snprintf(what, sizeof what, "corrupt or truncated gzip stream (%s)",
             code == Z_ERRNO ? strerror(errno) : msg);
    return fail(err, errlen, path, what);
}

/* Limits on what a header may announce, checked before anything is
 * allocated: an item (an image) of at most 2^24 bytes (4096 x 4096 pixels;
 * the models index pixels with int), and data that fits in memory. */
#define IDX_MAX_ITEM_BYTES ((size_t)1 << 24)
#define IDX_MAX_BYTES ((size_t)1 << 34)

/* The machine's memory in bytes (SIZE_MAX if unknown). */
static size_t physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0 || (size_t)pages > SIZE_MAX / (size_t)page)
        return SIZE_MAX;
    return (size_t)pages * (size_t)page;
}

static int read_header(gzFile f, const char *path, int ndims, dsgd_idx *idx, char *err,
                       size_t errlen)
{
    unsigned char magic[4];
    size_t got;
    int rc = read_exact(f, magic, 4, &got);
    if (rc < 0)
        return stream_error(f, path, err, errlen);
    if (rc > 0)
        return fail(err, errlen, path, got ? "truncated in the header" : "empty file");
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != IDX_UBYTE || magic[3] != ndims) {
        char what[160];
        snprintf(what, sizeof what,
                 "not an IDX file of %d-dimensional unsigned bytes (magic %02x%02x%02x%02x, "
                 "want 000008%02x)",
                 ndims, magic[0], magic[1], magic[2], magic[3], ndims);
        return fail(err, errlen, path, what);
    }
    idx->ndims = ndims;
    idx->item_bytes = 1;
    for (int d = 0; d < ndims; d++) {
        unsigned char be[4];
        rc = read_exact(f, be, 4, &got);
        if (rc != 0)
            return rc < 0 ? stream_error(f, path, err, errlen)
                          : fail(err, errlen, path, "truncated in the header");
        idx->dims[d] = (size_t)be[0] << 24 | (size_t)be[1] << 16 | (size_t)be[2] << 8 | be[3];
        if (idx->dims[d] == 0 || idx->dims[d] > (1u << 28))
            return fail(err, errlen, path, "a dimension is 0 or absurdly large");
        if (d > 0)
            idx->item_bytes *= idx->dims[d];
        if (idx->item_bytes > IDX_MAX_ITEM_BYTES) {
            char what[160];
            snprintf(what, sizeof what, "items of more than %zu bytes (images of %zux%zu pixels)",
                     IDX_MAX_ITEM_BYTES, idx->dims[1], d > 1 ? idx->dims[2] : (size_t)1);
            return fail(err, errlen, path, what);
        }
    }
    idx->count = idx->dims[0];
    return 0;
}

/* Is the data the header announces possible for a file of file_bytes on
 * disk, and does it fit in memory?  Checked before allocating. */
static int check_announced(gzFile f, const char *path, const dsgd_idx *idx, size_t bytes,
                           long long file_bytes, char *err, size_t errlen)
{
    char what[200];
    size_t header = 4 + 4 * (size_t)idx->ndims;
    size_t memory = physical_memory();
    if (bytes > IDX_MAX_BYTES || bytes > memory / 2) {
        snprintf(what, sizeof what,
                 "announces %zu data bytes, more than dsgd loads (16 GiB or half this machine's "
                 "memory)",
                 bytes);
        return fail(err, errlen, path, what);
    }
    if (gzdirect(f)) { /* plain file: its length says exactly what is there */
        size_t data = file_bytes > (long long)header ? (size_t)file_bytes - header : 0;
        if (data < bytes) {
            snprintf(what, sizeof what, "truncated: %zu of the %zu data bytes its header announces",
                     data, bytes);
            return fail(err, errlen, path, what);
        }
        if (data > bytes)
            return fail(err, errlen, path, "longer than its header announces");
        return 0;
    }
    /* deflate expands at most 1032 to 1 */
    if (file_bytes >= 0 && bytes / 1032 > (size_t)file_bytes) {
        snprintf(what, sizeof what,
                 "truncated: its header announces %zu data bytes, more than %lld compressed "
                 "bytes can hold",
                 bytes, file_bytes);
        return fail(err, errlen, path, what);
    }
    return 0;
}

/* Reads the data into idx->data, growing the buffer as data arrives (a
 * compressed file's real length is known only at its end): memory follows
 * what the file holds, not what its header claims. */
static int read_data(gzFile f, const char *path, dsgd_idx *idx, size_t bytes, char *err,
                     size_t errlen)
{
    size_t have = 0, cap = bytes < ((size_t)1 << 26) ? bytes : (size_t)1 << 26;
    idx->data = malloc(cap ? cap : 1);
    if (!idx->data)
        return fail(err, errlen, path, "out of memory");
    while (have < bytes) {
        if (have == cap) {
            cap = cap > bytes / 2 ? bytes : 2 * cap;
            unsigned char *grown = realloc(idx->data, cap);
            if (!grown)
                return fail(err, errlen, path, "out of memory");
            idx->data = grown;
        }
        size_t got;
        int r = read_exact(f, idx->data + have, cap - have, &got);
        have += got;
        if (r < 0)
            return stream_error(f, path, err, errlen);
        if (r > 0) {
            char what[160];
            snprintf(what, sizeof what, "truncated: %zu of the %zu data bytes its header announces",
                     have, bytes);
            return fail(err, errlen, path, what);
        }
    }
    unsigned char extra;
    size_t got;
    int r = read_exact(f, &extra, 1, &got);
    if (r < 0)
        return stream_error(f, path, err, errlen);
    if (r == 0)
        return fail(err, errlen, path, "longer than its header announces");
    return 0;
}

int dsgd_idx_load(const char *path, int ndims, dsgd_idx *idx, char *err, size_t errlen)
{
    memset(idx, 0, sizeof *idx);
    if (ndims < 1 || ndims > DSGD_IDX_MAX_DIMS)
        return fail(err, errlen, path, "unsupported number of dimensions");
    int fd = dsgd_input_open(path, err, errlen);
    if (fd < 0)
        return -1;
    struct stat st;
    long long file_bytes = fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        return fail(err, errlen, path, "cannot open: out of memory");
    }
    gzbuffer(f, 1 << 17);
    int rc = read_header(f, path, ndims, idx, err, errlen);
    size_t bytes = idx->count * idx->item_bytes;
    if (rc == 0)
        rc = check_announced(f, path, idx, bytes, file_bytes, err, errlen);
    if (rc == 0)
        rc = read_data(f, path, idx, bytes, err, errlen);
    gzclose(f);
    if (rc != 0)
        dsgd_idx_free(idx);
    return rc;
}

void dsgd_idx_free(dsgd_idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

/* ---- the data set ------------------------------------------------------ */

typedef struct idx_set {
    dsgd_idx images[2], labels[2];
    float lut[256]; /* pixel value -> normalised feature */
} idx_set;

static void idx_set_get(const dsgd_dataset *ds, dsgd_split split, size_t index, float *x, int *y)
{
    const idx_set *s = ds->impl;
    const unsigned char *px = s->images[split].data + index * s->images[split].item_bytes;
    for (int i = 0; i < ds->dim; i++)
        x[i] = s->lut[px[i]];
    *y = s->labels[split].data[index];
}

static void idx_set_free(idx_set *s)
{
    for (int i = 0; i < 2; i++) {
        dsgd_idx_free(&s->images[i]);
        dsgd_idx_free(&s->labels[i]);
    }
    free(s);
}

static void idx_set_destroy(dsgd_dataset *ds) { idx_set_free(ds->impl); }

/* Loads dir/base, or dir/base.gz if that is what exists. */
static int load_member(const char *dir, const char *base, int ndims, dsgd_idx *idx, char *err,
                       size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.gz", dir, base);
    struct stat st; /* not opened here: a FIFO would block (dsgd_idx_load refuses it) */
    if (stat(path, &st) != 0)
        snprintf(path, sizeof path, "%s/%s", dir, base);
    return dsgd_idx_load(path, ndims, idx, err, errlen);
}

static int check_pair(const dsgd_idx *images, const dsgd_idx *labels, const char *dir,
                      const char *split, char *err, size_t errlen)
{
    if (images->count != labels->count) {
        snprintf(err, errlen, "%s: %s split has %zu images but %zu labels", dir, split,
                 images->count, labels->count);
        return -1;
    }
    return 0;
}

int dsgd_idx_open_dir(const char *dir, const char *name, dsgd_dataset *ds, char *err, size_t errlen)
{
    static const char *const images[2] = {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"};
    static const char *const labels[2] = {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"};
    idx_set *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "--data %s: out of memory", dir);
        return -1;
    }
    for (int sp = 0; sp < 2; sp++)
        if (load_member(dir, images[sp], 3, &s->images[sp], err, errlen) != 0 ||
            load_member(dir, labels[sp], 1, &s->labels[sp], err, errlen) != 0 ||
            check_pair(&s->images[sp], &s->labels[sp], dir, sp ? "test" : "train", err, errlen) !=
                0) {
            idx_set_free(s);
            return -1;
        }
    if (s->images[0].dims[1] != s->images[1].dims[1] ||
        s->images[0].dims[2] != s->images[1].dims[2]) {
        snprintf(err, errlen, "%s: train and test images differ in size", dir);
        idx_set_free(s);
        return -1;
    }
    int classes = 0;
    for (int sp = 0; sp < 2; sp++)
        for (size_t i = 0; i < s->labels[sp].count; i++)
            classes = s->labels[sp].data[i] + 1 > classes ? s->labels[sp].data[i] + 1 : classes;
    /* Mean and standard deviation of the training pixels, from a histogram. */
    double hist[256] = {0};
    const dsgd_idx *train = &s->images[DSGD_TRAIN];
    for (size_t i = 0; i < train->count * train->item_bytes; i++)
        hist[train->data[i]] += 1.0;
    double n = 0, sum = 0, sq = 0;
    for (int v = 0; v < 256; v++) {
        double p = v / 255.0;
        n += hist[v];
        sum += hist[v] * p;
        sq += hist[v] * p * p;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    double sd = var > 1e-12 ? sqrt(var) : 1.0;
    for (int v = 0; v < 256; v++)
        s->lut[v] = (float)((v / 255.0 - mean) / sd);

    snprintf(ds->name, sizeof ds->name, "%s", name);
    ds->n[DSGD_TRAIN] = train->count;
    ds->n[DSGD_TEST] = s->images[DSGD_TEST].count;
    ds->channels = 1;
    ds->height = (int)train->dims[1];
    ds->width = (int)train->dims[2];
    ds->dim = ds->height * ds->width;
    ds->classes = classes < 2 ? 2 : classes;
    ds->get = idx_set_get;
    ds->destroy = idx_set_destroy;
    ds->impl = s;
    return 0;
}
