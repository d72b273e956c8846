/* trace.c — in-memory event lists and the one CSV writer for both backends. */
#define _POSIX_C_SOURCE 200809L
#include "core/trace.h"

#include <errno.h>
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

int dsgd_trace_write_csv(const char *path, const dsgd_trace *traces, size_t n, char *err,
                         size_t errlen)
{
    for (size_t r = 0; r < n; r++)
        if (traces[r].failed) {
            snprintf(err, errlen, "%s: trace of rank %zu incomplete (out of memory)", path, r);
            return -1;
        }
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int bad = write_events(f, traces, n);
    if (fclose(f) != 0)
        bad = -1;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int dsgd_trace_check_writable(const char *path, char *err, size_t errlen)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, len, "%s.probe.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    fclose(f);
    remove(tmp);
    free(tmp);
    return 0;
}
