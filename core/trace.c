/* trace.c — in-memory event lists and the one CSV writer for both backends. */
#define _POSIX_C_SOURCE 200809L
#include "core/trace.h"

#include "core/atomic.h"
#include "core/paths.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[DSGD_EV_KIND_COUNT] = {
    "compute", "io", "memory", "send", "recv", "collective", "wait", "update", "eval", "mark",
};

void dsgd_trace_init(dsgd_trace *t) { memset(t, 0, sizeof *t); }

void dsgd_trace_free(dsgd_trace *t)
{
    free(t->events);
    dsgd_trace_init(t);
}

int dsgd_trace_add(dsgd_trace *t, const dsgd_event *ev)
{
    if (t->count == t->capacity) {
        size_t cap = t->capacity ? 2 * t->capacity : 256;
        dsgd_event *grown = realloc(t->events, cap * sizeof *grown);
        if (!grown) {
            t->failed = 1;
            return -1;
        }
        t->events = grown;
        t->capacity = cap;
    }
    t->events[t->count++] = *ev;
    return 0;
}

const char *dsgd_event_kind_name(int kind)
{
    return kind >= 0 && kind < DSGD_EV_KIND_COUNT ? kind_names[kind] : "unknown";
}

int dsgd_event_kind_parse(const char *name)
{
    for (int k = 0; k < DSGD_EV_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

static int by_start_time(const void *a, const void *b)
{
    const dsgd_event *x = a, *y = b;
    if (x->t0 != y->t0)
        return x->t0 < y->t0 ? -1 : 1;
    return x->t1 < y->t1 ? -1 : x->t1 > y->t1;
}

static int write_events(FILE *f, const dsgd_trace *traces, size_t n)
{
    fprintf(f, "%s\n", DSGD_TRACE_HEADER);
    for (size_t r = 0; r < n; r++) {
        const dsgd_trace *t = &traces[r];
        dsgd_event *sorted = malloc((t->count ? t->count : 1) * sizeof *sorted);
        if (!sorted)
            return -1;
        if (t->count) /* an empty trace's events may be NULL */
            memcpy(sorted, t->events, t->count * sizeof *sorted);
        /* Events are recorded at completion; sort by start for readers. */
        qsort(sorted, t->count, sizeof *sorted, by_start_time);
        for (size_t i = 0; i < t->count; i++) {
            const dsgd_event *e = &sorted[i];
            fprintf(f, "%d,%s,%s,%.9f,%.9f,%.0f,%.0f,%d,%ld,%.9g\n", e->rank,
                    dsgd_event_kind_name(e->kind), e->name, e->t0, e->t1, e->bytes, e->flops,
                    e->peer, e->iter, e->value);
        }
        free(sorted);
    }
    return ferror(f) ? -1 : 0;
}

struct events_job {
    const dsgd_trace *traces;
    size_t n;
};

static int write_events_job(FILE *f, void *ctx)
{
    const struct events_job *job = ctx;
    return write_events(f, job->traces, job->n);
}

int dsgd_trace_write_csv(const char *path, const dsgd_trace *traces, size_t n, char *err,
                         size_t errlen)
{
    for (size_t r = 0; r < n; r++)
        if (traces[r].failed) {
            snprintf(err, errlen, "%s: trace of rank %zu incomplete (out of memory)", path, r);
            return -1;
        }
    struct events_job job = {traces, n};
    return dsgd_write_atomic(path, "w", write_events_job, &job, err, errlen);
}

int dsgd_trace_check_writable(const char *path, char *err, size_t errlen)
{
    return dsgd_output_check(path, err, errlen);
}

/* ---- reading a trace back ------------------------------------------------ */

enum trace_column {
    COL_RANK,
    COL_KIND,
    COL_NAME,
    COL_T0,
    COL_T1,
    COL_BYTES,
    COL_FLOPS,
    COL_PEER,
    COL_ITER,
    COL_VALUE,
    COL_COUNT
};

static const char *const column_names[COL_COUNT] = {
    "rank", "kind", "name", "t0", "t1", "bytes", "flops", "peer", "iter", "value",
};

/* Splits line in place at commas; returns the number of fields (at most max,
 * more is reported as max + 1). */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return max + 1;
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            return n;
        *comma = '\0';
        p = comma + 1;
    }
}

static void strip_line_end(char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
}

