/* report.c — the JSON summary both programs print with --json. */
#include "core/report.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>

int dsgd_vdie(const char *prog, int status, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    return status;
}

int dsgd_die(const char *prog, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dsgd_vdie(prog, status, fmt, ap);
    va_end(ap);
    return status;
}

double dsgd_peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

static void number(FILE *out, const char *key, double v)
{
    if (isfinite(v))
        fprintf(out, ",\"%s\":%.10g", key, v);
    else
        fprintf(out, ",\"%s\":null", key);
}

/* Writes text as a JSON string (quotes, backslashes, control characters
 * escaped). */
static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < ' ')
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

typedef struct flag_list {
    FILE *out;
    int n;
} flag_list;

static void json_flag(void *ctx, const char *flag)
{
    flag_list *l = ctx;
    if (l->n++)
        fputc(',', l->out);
    json_string(l->out, flag);
}

void dsgd_report_json(FILE *out, const char *backend, const dsgd_config *cfg, int nodes,
                      const dsgd_result *r)
{
    /* Names come from the flag table's fixed vocabulary: no escaping needed. */
    fprintf(out, "{\"backend\":\"%s\",\"algo\":\"%s\",\"model\":\"%s\",\"data\":\"%s\"", backend,
            cfg->algo, cfg->model, cfg->data);
    fprintf(out, ",\"payload\":\"%s\",\"nodes\":%d,\"iters\":%ld,\"batch\":%d", cfg->payload, nodes,
            r->iters, cfg->batch);
    /* what the defaults chose: nodes as the variant saw them (0: the
     * machines), and in the simulator how collectives were simulated */
    fprintf(out, ",\"node_size\":%d,\"eval_model\":\"%s\"", cfg->node_size,
            r->eval_model ? r->eval_model : cfg->eval_model);
    if (strcmp(backend, "sim") == 0)
        fprintf(out,
                ",\"coll_model\":\"%s\",\"coll_model_why\":\"%s\",\"p2p_model\":\"%s\","
                "\"p2p_model_why\":\"%s\",\"allreduce\":\"%s\","
                "\"jitter\":\"%s\",\"waits\":\"%s\",\"compute_pricing\":\"%s\"",
                cfg->coll_model, cfg->coll_model_why, cfg->p2p_model, cfg->p2p_model_why,
                cfg->allreduce,
                cfg->jitter[0] ? cfg->jitter : "none", cfg->waits,
                cfg->compute_pricing[0] ? cfg->compute_pricing : "rates");
    else /* the simulator's name for the MPI library's allreduce (exec/exec.h), how ranks waited */
        fprintf(out, ",\"allreduce\":\"%s\",\"idle\":\"%s\",\"device\":\"%s\",\"comm_path\":\"%s\"",
                cfg->allreduce, cfg->idle, cfg->device, cfg->comm_path);
    if (strcmp(backend, "sim") == 0) /* where the ranks ran */
        fprintf(out,
                ",\"ranks_per_host\":\"%s\",\"stack_kib\":%d,\"guard_pages\":%d,"
                "\"contexts_why\":\"%s\"",
                cfg->ranks_per_host, cfg->stack_kib, cfg->guard_pages, cfg->contexts_why);
    if (strcmp(backend, "sim") == 0) /* symmetry mode: which ranks ran as actors */
        fprintf(out, ",\"symmetry\":%s,\"symmetry_why\":\"%s\",\"simulated_ranks\":%d",
                cfg->symmetric ? "true" : "false", cfg->symmetry_why, cfg->simulated_ranks);
    if (r->hosts > 0)
        fprintf(out, ",\"hosts\":%d", r->hosts);
    number(out, "time_s", r->time_s);
    long ran = r->iters - r->start_iter; /* iterations timed by time_s */
    number(out, "iter_time_s", ran > 0 ? r->time_s / ran : NAN);
    int workers = r->workers > 0 ? r->workers : nodes; /* servers train no samples */
    fprintf(out, ",\"workers\":%d", workers);
    /* Workers of asynchronous variants stopped by time or samples ran
     * different numbers of iterations: the count of samples says. */
    double samples = r->samples > 0 ? (double)r->samples : (double)ran * cfg->batch * workers;
    fprintf(out, ",\"samples\":%.0f,\"stopped_by\":\"%s\"", samples,
            r->stopped_by ? r->stopped_by : "iters");
    number(out, "time_budget_s", cfg->time_budget > 0 ? cfg->time_budget : NAN);
    number(out, "samples_per_s", r->time_s > 0 ? samples / r->time_s : NAN);
    number(out, "first_loss", r->first_loss);
    number(out, "final_loss", r->final_loss);
    number(out, "test_accuracy", r->test_accuracy);
    number(out, "params_norm", r->params_norm);
    number(out, "staleness_mean", r->workers > 0 ? r->staleness_mean : NAN);
    number(out, "staleness_max", r->workers > 0 ? r->staleness_max : NAN);
    number(out, "spread", r->workers > 0 ? r->spread : NAN);
    fprintf(out, ",\"failed_ranks\":%d", r->failed_ranks);
    fprintf(out, ",\"seed\":%llu", (unsigned long long)cfg->seed);
    /* everything needed to run it again (dsgd-validate replays real runs) */
    fprintf(out, ",\"flags\":[");
    flag_list flags = {out, 0};
    dsgd_config_flags(cfg, json_flag, &flags);
    fputc(']', out);
    number(out, "wall_s", r->wall_s);
    number(out, "peak_rss_mb", r->peak_rss_mb);
    fprintf(out, "}\n");
    fflush(out);
}
