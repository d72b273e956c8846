/* main.c — dsgd-run: real distributed training over MPI.
 *
 *     mpirun -np 4 dsgd-run --algo ssgd --model mlp --data synthetic ...
 *
 *     mpirun -np 2 dsgd-run --bench all --trace bench.csv --json   (exec/bench.h)
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
#include <time.h>
#include <unistd.h>

#include "algorithms/algo.h"
#include "algorithms/node.h"
#include "algorithms/worker.h"
#include "core/config.h"
#include "core/data.h"
#include "core/model.h"
#include "core/progress.h"
#include "core/report.h"
#include "exec/bench.h"
#include "exec/cuda/device_cuda.h"
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

/* Only the first rank reports (every rank fails alike before MPI). */
static int die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (launcher_rank() == 0)
        dsgd_vdie("dsgd-run", status, fmt, ap);
    va_end(ap);
    return status;
}

/* After the run: every rank learns the lowest failing rank, which alone
 * prints its reason, and whether it refused bad input (a layout that does
 * not fit the ranks, an unusable checkpoint: exit 2, as dsgd-sim, which
 * finds them before its run).  Returns the exit status (same on every
 * rank).  A rank that failed while others still wait for it (the workers
 * of a server whose loss turned NaN, a server for its workers) would wait
 * in that agreement forever: after FAILED_GRACE_S it prints its own reason
 * and takes the job down (MPI_Abort, exit status 1). */
