/* trace.h — the event trace both backends write (one format, one writer).
 *
 * A trace is a CSV file with the header
 *     rank,kind,name,t0,t1,bytes,flops,peer,iter,value
 * one event per line, sorted by rank then start time.  Times are seconds
 * (simulated in sim, wall since the common start in exec).  Empty cells
 * never occur: peer is -1 and iter -1 where they do not apply, bytes/flops 0.
 * During a run each rank appends to its own in-memory dsgd_trace; the
 * program merges them into one file at the end (dsgd_trace_write_csv).
 * Tools that post-process a run (dsgd-trace, the plot driver's checks) read
 * it back with dsgd_trace_read_csv.
 */
#ifndef DSGD_TRACE_H
#define DSGD_TRACE_H

#include <stddef.h>

typedef enum dsgd_event_kind {
    DSGD_EV_COMPUTE,
    DSGD_EV_IO,
    DSGD_EV_MEMORY,
    DSGD_EV_SEND,
    DSGD_EV_RECV,
    DSGD_EV_COLLECTIVE,
    DSGD_EV_WAIT,
    DSGD_EV_UPDATE,
    DSGD_EV_EVAL,
    DSGD_EV_MARK,
    DSGD_EV_KIND_COUNT
} dsgd_event_kind;

#define DSGD_TRACE_HEADER "rank,kind,name,t0,t1,bytes,flops,peer,iter,value"
#define DSGD_EVENT_NAME_MAX 24

/* One event.  Plain data: backends may ship arrays of it as raw bytes. */
typedef struct dsgd_event {
    int rank;
    int kind; /* dsgd_event_kind */
    char name[DSGD_EVENT_NAME_MAX];
    double t0, t1;
    double bytes;
    double flops;
    int peer;
    long iter;
    double value;
} dsgd_event;

/* One rank's events, in the order they were recorded. */
typedef struct dsgd_trace {
    dsgd_event *events;
    size_t count;
    size_t capacity;
    int failed; /* an append ran out of memory: the trace is incomplete */
} dsgd_trace;

void dsgd_trace_init(dsgd_trace *t);
void dsgd_trace_free(dsgd_trace *t);
/* Appends a copy of *ev; on allocation failure sets t->failed, returns -1. */
int dsgd_trace_add(dsgd_trace *t, const dsgd_event *ev);

const char *dsgd_event_kind_name(int kind);
/* Returns the kind for a name, or -1. */
int dsgd_event_kind_parse(const char *name);

/* Writes the events of n traces (n ranks) to path, sorted by rank then t0,
 * through a temporary file renamed into place: a failed write leaves no
 * partial file.  Returns 0, or -1 with a one-line reason in err. */
int dsgd_trace_write_csv(const char *path, const dsgd_trace *traces, size_t n, char *err,
                         size_t errlen);

/* Checks that path can be created (the directory exists and is writable,
 * path is no directory or other non-regular file: dsgd_output_check),
 * without leaving a file behind.  Returns 0, or -1 with a reason in err. */
int dsgd_trace_check_writable(const char *path, char *err, size_t errlen);

/* Reads a trace CSV written by dsgd_trace_write_csv (or by hand) into out,
 * all ranks in one list, in file order.  Columns are found by name in the
 * header (any order; extra columns are ignored).  Empty lines are skipped.
 * `value` may be nan (an eval with no loss, e.g. under phantom payloads);
 * every other number must be finite, times within 1e9 s of the start, ranks
 * at most 2^24, and names printable ASCII without '"' or '\\' (so that
 * JSON and CSV writers copy them as they are).  Returns 0, or -1 with a one-line
 * reason naming the file, the line and the bad field or column in err
 * (out is then empty). */
int dsgd_trace_read_csv(const char *path, dsgd_trace *out, char *err, size_t errlen);

#endif
