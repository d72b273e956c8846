/* checkpoint.c — save and load one rank's training state. */
#define _POSIX_C_SOURCE 200809L
#include "core/checkpoint.h"

#include "core/atomic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "DSGDCKP1"

typedef struct file_header {
    char magic[8];
    dsgd_checkpoint_meta meta;
    int64_t iter;
} file_header;

static void path_of(char *path, size_t len, const char *dir, int rank)
{
    snprintf(path, len, "%s/rank-%d.ckpt", dir, rank);
}

/* FNV-1a over a byte range, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

int dsgd_checkpoint_check_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/.probe.%ld", dir, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", dir, strerror(errno));
        return -1;
    }
    fclose(f);
    remove(probe);
    return 0;
}

typedef struct checkpoint_job {
    const file_header *h;
    const float *params, *velocity;
    size_t n;
    uint64_t sum;
} checkpoint_job;

static int write_checkpoint(FILE *f, void *ctx)
{
    const checkpoint_job *j = ctx;
    int ok = fwrite(j->h, sizeof *j->h, 1, f) == 1 &&
             fwrite(j->params, sizeof(float), j->n, f) == j->n &&
             fwrite(j->velocity, sizeof(float), j->n, f) == j->n &&
             fwrite(&j->sum, sizeof j->sum, 1, f) == 1;
    return ok ? 0 : -1;
}

double dsgd_checkpoint_save(const char *dir, const dsgd_checkpoint_meta *meta, long iter,
                            const float *params, const float *velocity, char *err, size_t errlen)
{
    char path[1100];
    path_of(path, sizeof path, dir, meta->rank);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--checkpoint %s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    /* Field by field: padding stays zero, so equal states give equal files. */
    memcpy(h.meta.model, meta->model, sizeof h.meta.model);
    h.meta.n_params = meta->n_params;
    h.meta.rank = meta->rank;
    h.meta.ranks = meta->ranks;
    h.meta.batch = meta->batch;
    h.meta.seed = meta->seed;
    h.iter = iter;
    size_t n = (size_t)meta->n_params;
    uint64_t sum = fnv1a(0xcbf29ce484222325ULL, &h, sizeof h);
    sum = fnv1a(sum, params, n * sizeof(float));
    sum = fnv1a(sum, velocity, n * sizeof(float));
    checkpoint_job job = {&h, params, velocity, n, sum};
    char why[1200];
    if (dsgd_write_atomic(path, "wb", write_checkpoint, &job, why, sizeof why) != 0) {
        snprintf(err, errlen, "--checkpoint %s", why);
        return -1;
    }
    return (double)sizeof h + 2.0 * n * sizeof(float) + sizeof sum;
}

static int read_header(FILE *f, const char *path, file_header *h, char *err, size_t errlen)
{
    if (fread(h, sizeof *h, 1, f) != 1 || memcmp(h->magic, MAGIC, 8) != 0) {
        snprintf(err, errlen, "--resume %s: not a dsgd checkpoint (or truncated)", path);
        return -1;
    }
    return 0;
}

int dsgd_checkpoint_probe(const char *dir, char *err, size_t errlen)
{
    char path[1100];
    path_of(path, sizeof path, dir, 0);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--resume %s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    file_header h;
    int rc = read_header(f, path, &h, err, errlen);
    fclose(f);
    return rc;
}

static int mismatch(char *err, size_t errlen, const char *path, const char *what, long theirs,
                    long ours)
{
    snprintf(err, errlen, "--resume %s: written by a run with %s %ld, this one has %ld", path, what,
             theirs, ours);
    return -1;
}

int dsgd_checkpoint_load(const char *dir, const dsgd_checkpoint_meta *expect, long *iter,
                         float *params, float *velocity, char *err, size_t errlen)
{
    char path[1100];
    path_of(path, sizeof path, dir, expect->rank);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--resume %s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    file_header h;
    int rc = read_header(f, path, &h, err, errlen);
    const dsgd_checkpoint_meta *m = &h.meta;
    if (rc == 0 && strncmp(m->model, expect->model, sizeof m->model) != 0) {
        snprintf(err, errlen, "--resume %s: written for model '%.31s', this run trains '%.31s'",
                 path, m->model, expect->model);
        rc = -1;
    }
    if (rc == 0 && m->n_params != expect->n_params)
        rc = mismatch(err, errlen, path, "parameter count", (long)m->n_params,
                      (long)expect->n_params);
    if (rc == 0 && m->ranks != expect->ranks)
        rc = mismatch(err, errlen, path, "ranks", m->ranks, expect->ranks);
    if (rc == 0 && m->batch != expect->batch)
        rc = mismatch(err, errlen, path, "--batch", m->batch, expect->batch);
    if (rc == 0 && m->seed != expect->seed)
        rc = mismatch(err, errlen, path, "--seed", (long)m->seed, (long)expect->seed);
    size_t n = (size_t)expect->n_params;
    uint64_t stored = 0;
    if (rc == 0 &&
        (fread(params, sizeof(float), n, f) != n || fread(velocity, sizeof(float), n, f) != n ||
         fread(&stored, sizeof stored, 1, f) != 1)) {
        snprintf(err, errlen, "--resume %s: truncated", path);
        rc = -1;
    }
    if (rc == 0) {
        uint64_t sum = fnv1a(0xcbf29ce484222325ULL, &h, sizeof h);
        sum = fnv1a(sum, params, n * sizeof(float));
        sum = fnv1a(sum, velocity, n * sizeof(float));
        if (sum != stored) {
            snprintf(err, errlen, "--resume %s: checksum mismatch (damaged file)", path);
            rc = -1;
        }
    }
    fclose(f);
    if (rc == 0)
        *iter = (long)h.iter;
    return rc;
}
