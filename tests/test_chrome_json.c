/* test_chrome_json.c — the Chrome export is valid JSON and says what the
 * CSV says.  A strict JSON parser (RFC 8259, no extensions) reads the
 * export; then:
 *   - traceEvents holds one X or i event per CSV event, and matching them
 *     up by (rank, start, duration, name) leaves nothing over; times agree
 *     to the nanosecond;
 *   - every rank has a process_name; on every (pid, tid) the X events nest
 *     (no partial overlap), which Perfetto needs;
 *   - each flow id has one "s" and one "f", at a send's and a receive's
 *     start, and their number is the one expected.
 * usage: test_chrome_json TRACE.csv EXPORT.json EXPECTED_FLOWS */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

/* ---- a strict, small JSON parser into a tree ---- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jval {
    jtype type;
    double num;
    char *str;          /* J_STR */
    struct jval *items; /* J_ARR, J_OBJ (values) */
    char **keys;        /* J_OBJ */
    size_t n;
} jval;

typedef struct parser {
    const char *p, *start;
    const char *error;
} parser;

static void ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static int fail(parser *ps, const char *why)
{
    if (!ps->error)
        ps->error = why;
    return -1;
}

static int parse_value(parser *ps, jval *v, int depth);

static int parse_string(parser *ps, char **out)
{
    if (*ps->p != '"')
        return fail(ps, "expected a string");
    ps->p++;
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    for (;;) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '\0' || c < 0x20) {
            free(s);
            return fail(ps, "unterminated string or control character in string");
        }
        ps->p++;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *ps->p++;
            if (e == 'u') {
                for (int k = 0; k < 4; k++)
                    if (!isxdigit((unsigned char)*ps->p++)) {
                        free(s);
                        return fail(ps, "bad \\u escape");
                    }
                c = '?';
            } else if (strchr("\"\\/bfnrt", e) && e) {
                c = (unsigned char)(e == 'n' ? '\n' : e == 't' ? '\t' : e);
            } else {
                free(s);
                return fail(ps, "bad escape");
            }
        }
        if (len + 2 > cap)
            s = realloc(s, cap *= 2);
        s[len++] = (char)c;
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

static int parse_number(parser *ps, double *out)
{
    const char *q = ps->p;
    if (*q == '-')
        q++;
    if (*q == '0')
        q++;
    else if (isdigit((unsigned char)*q))
        while (isdigit((unsigned char)*q))
            q++;
    else
        return fail(ps, "bad number");
    if (*q == '.') {
        q++;
        if (!isdigit((unsigned char)*q))
            return fail(ps, "bad number: no digit after '.'");
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return fail(ps, "bad exponent");
        while (isdigit((unsigned char)*q))
            q++;
    }
    *out = strtod(ps->p, NULL);
    ps->p = q;
    return 0;
}

static int parse_container(parser *ps, jval *v, int depth, int object)
{
    char close = object ? '}' : ']';
    ps->p++;
    v->type = object ? J_OBJ : J_ARR;
    size_t cap = 0;
    ws(ps);
    if (*ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? 2 * cap : 8;
            v->items = realloc(v->items, cap * sizeof *v->items);
            if (object)
                v->keys = realloc(v->keys, cap * sizeof *v->keys);
        }
        ws(ps);
        if (object) {
            if (parse_string(ps, &v->keys[v->n]))
                return -1;
            ws(ps);
            if (*ps->p++ != ':') {
                free(v->keys[v->n]);
                return fail(ps, "expected ':'");
            }
        }
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        v->n++;
        if (parse_value(ps, &v->items[v->n - 1], depth + 1))
            return -1;
        ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return 0;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *ps, jval *v, int depth)
{
    memset(v, 0, sizeof *v);
    if (depth > 64)
        return fail(ps, "nested too deep");
    ws(ps);
    char c = *ps->p;
    if (c == '{' || c == '[')
        return parse_container(ps, v, depth, c == '{');
    if (c == '"') {
        v->type = J_STR;
        return parse_string(ps, &v->str);
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        v->type = J_NUM;
        return parse_number(ps, &v->num);
    }
    static const char *const words[] = {"null", "true", "false"};
    for (int k = 0; k < 3; k++)
        if (strncmp(ps->p, words[k], strlen(words[k])) == 0) {
            ps->p += strlen(words[k]);
            v->type = k == 0 ? J_NULL : J_BOOL;
            return 0;
        }
    return fail(ps, "unexpected character");
}

