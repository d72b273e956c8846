/* calibrate_cli.c — dsgd-calibrate: traces of real runs in, a platform and
 * a cost profile that dsgd-sim loads out (the fits: calibrate.h).
 *
 *     dsgd-calibrate TRACE.csv... -o NAME [--cores C] [--hosts H]
 *                    [--peak-flops F] [--json]
 *
 * Beside each TRACE.csv, TRACE.json (the run's `--json` line, if saved)
 * says where and when it was measured and the machine's cores.
 * Exit status: 0 success; 1 the outputs could not be written; 2 a bad flag
 * or input file (one line on stderr naming it). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/report.h"
#include "core/trace.h"
#include "traces/calibrate.h"

#define EXIT_FAILED 1
#define EXIT_BAD_INPUT 2
#define MAX_TRACES 256

#define die(status, ...) dsgd_die("dsgd-calibrate", status, __VA_ARGS__)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: dsgd-calibrate TRACE.csv... -o NAME [--cores C] [--hosts H]\n"
            "                      [--peak-flops F] [--json]\n"
            "\n"
            "Fits the simulator to execution traces (dsgd-run --bench first; any run's\n"
            "trace where it has the events) and writes NAME.xml (a SimGrid platform) and\n"
            "NAME.profile (a cost profile): dsgd-sim --platform NAME.xml --cost-profile\n"
            "NAME.profile.\n"
            "\n"
            "  compute   per layer kind, time = flops / rate + overhead (least squares over\n"
            "            the bench:<kind>:fwd|bwd events): efficiency.<kind> = rate / peak,\n"
            "            overhead_s.<kind>; and per kind and pass the mean time at each\n"
            "            measured size, curve.<kind>.fwd|bwd, which prices the layers\n"
            "  network   one-way time = latency + bytes / bandwidth per range of message\n"
            "            sizes, the ranges found from the ping-pongs; written as SMPI's\n"
            "            smpi/lat-factor and smpi/bw-factor when one line does not fit\n"
            "  memory    bench:vec:* events -> mem_bw (the host's, shared by its ranks)\n"
            "  io        bench:io events -> io_bw_Bps, io_overhead_s and curve.io\n"
            "  check     allreduce events against the runs' algorithm (their JSON's\n"
            "            \"allreduce\": tree under Open MPI, else ring) priced with the\n"
            "            fitted network\n"
            "\n"
            "  -o NAME          output files NAME.xml and NAME.profile (written whole or not)\n"
            "  --cores C        cores per host (default: the trace's JSON, else this machine's)\n"
            "  --hosts H        hosts in the platform (default: the trace's JSON, else 1)\n"
            "  --peak-flops F   host speed the efficiencies refer to (default: the fastest\n"
            "                   kind's fitted rate, whose efficiency is then 1)\n"
            "  --json           print the fit as one JSON line instead of a table\n"
            "\n"
            "TRACE.json beside TRACE.csv (the run's --json line) says where and when it was\n"
            "measured (hostname, date) and cores, hosts.\n");
}

typedef struct cli_args {
    const char *traces[MAX_TRACES];
    int n_traces;
    const char *output;
    int cores, hosts, json;
    double peak_flops;
} cli_args;

static int parse_positive_int(const char *flag, const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < 1 || v > 1 << 20)
        return die(EXIT_BAD_INPUT, "%s: bad value '%s' (a positive integer)", flag, text);
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int takes_value = strcmp(arg, "-o") == 0 || strcmp(arg, "--cores") == 0 ||
                          strcmp(arg, "--hosts") == 0 || strcmp(arg, "--peak-flops") == 0;
        if (takes_value && i + 1 == argc)
            return die(EXIT_BAD_INPUT, "flag '%s' needs a value", arg);
        if (strcmp(arg, "-o") == 0) {
            a->output = argv[++i];
        } else if (strcmp(arg, "--cores") == 0) {
            if (parse_positive_int(arg, argv[++i], &a->cores))
                return EXIT_BAD_INPUT;
        } else if (strcmp(arg, "--hosts") == 0) {
            if (parse_positive_int(arg, argv[++i], &a->hosts))
                return EXIT_BAD_INPUT;
        } else if (strcmp(arg, "--peak-flops") == 0) {
            char *end;
            a->peak_flops = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(a->peak_flops > 0) || !isfinite(a->peak_flops))
                return die(EXIT_BAD_INPUT, "--peak-flops: bad value '%s' (flop/s, > 0)", argv[i]);
        } else if (strcmp(arg, "--json") == 0) {
            a->json = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return die(EXIT_BAD_INPUT, "unknown flag '%s' (see --help)", arg);
        } else if (a->n_traces == MAX_TRACES) {
            return die(EXIT_BAD_INPUT, "too many traces (at most %d)", MAX_TRACES);
        } else {
            a->traces[a->n_traces++] = arg;
        }
    }
    if (a->n_traces == 0)
        return die(EXIT_BAD_INPUT, "no trace given (see --help)");
    if (!a->output || !*a->output)
        return die(EXIT_BAD_INPUT, "no output name: -o NAME (writes NAME.xml, NAME.profile)");
    return 0;
}

/* What a run's JSON line says about where and when (all optional). */
typedef struct trace_meta {
    char hostname[128], date[64], allreduce[24];
    int cores, hosts;
} trace_meta;

