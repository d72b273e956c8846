/* checkpoint.c — fuzz target: checkpoints (--resume): the probe a run
 * makes before it starts, then the load, against the configuration the
 * seed corpus was written by (corpus/checkpoint/rank-0.ckpt: model "mlp",
 * 8 parameters, 1 rank, batch 4, seed 7). */
#include "tests/fuzz/fuzz_tmp.h"

#include "core/checkpoint.h"

#define N_PARAMS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], err[1400];
    fuzz_tmp_write("rank-0.ckpt", data, size, path, sizeof path);
    if (dsgd_checkpoint_probe(fuzz_tmpdir(), err, sizeof err) != 0)
        return 0;
    dsgd_checkpoint_meta expect = {
        .model = "mlp", .n_params = N_PARAMS, .rank = 0, .ranks = 1, .batch = 4, .seed = 7};
    float params[N_PARAMS], velocity[N_PARAMS];
    long iter;
    dsgd_checkpoint_load(fuzz_tmpdir(), &expect, &iter, params, velocity, err, sizeof err);
    return 0;
}