static void jfree(jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jfree(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

static const jval *get(const jval *obj, const char *key)
{
    for (size_t i = 0; obj->type == J_OBJ && i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

static const char *get_str(const jval *obj, const char *key)
{
    const jval *v = get(obj, key);
    return v && v->type == J_STR ? v->str : NULL;
}

static int get_num(const jval *obj, const char *key, double *out)
{
    const jval *v = get(obj, key);
    if (!v || v->type != J_NUM)
        return -1;
    *out = v->num;
    return 0;
}

/* ---- the checks ---- */

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL: ");                                                                      \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            if (++failures > 20)                                                                   \
                exit(1);                                                                           \
        }                                                                                          \
    } while (0)

/* An event reduced to what both files say, in integer nanoseconds. */
typedef struct key {
    long rank, tid;
    long long t0_ns, dur_ns;
    char name[DSGD_EVENT_NAME_MAX];
} key;

static int by_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->t0_ns != y->t0_ns)
        return x->t0_ns < y->t0_ns ? -1 : 1;
    if (x->dur_ns != y->dur_ns)
        return x->dur_ns > y->dur_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)len + 1);
    size_t got = fread(text, 1, (size_t)len, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

/* X events on one (pid, tid), sorted by start then longer first, must nest. */
static void check_nesting(const key *k, size_t n)
{
    key *sorted = malloc((n ? n : 1) * sizeof *sorted);
    memcpy(sorted, k, n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i].rank = sorted[i].rank * 4096 + sorted[i].tid; /* group by thread */
    qsort(sorted, n, sizeof *sorted, by_key);
    long long *stack = malloc((n ? n : 1) * sizeof *stack);
    size_t depth = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i].rank != sorted[i - 1].rank)
            depth = 0;
        long long t0 = sorted[i].t0_ns, t1 = t0 + sorted[i].dur_ns;
        while (depth > 0 && stack[depth - 1] <= t0)
            depth--;
        if (depth > 0 && t1 > stack[depth - 1])
            bad++;
        stack[depth++] = t1;
    }
    CHECK(bad == 0, "%zu X events overlap others on their track without nesting", bad);
    free(stack);
    free(sorted);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_chrome_json TRACE.csv EXPORT.json EXPECTED_FLOWS\n");
        return 2;
    }
    dsgd_trace csv;
    char err[512];
    if (dsgd_trace_read_csv(argv[1], &csv, err, sizeof err) != 0) {
        printf("FAIL: %s\n", err);
        return 1;
    }
    char *text = slurp(argv[2]);
    if (!text) {
        printf("FAIL: %s: cannot read\n", argv[2]);
        return 1;
    }
    parser ps = {.p = text, .start = text};
    jval root;
    int rc = parse_value(&ps, &root, 0);
    ws(&ps);
    if (rc == 0 && *ps.p != '\0')
        rc = fail(&ps, "text after the JSON value");
    if (rc != 0) {
        printf("FAIL: %s: invalid JSON at byte %ld: %s\n", argv[2], (long)(ps.p - ps.start),
               ps.error);
        return 1;
    }
    const jval *events = get(&root, "traceEvents");
    CHECK(events && events->type == J_ARR, "no traceEvents array");
    if (!events || events->type != J_ARR)
        return 1;

    size_t n_csv = csv.count;
    key *want = calloc(n_csv + 1, sizeof *want);
    key *got = calloc(events->n + 1, sizeof *got);
    size_t n_got = 0, n_x = 0, n_i = 0, n_s = 0, n_f = 0;
    int max_rank = -1;
    for (size_t i = 0; i < n_csv; i++) {
        const dsgd_event *e = &csv.events[i];
        want[i] = (key){.rank = e->rank, .t0_ns = llround(e->t0 * 1e9)};
        want[i].dur_ns = llround(e->t1 * 1e9) - want[i].t0_ns;
        snprintf(want[i].name, sizeof want[i].name, "%s", e->name);
        max_rank = e->rank > max_rank ? e->rank : max_rank;
    }
    int *named = calloc((size_t)max_rank + 2, sizeof *named);
    double *flow_s = calloc(events->n + 1, sizeof *flow_s),
           *flow_f = calloc(events->n + 1, sizeof *flow_f);
    long *flow_s_pid = calloc(events->n + 1, sizeof *flow_s_pid),
         *flow_f_pid = calloc(events->n + 1, sizeof *flow_f_pid);
    for (size_t i = 0; i < events->n; i++) {
        const jval *ev = &events->items[i];
        const char *ph = get_str(ev, "ph"), *name = get_str(ev, "name");
        double pid, tid = 0, ts = 0, dur = 0, id;
        CHECK(ev->type == J_OBJ && ph && name && get_num(ev, "pid", &pid) == 0,
              "event %zu lacks ph, name or pid", i);
        if (!ph || !name || get_num(ev, "pid", &pid) != 0)
            continue;
        if (strcmp(ph, "M") == 0) {
            const jval *args = get(ev, "args");
            if (strcmp(name, "process_name") == 0 && pid >= 0 && pid <= max_rank && args &&
                get_str(args, "name"))
                named[(int)pid] = 1;
            continue;
        }
        CHECK(get_num(ev, "tid", &tid) == 0 && get_num(ev, "ts", &ts) == 0,
              "event %zu lacks tid or ts", i);
        if (strcmp(ph, "X") == 0 || strcmp(ph, "i") == 0) {
            if (ph[0] == 'X') {
                n_x++;
                CHECK(get_num(ev, "dur", &dur) == 0 && dur >= 0, "X event %zu: no dur >= 0", i);
            } else {
                n_i++;
            }
            got[n_got] = (key){.rank = (long)pid,
                               .tid = (long)tid,
                               .t0_ns = llround(ts * 1e3),
                               .dur_ns = llround(dur * 1e3)};
            snprintf(got[n_got].name, sizeof got[n_got].name, "%s", name);
            n_got++;
        } else if (strcmp(ph, "s") == 0 || strcmp(ph, "f") == 0) {
            CHECK(get_num(ev, "id", &id) == 0 && id >= 1 && id <= (double)events->n,
                  "flow %zu: bad id", i);
            if (id < 1 || id > (double)events->n)
                continue;
            int is_s = ph[0] == 's';
            if (is_s)
                n_s++;
            else
                n_f++;
            double *slot = is_s ? &flow_s[(size_t)id] : &flow_f[(size_t)id];
            CHECK(*slot == 0, "flow id %.0f has two '%s' events", id, ph);
            *slot = ts + 1e-9; /* nonzero marks "seen" */
            (is_s ? flow_s_pid : flow_f_pid)[(size_t)id] = (long)pid;
        } else {
            CHECK(0, "event %zu: unexpected ph '%s'", i, ph);
        }
    }
    CHECK(n_got == n_csv, "%zu X + i events (%zu + %zu), the CSV has %zu", n_got, n_x, n_i, n_csv);
    for (int r = 0; r <= max_rank; r++) {
        int present = 0;
        for (size_t i = 0; i < n_csv && !present; i++)
            present = csv.events[i].rank == r;
        CHECK(!present || named[r], "rank %d has no process_name", r);
    }
    /* Match events: sort both by (rank, start, duration, name). */
    check_nesting(got, n_got);
    for (size_t i = 0; i < n_got; i++)
        got[i].tid = 0;
    qsort(want, n_csv, sizeof *want, by_key);
    qsort(got, n_got, sizeof *got, by_key);
    size_t mismatched = 0;
    for (size_t i = 0; i < n_csv && i < n_got; i++)
        if (by_key(&want[i], &got[i]) != 0) {
            if (mismatched++ < 3)
                printf("FAIL: CSV event rank %ld %s t0 %lld ns dur %lld ns vs JSON rank %ld %s ts "
                       "%lld ns dur %lld ns\n",
                       want[i].rank, want[i].name, want[i].t0_ns, want[i].dur_ns, got[i].rank,
                       got[i].name, got[i].t0_ns, got[i].dur_ns);
        }
    CHECK(mismatched == 0, "%zu events differ between the CSV and the JSON", mismatched);
    /* Flows: paired, starting on a send's rank, ending on a receive's. */
    long flows = strtol(argv[3], NULL, 10);
    CHECK(n_s == (size_t)flows && n_f == (size_t)flows,
          "%zu 's' and %zu 'f' flow events, want %ld each", n_s, n_f, flows);
    for (size_t id = 1; id <= events->n; id++) {
        if (!flow_s[id] && !flow_f[id])
            continue;
        CHECK(flow_s[id] && flow_f[id], "flow id %zu lacks its %s", id, flow_s[id] ? "f" : "s");
        int send_ok = 0, recv_ok = 0;
        for (size_t i = 0; i < n_csv; i++) {
            const dsgd_event *e = &csv.events[i];
            long long t0 = llround(e->t0 * 1e9);
            if (e->kind == DSGD_EV_SEND && e->rank == flow_s_pid[id] &&
                t0 == llround((flow_s[id] - 1e-9) * 1e3) && e->peer == flow_f_pid[id])
                send_ok = 1;
            if (e->kind == DSGD_EV_RECV && e->rank == flow_f_pid[id] &&
                t0 == llround((flow_f[id] - 1e-9) * 1e3) && e->peer == flow_s_pid[id])
                recv_ok = 1;
        }
        CHECK(send_ok && recv_ok, "flow %zu: no send %ld->%ld at its start (%d) or receive (%d)",
              id, flow_s_pid[id], flow_f_pid[id], send_ok, recv_ok);
    }
    if (failures == 0)
        printf("%s: valid JSON, %zu events (%zu X, %zu i) matching the CSV, %zu flows\n", argv[2],
               n_got, n_x, n_i, n_s);
    free(want);
    free(got);
    free(named);
    free(flow_s);
    free(flow_f);
    free(flow_s_pid);
    free(flow_f_pid);
    jfree(&root);
    free(text);
    dsgd_trace_free(&csv);
    return failures ? 1 : 0;
}