#define FAILED_GRACE_S 2.0
static int agree_on_outcome(dsgd_comm *c, const dsgd_result *r)
{
    int failed = r->status != DSGD_OK;
    int failed_rank = failed ? dsgd_rank(c) : dsgd_size(c);
    int first = dsgd_size(c), done = 0;
    MPI_Request req;
    MPI_Iallreduce(&failed_rank, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
    for (double t0 = dsgd_wall_seconds();
         MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done;) {
        if (failed && dsgd_wall_seconds() - t0 > FAILED_GRACE_S) {
            fprintf(stderr, "dsgd-run: rank %d failed: %s\n", dsgd_rank(c),
                    r->error[0] ? r->error : dsgd_status_str(r->status));
            fflush(stderr);
            MPI_Abort(MPI_COMM_WORLD, EXIT_RUN_FAILED);
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    if (first == dsgd_size(c))
        return 0;
    int bad_input = r->bad_input;
    MPI_Bcast(&bad_input, 1, MPI_INT, first, MPI_COMM_WORLD);
    if (first == dsgd_rank(c))
        fprintf(stderr, "dsgd-run: rank %d failed: %s\n", dsgd_rank(c),
                r->error[0] ? r->error : dsgd_status_str(r->status));
    return bad_input ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
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

/* Gathers every rank's events and rank 0 writes them to --trace; returns
 * the exit status, the same on every rank. */
static int write_trace(dsgd_comm *c, const dsgd_config *cfg)
{
    dsgd_trace *all = NULL;
    char err[512];
    int status = 0;
    int rc = dsgd_exec_gather_traces(c, &all);
    if (dsgd_rank(c) == 0 &&
        (rc != DSGD_OK ||
         dsgd_trace_write_csv(cfg->trace, all, (size_t)dsgd_size(c), err, sizeof err) != 0)) {
        fprintf(stderr, "dsgd-run: --trace %s\n",
                rc != DSGD_OK ? "gathering the events failed" : err);
        status = EXIT_RUN_FAILED;
    }
    dsgd_exec_traces_free(all, dsgd_size(c));
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return status;
}

/* --idle: how the ranks wait. */
static dsgd_exec_idle idle_mode(const dsgd_config *cfg)
{
    return cfg->idle[1] == 'p'   ? DSGD_EXEC_IDLE_SPIN
           : cfg->idle[0] == 'y' ? DSGD_EXEC_IDLE_YIELD
                                 : DSGD_EXEC_IDLE_SLEEP;
}

/* Before MPI_Init: --idle yield asks Open MPI to yield when idle, unless
 * the user set that parameter already. */
static void prepare_idle(const dsgd_config *cfg)
{
    if (idle_mode(cfg) == DSGD_EXEC_IDLE_YIELD)
        setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
}

static dsgd_comm *comm_create(const dsgd_config *cfg, int trace, int control, const char **why)
{
    dsgd_comm *c = dsgd_exec_comm_create(trace, control, why);
    if (c)
        dsgd_exec_set_idle(c, idle_mode(cfg));
    return c;
}

static int run(const dsgd_config *cfg, const dsgd_algo *algo, const dsgd_dataset *data,
               const dsgd_device *device)
{
    const char *why = NULL;
    dsgd_comm *c = comm_create(cfg, cfg->trace[0] != '\0', dsgd_config_stops_early(cfg), &why);
    if (!c)
        return die(EXIT_RUN_FAILED, "%s failed%s", why ? why : "out of memory",
                   why && dsgd_config_stops_early(cfg) ? " (needed by --time-budget, --samples)"
                                                       : "");
    if (!trace_path_ok(cfg, dsgd_rank(c))) {
        dsgd_exec_comm_destroy(c);
        return EXIT_BAD_INPUT;
    }
    dsgd_progress progress;
    dsgd_progress_init(&progress, cfg->quiet || dsgd_rank(c) != 0, "wall");
    dsgd_job job = {cfg, data, algo, dsgd_progress_update, &progress, .device = device};
    dsgd_result result;
    memset(&result, 0, sizeof result);
    result.status = dsgd_node_main(c, &job, &result);
    result.finished = 1;
    result.hosts = dsgd_node_count(c); /* machines as MPI sees them (shared memory) */
    dsgd_progress_done(&progress);
    int status = agree_on_outcome(c, &result);

    if (status == 0 && cfg->trace[0])
        status = write_trace(c, cfg);
    if (status == 0 && cfg->json && dsgd_rank(c) == 0) {
        result.wall_s = dsgd_wall_seconds() - progress.wall_start;
        result.peak_rss_mb = dsgd_peak_rss_mb();
        dsgd_report_json(stdout, "exec", cfg, dsgd_size(c), &result);
    }
    dsgd_exec_comm_destroy(c);
    return status;
}

/* The JSON line of a --bench run: what ran, where and when. */
static void bench_json(dsgd_comm *c, const dsgd_config *cfg, const dsgd_bench_plan *plan,
                       double wall_s)
{
    char kinds[128], host[256] = "", date[32] = "";
    dsgd_bench_kinds_str(plan->kinds, kinds, sizeof kinds);
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm utc;
    if (gmtime_r(&now, &utc))
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
    printf("{\"backend\": \"exec\", \"bench\": \"%s\", \"ranks\": %d, \"hosts\": %d, "
           "\"cores_per_host\": %ld, \"hostname\": \"%s\", \"date\": \"%s\", \"reps\": %d, "
           "\"warmup\": %d, \"max_bytes\": %zu, \"idle\": \"%s\", \"allreduce\": \"%s\", "
           "\"device\": \"%s\", \"gpu\": \"%s\", \"wall_s\": %.3f}\n",
           kinds, dsgd_size(c), dsgd_node_count(c), sysconf(_SC_NPROCESSORS_ONLN), host, date,
           plan->reps, plan->warmup, plan->max_bytes, cfg->idle, cfg->allreduce, cfg->device,
           dsgd_cuda_device_name(), wall_s);
}

/* dsgd-run --bench: the micro-benchmarks instead of training. */
static int run_bench(const dsgd_config *cfg, const dsgd_bench_plan *plan)
{
    double start = dsgd_wall_seconds();
    dsgd_comm *c = comm_create(cfg, 1, 0, NULL);
    if (!c)
        return die(EXIT_RUN_FAILED, "out of memory");
    if (!trace_path_ok(cfg, dsgd_rank(c))) {
        dsgd_exec_comm_destroy(c);
        return EXIT_BAD_INPUT;
    }
    dsgd_result result;
    memset(&result, 0, sizeof result);
    result.status = dsgd_bench_run(c, plan, result.error, sizeof result.error);
    int status = agree_on_outcome(c, &result);
    if (status == 0)
        status = write_trace(c, cfg);
    if (status == 0 && cfg->json && dsgd_rank(c) == 0)
        bench_json(c, cfg, plan, dsgd_wall_seconds() - start);
    dsgd_exec_comm_destroy(c);
    return status;
}

/* Before MPI: --device cuda needs a build with CUDA and a GPU (every rank
 * sees the same answer, so the first rank alone says it). */
static int device_available(const dsgd_config *cfg)
{
    if (strcmp(cfg->device, "cpu") == 0)
        return 0;
    char err[256];
    if (!dsgd_cuda_built())
        return die(EXIT_BAD_INPUT,
                   "--device %s: this dsgd-run was built without CUDA (configure with "
                   "-DDSGD_CUDA=ON where the CUDA toolkit is)",
                   cfg->device);
    if (dsgd_cuda_device_count(err, sizeof err) == 0)
        return die(EXIT_BAD_INPUT, "--device %s: %s", cfg->device, err);
    return 0;
}

/* Under MPI: opens this rank's GPU for --device cuda (the GPU of index
 * local rank mod GPUs, so ranks of a machine spread over its GPUs and share
 * them when more) or cuda:N.  Gradients reach MPI through host memory:
 * the models download them into the host vectors the algorithms reduce
 * (core/stage.h), which the JSON says as comm_path.  Returns 0 or the exit
 * status, the same on every rank. */
static int open_device(dsgd_config *cfg, const dsgd_device **device)
{
    *device = NULL;
    snprintf(cfg->comm_path, sizeof cfg->comm_path, "host");
    if (strcmp(cfg->device, "cpu") == 0)
        return 0;
    MPI_Comm local;
    int local_rank = 0;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &local_rank);
    MPI_Comm_free(&local);
    char err[256] = "";
    int count = dsgd_cuda_device_count(err, sizeof err);
    int ordinal = cfg->device[4] == ':' ? atoi(cfg->device + 5) : count ? local_rank % count : 0;
    *device = count ? dsgd_cuda_device_open(ordinal, err, sizeof err) : NULL;
    int ok = *device != NULL, all_ok = 0;
    if (!ok)
        fprintf(stderr, "dsgd-run: --device %s: %s\n", cfg->device, err);
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok)
        return EXIT_BAD_INPUT;
    snprintf(cfg->device, sizeof cfg->device, "cuda:%d", ordinal); /* rank 0's, in the JSON */
    snprintf(cfg->comm_path, sizeof cfg->comm_path, "host-staged");
    return 0;
}

/* Parses the flags, checks the inputs, runs under MPI. */
static int start(dsgd_config *cfg, int argc, char **argv)
{
    char err[512];
    dsgd_cli cli = dsgd_algo_cli(DSGD_PROG_RUN, launcher_rank() == 0 ? stdout : NULL);
    int rc = dsgd_config_parse(cfg, argc, argv, &cli, err, sizeof err);
    if (rc == DSGD_CONFIG_EXIT)
        return 0;
    if (rc != DSGD_CONFIG_OK)
        return die(EXIT_BAD_INPUT, "%s", err);
    const dsgd_algo *algo = dsgd_algo_of(cfg->choice[DSGD_SEL_ALGO].component);
    dsgd_dataset data;
    if (dsgd_data_open(cfg->data, cfg->seed, &data, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    if (dsgd_worker_check_config(cfg, &data, err, sizeof err) != 0) {
        dsgd_data_close(&data);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    dsgd_bench_plan plan;
    if (cfg->bench[0] && dsgd_bench_plan_init(&plan, cfg, &data, err, sizeof err) != 0) {
        dsgd_data_close(&data);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    dsgd_model_set_threads(1);
    if ((rc = device_available(cfg)) != 0) {
        dsgd_data_close(&data);
        return rc;
    }

    prepare_idle(cfg);
    MPI_Init(&argc, &argv);
    /* what the library's allreduce is, for the JSON (dsgd-validate replays it) */
    snprintf(cfg->allreduce, sizeof cfg->allreduce, "%s", dsgd_exec_allreduce_algo());
    const dsgd_device *device = NULL;
    int status = open_device(cfg, &device);
    plan.device = device;
    if (status == 0)
        status = cfg->bench[0] ? run_bench(cfg, &plan) : run(cfg, algo, &data, device);
    if (device)
        dsgd_cuda_device_close();
    MPI_Finalize();
    dsgd_data_close(&data);
    return status;
}

int main(int argc, char **argv)
{
    dsgd_config cfg;
    int status = start(&cfg, argc, argv);
    dsgd_config_free(&cfg);
    return status;
}
