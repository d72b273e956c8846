/* trace_read.c — fuzz target: trace CSV reading (dsgd_trace_read_csv), what
 * dsgd-trace, dsgd-validate, dsgd-calibrate and the plot driver read.  A
 * trace that reads is written back and read again: same events. */
#include "tests/fuzz/fuzz_tmp.h"

#include <math.h>

#include "core/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], again[1024], err[1200];
    fuzz_tmp_write("in.csv", data, size, path, sizeof path);
    dsgd_trace t, u;
    if (dsgd_trace_read_csv(path, &t, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < t.count; i++)
        if (!dsgd_event_kind_name(t.events[i].kind) ||
            strnlen(t.events[i].name, DSGD_EVENT_NAME_MAX) == DSGD_EVENT_NAME_MAX)
            abort();
    snprintf(again, sizeof again, "%s/again.csv", fuzz_tmpdir());
    if (dsgd_trace_write_csv(again, &t, 1, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_trace_read: a trace read cannot be written: %s\n", err);
        abort();
    }
    if (dsgd_trace_read_csv(again, &u, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_trace_read: a trace written does not read back: %s\n", err);
        abort();
    }
    if (u.count != t.count)
        abort();
    dsgd_trace_free(&t);
    dsgd_trace_free(&u);
    return 0;
}
