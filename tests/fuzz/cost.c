/* cost.c — fuzz target: cost profiles (dsgd_cost_load), the file that
 * --cost-profile names and dsgd-calibrate writes.  A profile that loads is
 * saved and loaded again: what the loader accepts, the writer must write
 * in a form the loader reads back. */
#include "tests/fuzz/fuzz_tmp.h"

#include "core/cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], again[1024], err[512];
    fuzz_tmp_write("in.profile", data, size, path, sizeof path);
    dsgd_cost_profile p;
    dsgd_cost_defaults(&p);
    if (dsgd_cost_load(path, &p, err, sizeof err) != 0)
        return 0;
    snprintf(again, sizeof again, "%s/again.profile", fuzz_tmpdir());
    if (dsgd_cost_save(again, &p, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_cost: a loaded profile cannot be saved: %s\n", err);
        abort();
    }
    dsgd_cost_profile q;
    dsgd_cost_defaults(&q);
    if (dsgd_cost_load(again, &q, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_cost: a saved profile does not load: %s\n", err);
        abort();
    }
    return 0;
}