/* The text after "key": in json, or NULL. */
static const char *json_value(const char *json, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(json, quoted);
    if (!p)
        return NULL;
    p += strlen(quoted);
    while (*p == ' ')
        p++;
    if (*p++ != ':')
        return NULL;
    while (*p == ' ')
        p++;
    return p;
}

static void json_string(const char *json, const char *key, char *out, size_t len)
{
    const char *v = json_value(json, key);
    if (!v || *v != '"')
        return;
    size_t n = strcspn(v + 1, "\"");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), v + 1);
}

/* A number, or the length of a list ("hosts": ["a","b"]). */
static int json_count(const char *json, const char *key)
{
    const char *v = json_value(json, key);
    if (!v)
        return 0;
    if (*v == '[') {
        int n = 0;
        for (const char *p = v + 1; *p && *p != ']'; p++)
            n += *p == '"';
        return n / 2;
    }
    return atoi(v);
}

/* TRACE.json beside TRACE.csv, if there is one. */
static void read_meta(const char *trace, trace_meta *m)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    size_t len = strlen(trace);
    if (len > 4 && strcmp(trace + len - 4, ".csv") == 0)
        len -= 4;
    snprintf(path, sizeof path, "%.*s.json", (int)len, trace);
    char why[4200];
    FILE *f = dsgd_input_fopen(path, "r", why, sizeof why); /* optional: none, no metadata */
    if (!f)
        return;
    char json[16384];
    size_t n = fread(json, 1, sizeof json - 1, f);
    json[n] = '\0';
    fclose(f);
    json_string(json, "hostname", m->hostname, sizeof m->hostname);
    json_string(json, "date", m->date, sizeof m->date);
    json_string(json, "allreduce", m->allreduce, sizeof m->allreduce);
    m->cores = json_count(json, "cores_per_host");
    if (m->cores <= 0)
        m->cores = json_count(json, "cores");
    m->hosts = json_count(json, "hosts");
}

/* The header of both files: what was measured, where, when. */
static void make_header(const cli_args *a, const trace_meta *meta, const dsgd_calibration *cal,
                        char *out, size_t len)
{
    char here[128] = "", when[64] = "", now[64];
    if (meta->hostname[0])
        snprintf(here, sizeof here, "%s", meta->hostname);
    else if (gethostname(here, sizeof here) != 0)
        snprintf(here, sizeof here, "unknown host");
    here[sizeof here - 1] = '\0';
    time_t t = time(NULL);
    struct stat st;
    if (meta->date[0])
        snprintf(when, sizeof when, "%s", meta->date);
    else if (stat(a->traces[0], &st) == 0)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ (trace file time)", gmtime(&st.st_mtime));
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    size_t n = (size_t)snprintf(
        out, len, "dsgd-calibrate from %d trace(s), %zu events:", a->n_traces, cal->events);
    for (int i = 0; i < a->n_traces && n < len; i++)
        n += (size_t)snprintf(out + n, len - n, " %s", a->traces[i]);
    if (n < len)
        n += (size_t)snprintf(out + n, len - n,
                              "\nmeasured on %s (%d core(s) per host, %d host(s)), %s; fitted %s\n"
                              "fitted: compute kinds",
                              here, cal->cores, cal->hosts, when, now);
    int kinds = 0;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT && n < len; k++)
        if (cal->kind[k].fitted)
            n += (size_t)snprintf(out + n, len - n, "%s%s", kinds++ ? "," : " ",
                                  dsgd_layer_kind_name((dsgd_layer_kind)k));
    if (n < len)
        n += (size_t)snprintf(out + n, len - n, "%s; network %s; memory %s; io %s",
                              kinds ? "" : " none", cal->net.fitted ? "yes" : "not measured",
                              cal->mem.fitted ? "yes" : "not measured",
                              cal->io.fitted ? "yes" : "not measured");
    if (cal->notes[0] && n < len)
        snprintf(out + n, len - n, "\nnotes: %s", cal->notes);
}