static int parse_double(const char *s, int allow_nan, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    if (isinf(v) || (isnan(v) && !allow_nan))
        return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Largest rank a reader accepts: bigger means a corrupt file, not a run. */
#define TRACE_MAX_RANK (1 << 24)

/* Largest time a reader accepts, in seconds either side of the start (31
 * years): readers convert times to int64 nanoseconds (the Chrome export),
 * and spans of up to twice this still fit. */
#define TRACE_MAX_SECONDS 1e9

/* Names are identifiers the programs chose ("allreduce", "test_loss"):
 * printable ASCII without quotes or backslashes, so that every writer
 * (CSV, JSON) can copy them as they are. */
static int valid_name(const char *name, size_t size)
{
    size_t len = strlen(name);
    if (len == 0 || len >= size)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            return 0;
    return 1;
}

/* Parses one data line's fields into ev; on error names the bad column. */
static int parse_event(char **f, const int *pos, dsgd_event *ev, int *bad_column)
{
    long l;
    memset(ev, 0, sizeof *ev);
#define BAD(col)                                                                                   \
    do {                                                                                           \
        *bad_column = (col);                                                                       \
        return -1;                                                                                 \
    } while (0)
    if (parse_long(f[pos[COL_RANK]], 0, TRACE_MAX_RANK, &l))
        BAD(COL_RANK);
    ev->rank = (int)l;
    if ((ev->kind = dsgd_event_kind_parse(f[pos[COL_KIND]])) < 0)
        BAD(COL_KIND);
    const char *name = f[pos[COL_NAME]];
    if (!valid_name(name, sizeof ev->name))
        BAD(COL_NAME);
    memcpy(ev->name, name, strlen(name) + 1);
    if (parse_double(f[pos[COL_T0]], 0, &ev->t0) || fabs(ev->t0) > TRACE_MAX_SECONDS)
        BAD(COL_T0);
    if (parse_double(f[pos[COL_T1]], 0, &ev->t1) || ev->t1 < ev->t0 || ev->t1 > TRACE_MAX_SECONDS)
        BAD(COL_T1);
    if (parse_double(f[pos[COL_BYTES]], 0, &ev->bytes) || ev->bytes < 0)
        BAD(COL_BYTES);
    if (parse_double(f[pos[COL_FLOPS]], 0, &ev->flops) || ev->flops < 0)
        BAD(COL_FLOPS);
    if (parse_long(f[pos[COL_PEER]], -1, TRACE_MAX_RANK, &l))
        BAD(COL_PEER);
    ev->peer = (int)l;
    if (parse_long(f[pos[COL_ITER]], -1, LONG_MAX, &ev->iter))
        BAD(COL_ITER);
    if (parse_double(f[pos[COL_VALUE]], 1, &ev->value))
        BAD(COL_VALUE);
#undef BAD
    return 0;
}

/* Finds each required column in the header; returns the index of a missing
 * one, or -1 when all are there.  *n_fields gets the header's width. */
static int map_header(char *header, int *pos, int *n_fields)
{
    char *fields[64];
    int n = split_fields(header, fields, 64);
    *n_fields = n;
    for (int c = 0; c < COL_COUNT; c++) {
        pos[c] = -1;
        for (int i = 0; i < n && i < 64; i++)
            if (strcmp(fields[i], column_names[c]) == 0) {
                pos[c] = i;
                break;
            }
        if (pos[c] < 0)
            return c;
    }
    return -1;
}

static int read_lines(FILE *f, const char *path, dsgd_trace *out, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 1;
    int rc = -1;
    if (getline(&line, &cap, f) < 0) {
        if (ferror(f))
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        else
            snprintf(err, errlen, "%s: empty file (no header line)", path);
        goto done;
    }
    strip_line_end(line);
    int pos[COL_COUNT], width;
    int missing = map_header(line, pos, &width);
    if (width > 64) {
        snprintf(err, errlen, "%s:1: header has more than 64 columns", path);
        goto done;
    }
    if (missing >= 0) {
        snprintf(err, errlen, "%s:1: missing column '%s' (want header %s)", path,
                 column_names[missing], DSGD_TRACE_HEADER);
        goto done;
    }
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        strip_line_end(line);
        if (line[0] == '\0')
            continue;
        char *fields[64];
        int n = split_fields(line, fields, width);
        if (n != width) {
            snprintf(err, errlen, "%s:%ld: %s fields, want %d", path, lineno,
                     n > width ? "too many" : "too few", width);
            goto done;
        }
        dsgd_event ev;
        int bad;
        if (parse_event(fields, pos, &ev, &bad) != 0) {
            /* The value as it can be shown on one line of a terminal. */
            char shown[41];
            snprintf(shown, sizeof shown, "%s", fields[pos[bad]]);
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                    *p = '?';
            snprintf(err, errlen, "%s:%ld: column '%s': bad value '%s'", path, lineno,
                     column_names[bad], shown);
            goto done;
        }
        if (dsgd_trace_add(out, &ev) != 0) {
            snprintf(err, errlen, "%s:%ld: out of memory", path, lineno);
            goto done;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s:%ld: read error: %s", path, lineno, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(line);
    return rc;
}

int dsgd_trace_read_csv(const char *path, dsgd_trace *out, char *err, size_t errlen)
{
    dsgd_trace_init(out);
    FILE *f = dsgd_input_fopen(path, "r", err, errlen);
    if (!f)
        return -1;
    int rc = read_lines(f, path, out, err, errlen);
    fclose(f);
    if (rc != 0)
        dsgd_trace_free(out);
    return rc;
}
