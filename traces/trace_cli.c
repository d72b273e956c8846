/* trace_cli.c — dsgd-trace: look into a trace CSV after a run.
 *
 *     dsgd-trace export --chrome IN.csv -o OUT.json   Chrome/Perfetto JSON
 *     dsgd-trace summary [--csv] IN.csv               per-rank time by kind
 *     dsgd-trace check [--need NAME,...] IN.csv       validate (plot driver)
 *
 * Exit status: 0 success; 1 the output could not be written; 2 a bad flag
 * or input file (one line on stderr naming it). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "core/trace.h"
#include "traces/chrome.h"
#include "traces/summary.h"

#define EXIT_FAILED 1
#define EXIT_BAD_INPUT 2

#define die(status, ...) dsgd_die("dsgd-trace", status, __VA_ARGS__)

static void usage(FILE *out)
{
    fprintf(out, "usage: dsgd-trace export --chrome IN.csv -o OUT.json\n"
                 "       dsgd-trace summary [--csv] IN.csv\n"
                 "       dsgd-trace check [--need NAME[,NAME...]] IN.csv\n"
                 "\n"
                 "export   write Chrome trace-event JSON (open it in ui.perfetto.dev or\n"
                 "         chrome://tracing): one process per rank, flow arrows send -> recv\n"
                 "summary  per-rank seconds and share of the rank's span for each event kind\n"
                 "         (--csv: rank,kind,events,seconds,fraction)\n"
                 "check    read and validate the trace; with --need, fail unless some event\n"
                 "         has one of the names and a number (not nan) in value; prints the\n"
                 "         number of events, the ranks and the time span\n");
}

/* The options a subcommand may take, filled by parse_args. */
typedef struct cli_args {
    const char *input;
    const char *output; /* -o */
    const char *need;   /* --need */
    int chrome, csv;
} cli_args;

/* Parses argv[2..]: flags allowed for the subcommand (a string such as
 * "co" = --chrome and -o) and one input path. */
static int parse_args(int argc, char **argv, const char *allowed, cli_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        char flag = strcmp(arg, "--chrome") == 0 ? 'c'
                    : strcmp(arg, "-o") == 0     ? 'o'
                    : strcmp(arg, "--csv") == 0  ? 's'
                    : strcmp(arg, "--need") == 0 ? 'n'
                                                 : 0;
        if (arg[0] == '-' && arg[1] != '\0' && (!flag || !strchr(allowed, flag)))
            return die(EXIT_BAD_INPUT, "%s: unknown flag '%s' (see --help)", argv[1], arg);
        if ((flag == 'o' || flag == 'n') && i + 1 == argc)
            return die(EXIT_BAD_INPUT, "%s: flag '%s' needs a value", argv[1], arg);
        switch (flag) {
        case 'c': a->chrome = 1; break;
        case 's': a->csv = 1; break;
        case 'o': a->output = argv[++i]; break;
        case 'n': a->need = argv[++i]; break;
        default:
            if (a->input)
                return die(EXIT_BAD_INPUT, "%s: unexpected argument '%s' (one input trace)",
                           argv[1], arg);
            a->input = arg;
        }
    }
    if (!a->input)
        return die(EXIT_BAD_INPUT, "%s: no input trace given (see --help)", argv[1]);
    return 0;
}

