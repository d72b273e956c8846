/* test_trace_read.c — dsgd_trace_read_csv reads back what the writer
 * wrote, reads real traces of both backends, and names the file, line and
 * column of every kind of bad input.
 *
 * usage: test_trace_read DATA_DIR SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const char *scratch;

static const char *write_file(const char *name, const char *text)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("FAIL: cannot create %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

/* The writer's output reads back event for event (sorted by rank, t0). */
static void test_round_trip(void)
{
    dsgd_trace ranks[2];
    for (int r = 0; r < 2; r++) {
        dsgd_trace_init(&ranks[r]);
        for (int i = 0; i < 5; i++) {
            dsgd_event e = {.rank = r,
                            .kind = i % DSGD_EV_KIND_COUNT,
                            .t0 = 0.5 - 0.1 * i,
                            .t1 = 0.5 - 0.1 * i + 0.001 * r,
                            .bytes = 1000.0 * i,
                            .flops = 7,
                            .peer = i == 3 ? 1 - r : -1,
                            .iter = i - 1,
                            .value = 0.25 * i};
            snprintf(e.name, sizeof e.name, "ev%d", i);
            dsgd_trace_add(&ranks[r], &e);
        }
    }
    char err[512], path[4096];
    snprintf(path, sizeof path, "%s/round.csv", scratch);
    CHECK(dsgd_trace_write_csv(path, ranks, 2, err, sizeof err) == 0, "write: %s", err);
    dsgd_trace back;
    CHECK(dsgd_trace_read_csv(path, &back, err, sizeof err) == 0, "read: %s", err);
    CHECK(back.count == 10, "read %zu events, want 10", back.count);
    for (size_t k = 0; k < back.count && k < 10; k++) {
        const dsgd_event *e = &back.events[k];
        int r = (int)k / 5, i = 4 - (int)k % 5; /* the writer sorted by t0 */
        const dsgd_event *want = &ranks[r].events[i];
        CHECK(e->rank == want->rank && e->kind == want->kind && strcmp(e->name, want->name) == 0 &&
                  fabs(e->t0 - want->t0) < 1e-12 && fabs(e->t1 - want->t1) < 1e-12 &&
                  e->bytes == want->bytes && e->flops == want->flops && e->peer == want->peer &&
                  e->iter == want->iter && e->value == want->value,
              "event %zu differs: rank %d %s t0 %.9f", k, e->rank, e->name, e->t0);
    }
    dsgd_trace_free(&back);
    for (int r = 0; r < 2; r++)
        dsgd_trace_free(&ranks[r]);
}

/* The committed fixtures: 566 events each from dsgd-sim and dsgd-run. */
static void test_fixture(const char *data, const char *name)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s", data, name);
    dsgd_trace t;
    CHECK(dsgd_trace_read_csv(path, &t, err, sizeof err) == 0, "%s", err);
    CHECK(t.count == 566, "%s: %zu events, want 566", name, t.count);
    size_t per_rank[4] = {0}, evals = 0;
    for (size_t i = 0; i < t.count; i++) {
        if (t.events[i].rank >= 0 && t.events[i].rank < 4)
            per_rank[t.events[i].rank]++;
        evals += t.events[i].kind == DSGD_EV_EVAL;
    }
    CHECK(per_rank[0] == 143 && per_rank[1] == 141 && per_rank[3] == 141,
          "%s: events per rank %zu %zu %zu %zu", name, per_rank[0], per_rank[1], per_rank[2],
          per_rank[3]);
    CHECK(evals == 81, "%s: %zu evals, want 80 train_loss + 1 test_loss", name, evals);
    dsgd_trace_free(&t);
}

static void expect_error(const char *name, const char *text, const char *want)
{
    const char *path = text ? write_file(name, text) : name;
    char err[512] = "";
    dsgd_trace t;
    int rc = dsgd_trace_read_csv(path, &t, err, sizeof err);
    CHECK(rc == -1, "%s: read succeeded, want error '%s'", name, want);
    CHECK(strstr(err, want) != NULL, "%s: error '%s' does not contain '%s'", name, err, want);
    CHECK(rc == 0 || (t.count == 0 && t.events == NULL), "%s: events left after error", name);
    if (rc == 0)
        dsgd_trace_free(&t);
}

#define HDR DSGD_TRACE_HEADER "\n"
#define OK_LINE "0,compute,fwdbwd,0.1,0.2,0,100,-1,0,0\n"

