/* checkpoint.h — one rank's training state on disk, written atomically.
 *
 * DIR/rank-R.ckpt holds a header (what run wrote it: model, variant,
 * parameter count, rank, ranks, batch, seed, and the iteration reached),
 * the parameters, the optimiser's velocity, and a checksum over all of it.
 * A file is written to a temporary name and renamed into place, so a crash
 * leaves the previous checkpoint whole.  Reading checks, in this order,
 * that the file is whole (its length is what its header says, the checksum
 * matches: anything else is damage, whatever field it hit), that it is the
 * rank's own, and only then that it fits the run.  Numbers are in the
 * machine's byte order: resume on the same kind of machine. */
#ifndef DSGD_CHECKPOINT_H
#define DSGD_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

/* What must match for a checkpoint to fit a run.  For
 * dsgd_checkpoint_probe, fields not known yet are 0 or "" (not checked). */
typedef struct dsgd_checkpoint_meta {
    char model[32];
    char algo[32];
    uint64_t n_params;
    int32_t rank, ranks;
    int32_t batch;
    uint64_t seed;
} dsgd_checkpoint_meta;

/* Writes rank meta->rank's state at iteration `iter` into dir (created if
 * missing).  Returns the bytes written, or -1 with a reason in err. */
double dsgd_checkpoint_save(const char *dir, const dsgd_checkpoint_meta *meta, long iter,
                            const float *params, const float *velocity, char *err, size_t errlen);

/* Reads rank expect->rank's file from dir into params and velocity
 * (expect->n_params each) and *iter, which must lie in 0..max_iter.
 * Fails, with a reason naming the file and the problem, if the file is
 * missing, damaged, another rank's, or from another run configuration.
 * Returns 0 or -1. */
int dsgd_checkpoint_load(const char *dir, const dsgd_checkpoint_meta *expect, long max_iter,
                         long *iter, float *params, float *velocity, char *err, size_t errlen);

/* Before a run starts: checks every rank's file in dir (as many as rank
 * 0's says the run had) whole and its own, all from one run, and each
 * field of expect that is known.  Returns 0 or -1 with a reason. */
int dsgd_checkpoint_probe(const char *dir, const dsgd_checkpoint_meta *expect, char *err,
                          size_t errlen);

/* Checks that checkpoints can be written into dir (creating it if needed). */
int dsgd_checkpoint_check_dir(const char *dir, char *err, size_t errlen);

#endif
