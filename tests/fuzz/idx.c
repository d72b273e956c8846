/* idx.c — fuzz target: IDX files (dsgd_idx_load), headers and bodies,
 * plain or gzip-compressed, read as the labels (1 dimension) and images
 * (3 dimensions) a data set is made of. */
#include "tests/fuzz/fuzz_tmp.h"

#include "core/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], err[512];
    fuzz_tmp_write("in-idx-ubyte", data, size, path, sizeof path);
    static const int ndims[] = {1, 3};
    for (int i = 0; i < 2; i++) {
        dsgd_idx idx;
        if (dsgd_idx_load(path, ndims[i], &idx, err, sizeof err) != 0)
            continue;
        /* Touch every byte the header announced: ASan checks the size. */
        unsigned sum = 0;
        for (size_t b = 0; b < idx.count * idx.item_bytes; b++)
            sum += idx.data[b];
        if (idx.count != idx.dims[0] || (sum && !idx.data))
            abort();
        dsgd_idx_free(&idx);
    }
    return 0;
}