static void print_rate(const char *what, const dsgd_calib_rate *r, const char *unit)
{
    if (!r->fitted)
        return;
    printf("  %-13s %11.5g %-7s overhead %9.3f us  %3zu points %5zu events  rms %6.3f %%  max "
           "%6.3f %%\n",
           what, r->rate, unit, r->overhead_s * 1e6, r->points, r->events, 100 * r->rms_rel,
           100 * r->max_rel);
}

/* One cost curve the profile prices with (x: flop or B), and how far the
 * line r fitted to the same events is from it. */
static void print_curve(const char *what, const dsgd_cost_curve *c, const dsgd_calib_rate *r,
                        const char *unit)
{
    double worst = 0;
    for (int i = 0; i < c->n; i++) {
        double line = r->overhead_s + c->size[i] / r->rate;
        worst = fmax(worst, fabs(line - c->seconds[i]) / c->seconds[i]);
    }
    printf("  %-17s %2d points  %10.4g .. %-10.4g %-4s  %10.3f .. %-10.3f us  line off by up to "
           "%6.2f %%\n",
           what, c->n, c->size[0], c->size[c->n - 1], unit, c->seconds[0] * 1e6,
           c->seconds[c->n - 1] * 1e6, 100 * worst);
}

static void print_curves(const dsgd_calibration *cal)
{
    int any = 0;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        for (int pass = 0; pass < 2; pass++) {
            if (cal->curve[k][pass].n < 2)
                continue;
            if (!any++)
                printf("cost curves (what the profile prices with: mean time per measured size; "
                       "the line above misses them by):\n");
            char what[40];
            snprintf(what, sizeof what, "%s %s", dsgd_layer_kind_name((dsgd_layer_kind)k),
                     pass ? "bwd" : "fwd");
            print_curve(what, &cal->curve[k][pass], &cal->kind[k], "flop");
        }
    if (cal->io_curve.n >= 2 && cal->io.fitted)
        print_curve("io", &cal->io_curve, &cal->io, "B");
}

