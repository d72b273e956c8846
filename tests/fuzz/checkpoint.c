/* checkpoint.c — fuzz target: checkpoints (--resume): the probe a run
 * makes before it starts, then the load, against the configuration of the
 * seed (model "mlp", 8 parameters, 1 rank, batch 4, seed 7).
 *
 * corpus/checkpoint/rank-0.ckpt is that seed as today's format writes it.
 * So that a change of format does not leave the fuzzer with a seed every
 * load refuses at the header, scripts/fuzz.sh also asks the harness for a
 * fresh one: with DSGD_FUZZ_SEED_DIR set, it writes DIR/rank-0.ckpt
 * through dsgd_checkpoint_save and exits. */
#include "tests/fuzz/fuzz_tmp.h"

#include "core/checkpoint.h"

#define N_PARAMS 8

static const dsgd_checkpoint_meta seed_meta = {.model = "mlp",
                                               .algo = "ssgd",
                                               .n_params = N_PARAMS,
                                               .rank = 0,
                                               .ranks = 1,
                                               .batch = 4,
                                               .seed = 7};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("DSGD_FUZZ_SEED_DIR");
    if (!dir)
        return 0;
    float params[N_PARAMS] = {1, -2, 3.5f, 0, 1e-3f, 7, 8, 9}, velocity[N_PARAMS] = {0};
    char err[1400];
    if (dsgd_checkpoint_save(dir, &seed_meta, 42, params, velocity, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_checkpoint: %s\n", err);
        exit(1);
    }
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], err[1400];
    fuzz_tmp_write("rank-0.ckpt", data, size, path, sizeof path);
    if (dsgd_checkpoint_probe(fuzz_tmpdir(), &seed_meta, err, sizeof err) != 0)
        return 0;
    float params[N_PARAMS], velocity[N_PARAMS];
    long iter;
    dsgd_checkpoint_load(fuzz_tmpdir(), &seed_meta, 1000, &iter, params, velocity, err, sizeof err);
    return 0;
}