static int load(const char *path, dsgd_trace *t)
{
    char err[512];
    if (dsgd_trace_read_csv(path, t, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    return 0;
}

static int cmd_export(const cli_args *a)
{
    if (!a->chrome)
        return die(EXIT_BAD_INPUT, "export: say which format: --chrome (the only one for now)");
    if (!a->output)
        return die(EXIT_BAD_INPUT, "export: no output file: -o OUT.json");
    dsgd_trace t;
    int rc = load(a->input, &t);
    if (rc)
        return rc;
    char err[512];
    dsgd_chrome_stats st;
    if (dsgd_chrome_write(a->output, &t, &st, err, sizeof err) != 0) {
        dsgd_trace_free(&t);
        return die(EXIT_FAILED, "%s", err);
    }
    printf("%s: %zu events, %d ranks (up to %d threads each), %zu message arrows", a->output,
           st.events, st.ranks, st.max_threads, st.flows);
    if (st.unmatched_sends || st.unmatched_recvs)
        printf(", %zu sends and %zu receives unpaired", st.unmatched_sends, st.unmatched_recvs);
    printf("\n");
    dsgd_trace_free(&t);
    return 0;
}

static void print_summary_csv(const dsgd_summary_rank *r, size_t n)
{
    printf("rank,kind,events,seconds,fraction\n");
    for (size_t i = 0; i < n; i++) {
        double span = dsgd_summary_span(&r[i]);
        for (int k = 0; k < DSGD_EV_KIND_COUNT; k++)
            if (r[i].count[k])
                printf("%d,%s,%zu,%.9f,%.6f\n", r[i].rank, dsgd_event_kind_name(k), r[i].count[k],
                       r[i].seconds[k], span > 0 ? r[i].seconds[k] / span : 0.0);
    }
}

static void print_summary_table(const char *path, const dsgd_summary_rank *r, size_t n)
{
    int shown[DSGD_EV_KIND_COUNT] = {0};
    size_t events = 0;
    for (size_t i = 0; i < n; i++) {
        events += r[i].events;
        for (int k = 0; k < DSGD_EV_KIND_COUNT; k++)
            shown[k] |= r[i].seconds[k] > 0;
    }
    printf("%s: %zu events on %zu ranks\n", path, events, n);
    printf("seconds per kind (share of the rank's span); kinds may overlap\n");
    printf("%4s %7s %11s", "rank", "events", "span_s");
    for (int k = 0; k < DSGD_EV_KIND_COUNT; k++)
        if (shown[k])
            printf(" %18s", dsgd_event_kind_name(k));
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        double span = dsgd_summary_span(&r[i]);
        printf("%4d %7zu %11.6f", r[i].rank, r[i].events, span);
        for (int k = 0; k < DSGD_EV_KIND_COUNT; k++)
            if (shown[k])
                printf(" %11.6f (%3.0f%%)", r[i].seconds[k],
                       span > 0 ? 100.0 * r[i].seconds[k] / span : 0.0);
        printf("\n");
    }
}

static int cmd_summary(const cli_args *a)
{
    dsgd_trace t;
    int rc = load(a->input, &t);
    if (rc)
        return rc;
    dsgd_summary_rank *ranks;
    size_t n;
    if (dsgd_summary_compute(&t, &ranks, &n) != 0) {
        dsgd_trace_free(&t);
        return die(EXIT_FAILED, "%s: out of memory", a->input);
    }
    if (a->csv)
        print_summary_csv(ranks, n);
    else
        print_summary_table(a->input, ranks, n);
    free(ranks);
    dsgd_trace_free(&t);
    return 0;
}

/* Does some event carry one of the comma-separated names in list, and a
 * number (not nan) in value? */
static int has_any_name(const dsgd_trace *t, const char *list)
{
    for (size_t i = 0; i < t->count; i++) {
        const char *name = t->events[i].name;
        if (isnan(t->events[i].value))
            continue;
        size_t len = strlen(name);
        for (const char *p = list; *p;) {
            size_t item = strcspn(p, ",");
            if (item == len && strncmp(p, name, len) == 0)
                return 1;
            p += item + (p[item] == ',');
        }
    }
    return 0;
}

static int cmd_check(const cli_args *a)
{
    dsgd_trace t;
    int rc = load(a->input, &t);
    if (rc)
        return rc;
    if (t.count == 0)
        rc = die(EXIT_BAD_INPUT, "%s: no events (only a header)", a->input);
    else if (a->need && !has_any_name(&t, a->need))
        rc = die(EXIT_BAD_INPUT, "%s: no event named %s with a number in value", a->input, a->need);
    if (rc == 0) {
        int max_rank = 0;
        double t_min = t.events[0].t0, t_max = t.events[0].t1;
        for (size_t i = 0; i < t.count; i++) {
            const dsgd_event *e = &t.events[i];
            max_rank = e->rank > max_rank ? e->rank : max_rank;
            t_min = e->t0 < t_min ? e->t0 : t_min;
            t_max = e->t1 > t_max ? e->t1 : t_max;
        }
        printf("%s: %zu events, ranks 0..%d, time %.9f..%.9f s\n", a->input, t.count, max_rank,
               t_min, t_max);
    }
    dsgd_trace_free(&t);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return die(EXIT_BAD_INPUT, "no command given: export, summary or check (see --help)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout), 0;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout), 0;
    cli_args a;
    if (strcmp(cmd, "export") == 0)
        return parse_args(argc, argv, "co", &a) ? EXIT_BAD_INPUT : cmd_export(&a);
    if (strcmp(cmd, "summary") == 0)
        return parse_args(argc, argv, "s", &a) ? EXIT_BAD_INPUT : cmd_summary(&a);
    if (strcmp(cmd, "check") == 0)
        return parse_args(argc, argv, "n", &a) ? EXIT_BAD_INPUT : cmd_check(&a);
    return die(EXIT_BAD_INPUT, "unknown command '%s' (export, summary or check; see --help)", cmd);
}