static void print_table(const dsgd_calibration *cal, const char *name)
{
    printf("compute: time = flops / rate + overhead (peak %.6g flop/s%s; relative residuals)\n",
           cal->peak_flops, cal->peak_given ? ", given" : ": the fastest kind");
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        print_rate(dsgd_layer_kind_name((dsgd_layer_kind)k), &cal->kind[k], "flop/s");
    print_curves(cal);
    const dsgd_calib_network *net = &cal->net;
    if (net->fitted) {
        printf(
            "network: one-way time = latency + bytes / bandwidth, %zu sizes %.0f..%.0f B "
            "from %zu ping-pongs: %d range(s) (rms %.3f %%, max %.3f %%; one line: rms %.3f %%)\n",
            net->points, net->min_bytes, net->max_bytes, net->pairs, net->fit.count,
            100 * net->fit.rms_rel, 100 * net->fit.max_rel, 100 * net->fit.single_rms_rel);
        for (int k = 0; k < net->fit.count; k++) {
            const dsgd_line *l = &net->fit.line[k];
            char range[64];
            snprintf(range, sizeof range, "%.0f < B <= %.0f", k ? net->fit.last_x[k - 1] : 0.0,
                     net->fit.last_x[k]);
            printf("  %-24s latency %10.4f us  bandwidth %11.5g B/s  rms %6.3f %%  max %6.3f %%\n",
                   range, l->a * 1e6, l->c > 0 ? 1.0 / l->c : INFINITY, 100 * l->rms_rel,
                   100 * l->max_rel);
        }
    }
    if (cal->mem.fitted || cal->io.fitted)
        printf("memory and io: time = overhead + bytes / bandwidth\n");
    print_rate("memory", &cal->mem, "B/s");
    if (cal->mem.fitted && cal->mem_streams > 1)
        printf("  (per rank; %d ranks streamed at once per host: mem_bw %.6g B/s)\n",
               cal->mem_streams, cal->mem.rate * cal->mem_streams);
    print_rate("io", &cal->io, "B/s");
    if (cal->allreduce.points)
        printf("check: %zu allreduce points, measured / %s with the fitted network: median "
               "%.3f, range %.3f..%.3f\n",
               cal->allreduce.points, cal->allreduce.algo, cal->allreduce.median_ratio,
               cal->allreduce.min_ratio, cal->allreduce.max_ratio);
    if (cal->nap_events)
        printf("waking: a nap lasts %.3g us longer than asked (mean of %zu bench:nap): "
               "wake_latency_s; median %.3g us, 90th percentile %.3g, 99th %.3g, max %.3g: "
               "wake_latency_quantiles_s;\n  a wait that ends inside a 64 us nap waits %.3g us "
               "for it on average (E[X^2]/2E[X])\n",
               cal->wake_latency_s * 1e6, cal->nap_events, cal->wake_q[50] * 1e6,
               cal->wake_q[90] * 1e6, cal->wake_q[99] * 1e6, cal->wake_q[100] * 1e6,
               cal->wake_residual_s * 1e6);
    if (cal->jitter_cv > 0)
        printf("jitter: compute times of the same work vary with CV %.4f, skewness %.3f (%s): "
               "dsgd-sim uses --jitter %.4f:%s from the profile\n  (%zu calls in %zu groups)\n",
               cal->jitter_cv, cal->jitter_skewness,
               cal->jitter_lognormal ? "a heavy tail" : "symmetric", cal->jitter_cv,
               cal->jitter_lognormal ? "lognormal" : "normal", cal->jitter_events,
               cal->jitter_groups);
    if (cal->notes[0])
        printf("notes: %s\n", cal->notes);
    printf("wrote %s.xml and %s.profile (%d host(s) of %d core(s))\n", name, name, cal->hosts,
           cal->cores);
}

static void json_rate(const char *key, const dsgd_calib_rate *r, int *first)
{
    if (!r->fitted)
        return;
    printf("%s\"%s\":{\"rate\":%.9g,\"overhead_s\":%.9g,\"points\":%zu,\"events\":%zu,"
           "\"rms_rel\":%.6g,\"max_rel\":%.6g}",
           *first ? "" : ",", key, r->rate, r->overhead_s, r->points, r->events, r->rms_rel,
           r->max_rel);
    *first = 0;
}

static void json_curve(const char *key, const dsgd_cost_curve *c, int *first)
{
    if (c->n < 2)
        return;
    printf("%s\"%s\":[", *first ? "" : ",", key);
    for (int i = 0; i < c->n; i++)
        printf("%s[%.9g,%.9g]", i ? "," : "", c->size[i], c->seconds[i]);
    printf("]");
    *first = 0;
}

