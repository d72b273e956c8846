/* main.c — dsgd-run: real distributed training over MPI.
 *
 *     mpirun -np 4 dsgd-run --algo ssgd --model mlp --data synthetic ...
 *
 * Flags are parsed before MPI starts, so --help and bad flags need no MPI
 * launcher; only the first rank prints.  Exit status: 0 success; 1 the run
 * failed; 2 bad flags or input. */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "algorithms/worker.h"
#include "core/config.h"
#include "core/data.h"
#include "core/model.h"
#include "core/progress.h"
#include "core/report.h"
#include "exec/exec.h"

#define EXIT_RUN_FAILED 1
#define EXIT_BAD_INPUT 2

/* Before MPI_Init the launcher's environment tells which rank we are. */
static int launcher_rank(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            return atoi(v);
    }
    return 0;
}

static int die(int status, const char *fmt, ...)
{
    if (launcher_rank() == 0) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "dsgd-run: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    return status;
}

/* After the run: every rank learns the lowest failing rank, which alone
 * prints its reason.  Returns the exit status (same on every rank). */
static int agree_on_outcome(dsgd_comm *c, const dsgd_result *r)
{
    int failed_rank = r->status != DSGD_OK ? c->rank : c->size;
    int first = c->size;
    MPI_Allreduce(&failed_rank, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == c->size)
        return 0;
    if (first == c->rank)
        fprintf(stderr, "dsgd-run: rank %d failed: %s\n", c->rank,
                r->error[0] ? r->error : dsgd_status_str(r->status));
    return EXIT_RUN_FAILED;
}

/* Rank 0 writes the trace: it checks the path, and all ranks stop together
 * if it cannot. */
static int trace_path_ok(const dsgd_config *cfg, int rank)
{
    int ok = 1;
    char err[512];
    if (rank == 0 && cfg->trace[0] && dsgd_trace_check_writable(cfg->trace, err, sizeof err)) {
        fprintf(stderr, "dsgd-run: --trace %s\n", err);
        ok = 0;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok;
}

static int run(const dsgd_config *cfg, const dsgd_algo *algo, const dsgd_dataset *data)
{
    dsgd_comm *c = dsgd_exec_comm_create(cfg->trace[0] != '\0');
    if (!c)
        return die(EXIT_RUN_FAILED, "out of memory");
    if (!trace_path_ok(cfg, c->rank)) {
        dsgd_exec_comm_destroy(c);
        return EXIT_BAD_INPUT;
    }
    dsgd_progress progress;
    dsgd_progress_init(&progress, cfg->quiet || c->rank != 0, "wall");
    dsgd_job job = {cfg, data, dsgd_progress_update, &progress};
    dsgd_result result;
    memset(&result, 0, sizeof result);
    result.status = algo->run(c, &job, &result);
    result.finished = 1;
    dsgd_progress_done(&progress);
    int status = agree_on_outcome(c, &result);

    if (status == 0 && cfg->trace[0]) {
        dsgd_trace *all = NULL;
        char err[512];
        int rc = dsgd_exec_gather_traces(c, &all);
        if (c->rank == 0 && (rc != DSGD_OK || dsgd_trace_write_csv(cfg->trace, all, (size_t)c->size,
                                                                   err, sizeof err) != 0)) {
            fprintf(stderr, "dsgd-run: --trace %s\n",
                    rc != DSGD_OK ? "gathering the events failed" : err);
            status = EXIT_RUN_FAILED;
        }
        dsgd_exec_traces_free(all, c->size);
        MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    if (status == 0 && cfg->json && c->rank == 0) {
        result.wall_s = dsgd_wall_seconds() - progress.wall_start;
        result.peak_rss_mb = dsgd_peak_rss_mb();
        dsgd_report_json(stdout, "exec", cfg, c->size, &result);
    }
    dsgd_exec_comm_destroy(c);
    return status;
}

int main(int argc, char **argv)
{
    dsgd_config cfg;
    char err[512];
    int rc = dsgd_config_parse(&cfg, argc, argv, DSGD_PROG_RUN, err, sizeof err);
    if (rc == DSGD_CONFIG_EXIT)
        return 0;
    if (rc != DSGD_CONFIG_OK)
        return die(EXIT_BAD_INPUT, "%s", err);
    if (strcmp(cfg.algo, "list") == 0) {
        if (launcher_rank() == 0)
            dsgd_algo_list(stdout);
        return 0;
    }
    const dsgd_algo *algo = dsgd_algo_find(cfg.algo);
    if (!algo)
        return die(EXIT_BAD_INPUT, "--algo: unknown variant '%s' (see --algo list)", cfg.algo);
    dsgd_dataset data;
    if (dsgd_data_open(cfg.data, cfg.seed, &data, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    if (dsgd_worker_check_config(&cfg, &data, err, sizeof err) != 0) {
        dsgd_data_close(&data);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    dsgd_model_set_threads(1);

    MPI_Init(&argc, &argv);
    int status = run(&cfg, algo, &data);
    MPI_Finalize();
    dsgd_data_close(&data);
    return status;
}