static void test_bad_input(void)
{
    expect_error("/nonexistent/trace.csv", NULL,
                 "/nonexistent/trace.csv: cannot read: No such file");
    expect_error("empty.csv", "", "empty.csv: empty file (no header line)");
    expect_error("nocol.csv", "rank,kind,name,t0,t1,bytes,flops,peer,iter\n",
                 "nocol.csv:1: missing column 'value'");
    expect_error("few.csv", HDR OK_LINE "0,compute,fwdbwd,0.1\n",
                 "few.csv:3: too few fields, want 10");
    expect_error("many.csv", HDR OK_LINE OK_LINE "0,compute,fwdbwd,0.1,0.2,0,100,-1,0,0,9\n",
                 "many.csv:4: too many fields, want 10");
    expect_error("rank.csv", HDR "x,compute,a,0,1,0,0,-1,0,0\n",
                 "rank.csv:2: column 'rank': bad value 'x'");
    expect_error("negrank.csv", HDR "-1,compute,a,0,1,0,0,-1,0,0\n",
                 "column 'rank': bad value '-1'");
    expect_error("kind.csv", HDR "0,think,a,0,1,0,0,-1,0,0\n",
                 "kind.csv:2: column 'kind': bad value 'think'");
    expect_error("name.csv", HDR "0,compute,,0,1,0,0,-1,0,0\n", "column 'name': bad value ''");
    expect_error("longname.csv", HDR "0,compute,abcdefghijklmnopqrstuvwxyz,0,1,0,0,-1,0,0\n",
                 "column 'name': bad value 'abcdefghijklmnopqrstuvwxyz'");
    expect_error("t0.csv", HDR "0,compute,a,nan,1,0,0,-1,0,0\n", "column 't0': bad value 'nan'");
    expect_error("t1.csv", HDR "0,compute,a,0.5,0.4,0,0,-1,0,0\n",
                 "t1.csv:2: column 't1': bad value '0.4'");
    expect_error("bytes.csv", HDR "0,send,a,0,1,-5,0,1,0,0\n", "column 'bytes': bad value '-5'");
    expect_error("flops.csv", HDR "0,compute,a,0,1,0,1e999,-1,0,0\n",
                 "column 'flops': bad value '1e999'");
    expect_error("peer.csv", HDR "0,send,a,0,1,0,0,-2,0,0\n", "column 'peer': bad value '-2'");
    expect_error("iter.csv", HDR "0,send,a,0,1,0,0,1,1.5,0\n", "column 'iter': bad value '1.5'");
    expect_error("value.csv", HDR "0,eval,a,0,0,0,0,-1,0,inf\n", "column 'value': bad value 'inf'");
    expect_error("junk.csv", HDR "0,eval,a,0,0,0,0,-1,0,1.5x\n",
                 "junk.csv:2: column 'value': bad value '1.5x'");
}

/* Columns in another order, extra columns, CRLF, blank lines and a nan
 * value (an eval without a loss, as phantom runs write) are fine. */
static void test_lenient(void)
{
    const char *path =
        write_file("reordered.csv", "value,iter,peer,flops,bytes,t1,t0,name,kind,rank,note\r\n"
                                    "nan,-1,-1,0,0,0.2,0.1,test_loss,eval,3,x\r\n"
                                    "\n"
                                    "2,7,1,0,64,0.4,0.3,send,send,2,y\n");
    dsgd_trace t;
    char err[512];
    CHECK(dsgd_trace_read_csv(path, &t, err, sizeof err) == 0, "reordered: %s", err);
    CHECK(t.count == 2, "reordered: %zu events, want 2", t.count);
    if (t.count == 2) {
        CHECK(t.events[0].rank == 3 && t.events[0].kind == DSGD_EV_EVAL &&
                  isnan(t.events[0].value) && t.events[0].iter == -1 && t.events[0].t0 == 0.1,
              "reordered: first event wrong");
        CHECK(t.events[1].rank == 2 && t.events[1].peer == 1 && t.events[1].bytes == 64 &&
                  t.events[1].iter == 7 && t.events[1].value == 2,
              "reordered: second event wrong");
    }
    dsgd_trace_free(&t);
    path = write_file("header-only.csv", HDR);
    CHECK(dsgd_trace_read_csv(path, &t, err, sizeof err) == 0 && t.count == 0,
          "a header alone is an empty trace, not an error");
    dsgd_trace_free(&t);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_trace_read DATA_DIR SCRATCH_DIR\n");
        return 2;
    }
    scratch = argv[2];
    test_round_trip();
    test_fixture(argv[1], "sim4.csv");
    test_fixture(argv[1], "run4.csv");
    test_bad_input();
    test_lenient();
    if (failures == 0)
        printf("trace reader: all checks passed\n");
    return failures ? 1 : 0;
}