static void print_json(const dsgd_calibration *cal, const char *name)
{
    printf("{\"platform\":\"%s.xml\",\"profile\":\"%s.profile\",\"cores\":%d,\"hosts\":%d,"
           "\"peak_flops\":%.9g,\"events\":%zu,\"compute\":{",
           name, name, cal->cores, cal->hosts, cal->peak_flops, cal->events);
    int first = 1;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        json_rate(dsgd_layer_kind_name((dsgd_layer_kind)k), &cal->kind[k], &first);
    printf("},\"curves\":{");
    first = 1;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        for (int pass = 0; pass < 2; pass++) {
            char key[40];
            snprintf(key, sizeof key, "%s.%s", dsgd_layer_kind_name((dsgd_layer_kind)k),
                     pass ? "bwd" : "fwd");
            json_curve(key, &cal->curve[k][pass], &first);
        }
    json_curve("io", &cal->io_curve, &first);
    printf("},\"network\":");
    if (cal->net.fitted) {
        printf("{\"pairs\":%zu,\"points\":%zu,\"rms_rel\":%.6g,\"max_rel\":%.6g,"
               "\"single_rms_rel\":%.6g,\"segments\":[",
               cal->net.pairs, cal->net.points, cal->net.fit.rms_rel, cal->net.fit.max_rel,
               cal->net.fit.single_rms_rel);
        for (int k = 0; k < cal->net.fit.count; k++) {
            const dsgd_line *l = &cal->net.fit.line[k];
            printf("%s{\"above_bytes\":%.17g,\"upto_bytes\":%.17g,\"latency_s\":%.9g,"
                   "\"bandwidth_Bps\":%.9g,\"rms_rel\":%.6g,\"max_rel\":%.6g}",
                   k ? "," : "", k ? cal->net.fit.last_x[k - 1] : 0.0, cal->net.fit.last_x[k], l->a,
                   l->c > 0 ? 1.0 / l->c : 0.0, l->rms_rel, l->max_rel);
        }
        printf("]}");
    } else {
        printf("null");
    }
    first = 1;
    printf(",\"io_mem\":{");
    json_rate("memory", &cal->mem, &first);
    json_rate("io", &cal->io, &first);
    printf("},\"mem_streams\":%d,\"mem_bw_Bps\":%.9g", cal->mem_streams,
           cal->mem.fitted ? cal->mem.rate * cal->mem_streams : 0.0);
    if (cal->allreduce.points)
        printf(",\"allreduce_check\":{\"algo\":\"%s\",\"points\":%zu,\"median_ratio\":%.6g,\"min_"
               "ratio\":%.6g,"
               "\"max_ratio\":%.6g}",
               cal->allreduce.algo, cal->allreduce.points, cal->allreduce.median_ratio,
               cal->allreduce.min_ratio, cal->allreduce.max_ratio);
    if (cal->jitter_cv > 0)
        printf(",\"jitter\":{\"cv\":%.6g,\"skewness\":%.6g,\"kind\":\"%s\",\"events\":%zu,"
               "\"groups\":%zu}",
               cal->jitter_cv, cal->jitter_skewness, cal->jitter_lognormal ? "lognormal" : "normal",
               cal->jitter_events, cal->jitter_groups);
    if (cal->nap_events)
        printf(",\"wake_latency_s\":%.6g,\"nap_events\":%zu", cal->wake_latency_s, cal->nap_events);
    printf(",\"notes\":\"");
    for (const char *p = cal->notes; *p; p++)
        putchar(*p == '"' ? '\'' : *p);
    printf("\"}\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    cli_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    dsgd_trace *traces = calloc((size_t)a.n_traces, sizeof *traces);
    if (!traces)
        return die(EXIT_FAILED, "out of memory");
    trace_meta meta = {0};
    char err[1024];
    for (int i = 0; i < a.n_traces; i++) {
        if (dsgd_trace_read_csv(a.traces[i], &traces[i], err, sizeof err) != 0) {
            for (int j = 0; j < i; j++)
                dsgd_trace_free(&traces[j]);
            free(traces);
            return die(EXIT_BAD_INPUT, "%s", err);
        }
        trace_meta m;
        read_meta(a.traces[i], &m);
        if (!meta.hostname[0])
            memcpy(meta.hostname, m.hostname, sizeof m.hostname);
        if (!meta.date[0])
            memcpy(meta.date, m.date, sizeof m.date);
        if (!meta.allreduce[0])
            memcpy(meta.allreduce, m.allreduce, sizeof m.allreduce);
        if (m.cores > meta.cores)
            meta.cores = m.cores;
        if (m.hosts > meta.hosts)
            meta.hosts = m.hosts;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cores = a.cores ? a.cores : meta.cores > 0 ? meta.cores : online > 0 ? (int)online : 1;
    int hosts = a.hosts ? a.hosts : meta.hosts > 0 ? meta.hosts : 1;
    dsgd_calibration cal;
    dsgd_calib_setup setup = {cores, hosts, a.peak_flops, meta.allreduce};
    rc = dsgd_calibrate(traces, (size_t)a.n_traces, &setup, &cal, err, sizeof err);
    for (int i = 0; i < a.n_traces; i++)
        dsgd_trace_free(&traces[i]);
    free(traces);
    if (rc != 0)
        return die(EXIT_BAD_INPUT, "%s%s: %s", a.traces[0], a.n_traces > 1 ? " ..." : "", err);
    char header[4096];
    make_header(&a, &meta, &cal, header, sizeof header);
    if (dsgd_calib_write(&cal, a.output, header, err, sizeof err) != 0)
        return die(EXIT_FAILED, "%s", err);
    if (a.json)
        print_json(&cal, a.output);
    else
        print_table(&cal, a.output);
    return 0;
}
