/* chrome.c — Chrome trace-event JSON export (see chrome.h for the layout). */
#define _POSIX_C_SOURCE 200809L
#include "traces/chrome.h"

#include "core/atomic.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One trace event as exported: times in integer nanoseconds (the CSV's
 * resolution) so that nesting decisions and printed values agree. */
typedef struct slot {
    const dsgd_event *ev;
    int64_t t0_ns, t1_ns;
    int thread;
    long flow_out, flow_in; /* flow ids (0: none) */
} slot;

/* Evals and marks of no duration are points in time; an eval that measured
 * something (a test loss over 1,024 samples) is a slice like any other. */
static int is_instant(const slot *s)
{
    return (s->ev->kind == DSGD_EV_EVAL || s->ev->kind == DSGD_EV_MARK) && s->t0_ns == s->t1_ns;
}

/* Rank, then start, then longer first: an enclosing event precedes the
 * events it contains, which is the order nesting needs. */
static int by_rank_start(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    if (x->ev->rank != y->ev->rank)
        return x->ev->rank < y->ev->rank ? -1 : 1;
    if (x->t0_ns != y->t0_ns)
        return x->t0_ns < y->t0_ns ? -1 : 1;
    if (x->t1_ns != y->t1_ns)
        return x->t1_ns > y->t1_ns ? -1 : 1;
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* ---- threads: each a stack of open (enclosing) events' end times ---- */

typedef struct thread_stack {
    int64_t *ends;
    size_t depth, cap;
} thread_stack;

typedef struct threads {
    thread_stack *stack;
    int count, cap;
} threads;

static int push_end(thread_stack *s, int64_t end)
{
    if (s->depth == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        int64_t *grown = realloc(s->ends, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->ends = grown;
        s->cap = cap;
    }
    s->ends[s->depth++] = end;
    return 0;
}

/* Puts an event [t0,t1] on the first thread where it nests: every event
 * still open there must contain it.  Returns the thread, or -1 (no memory). */
static int place(threads *th, int64_t t0, int64_t t1)
{
    for (int k = 0;; k++) {
        if (k == th->count) {
            if (th->count == th->cap) {
                int cap = th->cap ? 2 * th->cap : 4;
                thread_stack *grown = realloc(th->stack, (size_t)cap * sizeof *grown);
                if (!grown)
                    return -1;
                memset(grown + th->cap, 0, (size_t)(cap - th->cap) * sizeof *grown);
                th->stack = grown;
                th->cap = cap;
            }
            th->count++;
        }
        thread_stack *s = &th->stack[k];
        while (s->depth > 0 && s->ends[s->depth - 1] <= t0)
            s->depth--;
        if (s->depth == 0 || t1 <= s->ends[s->depth - 1])
            return push_end(s, t1) == 0 ? k : -1;
    }
}

static void threads_reset(threads *th)
{
    for (int k = 0; k < th->count; k++)
        th->stack[k].depth = 0;
    th->count = 0;
}

static void threads_free(threads *th)
{
    for (int k = 0; k < th->cap; k++)
        free(th->stack[k].ends);
    free(th->stack);
}

/* Assigns threads rank by rank (slots sorted by rank, start).  Instants go
 * on thread 0.  Fills rank_threads[rank] with the threads a rank used. */
static int assign_threads(slot *s, size_t n, int *rank_threads, dsgd_chrome_stats *st)
{
    threads th = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i == 0 || s[i].ev->rank != s[i - 1].ev->rank) {
            threads_reset(&th);
            st->ranks++;
        }
        int k = is_instant(&s[i]) ? 0 : place(&th, s[i].t0_ns, s[i].t1_ns);
        if (k < 0) {
            rc = -1;
            break;
        }
        s[i].thread = k;
        int used = th.count > k + 1 ? th.count : k + 1;
        if (used > rank_threads[s[i].ev->rank])
            rank_threads[s[i].ev->rank] = used;
        if (used > st->max_threads)
            st->max_threads = used;
    }
    threads_free(&th);
    return rc;
}

/* ---- flows: k-th send src->dst pairs with k-th receive at dst from src ---- */

static int by_src_dst_start(const void *a, const void *b)
{
    const slot *x = *(const slot *const *)a, *y = *(const slot *const *)b;
    int xs = x->ev->kind == DSGD_EV_SEND ? x->ev->rank : x->ev->peer;
    int ys = y->ev->kind == DSGD_EV_SEND ? y->ev->rank : y->ev->peer;
    int xd = x->ev->kind == DSGD_EV_SEND ? x->ev->peer : x->ev->rank;
    int yd = y->ev->kind == DSGD_EV_SEND ? y->ev->peer : y->ev->rank;
    if (xs != ys)
        return xs < ys ? -1 : 1;
    if (xd != yd)
        return xd < yd ? -1 : 1;
    if (x->t0_ns != y->t0_ns)
        return x->t0_ns < y->t0_ns ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int channel_cmp(const slot *send, const slot *recv)
{
    if (send->ev->rank != recv->ev->peer)
        return send->ev->rank < recv->ev->peer ? -1 : 1;
    if (send->ev->peer != recv->ev->rank)
        return send->ev->peer < recv->ev->rank ? -1 : 1;
    return 0;
}

static int pair_messages(slot *s, size_t n, dsgd_chrome_stats *st)
{
    slot **sends = malloc((n ? n : 1) * sizeof *sends);
    slot **recvs = malloc((n ? n : 1) * sizeof *recvs);
    if (!sends || !recvs) {
        free(sends);
        free(recvs);
        return -1;
    }
    size_t ns = 0, nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].ev->peer < 0)
            continue;
        if (s[i].ev->kind == DSGD_EV_SEND)
            sends[ns++] = &s[i];
        else if (s[i].ev->kind == DSGD_EV_RECV)
            recvs[nr++] = &s[i];
    }
    qsort(sends, ns, sizeof *sends, by_src_dst_start);
    qsort(recvs, nr, sizeof *recvs, by_src_dst_start);
    size_t i = 0, j = 0;
    while (i < ns && j < nr) {
        int c = channel_cmp(sends[i], recvs[j]);
        if (c < 0) {
            i++;
            st->unmatched_sends++;
        } else if (c > 0) {
            j++;
            st->unmatched_recvs++;
        } else {
            long id = (long)++st->flows;
            sends[i++]->flow_out = id;
            recvs[j++]->flow_in = id;
        }
    }
    st->unmatched_sends += ns - i;
    st->unmatched_recvs += nr - j;
    free(sends);
    free(recvs);
    return 0;
}

