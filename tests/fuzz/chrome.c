/* chrome.c — fuzz target: Chrome trace export (dsgd_chrome_write, what
 * `dsgd-trace chrome` runs) of any trace CSV that reads. */
#include "tests/fuzz/fuzz_tmp.h"

#include "core/trace.h"
#include "traces/chrome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], out[1024], err[1200];
    fuzz_tmp_write("in.csv", data, size, path, sizeof path);
    dsgd_trace t;
    if (dsgd_trace_read_csv(path, &t, err, sizeof err) != 0)
        return 0;
    snprintf(out, sizeof out, "%s/out.json", fuzz_tmpdir());
    dsgd_chrome_stats stats;
    if (dsgd_chrome_write(out, &t, &stats, err, sizeof err) == 0 && stats.events != t.count) {
        fprintf(stderr, "fuzz_chrome: %zu events exported from %zu\n", stats.events, t.count);
        abort();
    }
    remove(out);
    dsgd_trace_free(&t);
    return 0;
}