/* ---- writing ---- */

static double us(int64_t ns) { return (double)ns / 1e3; }

static void write_metadata(FILE *f, const int *rank_threads, int max_rank)
{
    int first = 1;
    for (int r = 0; r <= max_rank; r++) {
        if (rank_threads[r] == 0)
            continue;
        fprintf(f,
                "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":\"rank "
                "%d\"}},\n"
                "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"sort_index\":"
                "%d}}",
                first ? "" : ",\n", r, r, r, r);
        first = 0;
        for (int k = 0; k < rank_threads[r]; k++) {
            fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,", r, k);
            if (k == 0)
                fprintf(f, "\"args\":{\"name\":\"rank %d\"}}", r);
            else
                fprintf(f, "\"args\":{\"name\":\"rank %d, overlapping %d\"}}", r, k);
        }
    }
}

static void write_event(FILE *f, const slot *s)
{
    const dsgd_event *e = s->ev;
    /* Names come from a validated CSV (dsgd_trace_read_csv): printable
     * ASCII without quotes or backslashes, valid in JSON as they are. */
    fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,", e->name,
            dsgd_event_kind_name(e->kind), e->rank, s->thread, us(s->t0_ns));
    if (is_instant(s))
        fprintf(f, "\"ph\":\"i\",\"s\":\"t\",");
    else
        fprintf(f, "\"ph\":\"X\",\"dur\":%.3f,", us(s->t1_ns - s->t0_ns));
    fprintf(f,
            "\"args\":{\"iter\":%ld,\"peer\":%d,\"bytes\":%.0f,\"flops\":%.0f,\"value\":", e->iter,
            e->peer, e->bytes, e->flops);
    if (isfinite(e->value))
        fprintf(f, "%.9g}}", e->value);
    else
        fprintf(f, "null}}");
    if (s->flow_out)
        fprintf(f,
                ",\n{\"name\":\"message\",\"cat\":\"message\",\"ph\":\"s\",\"id\":%ld,\"pid\":%d,"
                "\"tid\":%d,\"ts\":%.3f}",
                s->flow_out, e->rank, s->thread, us(s->t0_ns));
    if (s->flow_in)
        fprintf(f,
                ",\n{\"name\":\"message\",\"cat\":\"message\",\"ph\":\"f\",\"bp\":\"e\",\"id\":%ld,"
                "\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
                s->flow_in, e->rank, s->thread, us(s->t0_ns));
}

static int write_json(FILE *f, const slot *s, size_t n, const int *rank_threads, int max_rank)
{
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"source\":\"dsgd-trace export\"},\n"
               "\"traceEvents\":[\n");
    write_metadata(f, rank_threads, max_rank);
    /* Every event's rank has metadata, so each event follows a comma. */
    for (size_t i = 0; i < n; i++)
        write_event(f, &s[i]);
    fprintf(f, "\n]}\n");
    return ferror(f) ? -1 : 0;
}

typedef struct json_job {
    const slot *s;
    size_t n;
    const int *rank_threads;
    int max_rank;
} json_job;

static int write_json_job(FILE *f, void *ctx)
{
    const json_job *job = ctx;
    return write_json(f, job->s, job->n, job->rank_threads, job->max_rank);
}

static int write_file(const char *path, const slot *s, size_t n, const int *rank_threads,
                      int max_rank, char *err, size_t errlen)
{
    json_job job = {s, n, rank_threads, max_rank};
    return dsgd_write_atomic(path, "w", write_json_job, &job, err, errlen);
}

int dsgd_chrome_write(const char *path, const dsgd_trace *trace, dsgd_chrome_stats *stats,
                      char *err, size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    size_t n = trace->count;
    int max_rank = 0;
    for (size_t i = 0; i < n; i++)
        if (trace->events[i].rank > max_rank)
            max_rank = trace->events[i].rank;
    slot *s = malloc((n ? n : 1) * sizeof *s);
    int *rank_threads = calloc((size_t)max_rank + 1, sizeof *rank_threads);
    int rc = -1;
    if (!s || !rank_threads) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const dsgd_event *e = &trace->events[i];
        s[i] = (slot){.ev = e, .t0_ns = llround(e->t0 * 1e9), .t1_ns = llround(e->t1 * 1e9)};
    }
    qsort(s, n, sizeof *s, by_rank_start);
    if (assign_threads(s, n, rank_threads, stats) != 0 || pair_messages(s, n, stats) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    rc = write_file(path, s, n, rank_threads, max_rank, err, errlen);
    if (rc == 0)
        stats->events = n;
done:
    free(s);
    free(rank_threads);
    return rc;
}
