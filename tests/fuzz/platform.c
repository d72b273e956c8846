/* platform.c — fuzz target: platform files, through the loading and the
 * checks dsgd-sim makes before a run.
 *
 * dsgd's own reading of the file (dsgd_sim_platform_config: the network
 * model a calibrated platform names) runs in the fuzzer's process.
 * SimGrid's loader cannot: it allows one engine per process and aborts
 * the process on a malformed platform (dsgd-sim forks for that reason,
 * sim/main.c's load guard).  So each input is loaded in a forked child,
 * like dsgd-sim does: simgrid_init, simgrid_load_platform, the seal, the
 * inherited properties, the host list, the slots and dsgd_sim_check_hosts.
 * The child's abort (SIGABRT: SimGrid refusing the file) is the expected
 * refusal; any other death (a sanitizer report, a segfault, an exit code)
 * is a finding, and the parent aborts so that libFuzzer keeps the input.
 * A child that runs longer than CHILD_SECONDS or grows past CHILD_MAX_MB
 * (a platform of millions of hosts is SimGrid's to handle slowly) is
 * killed and the input passes.  Coverage guides the fuzzer only through
 * the parent's code: the child's counters die with it (and SimGrid itself
 * is not instrumented). */
#include "tests/fuzz/fuzz_tmp.h"

#include <signal.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <sys/wait.h>
#include <time.h>

#include "sim/sim.h"

#define CHILD_SECONDS 10
#define CHILD_MAX_MB 2048

static void load_in_child(const char *path, int out_fd)
{
    /* libFuzzer's handlers would report SimGrid's refusal and the alarm as
     * a crash or a timeout of the fuzzer itself. */
    signal(SIGABRT, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    dup2(out_fd, STDERR_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    alarm(CHILD_SECONDS);
    int argc = 2;
    char *argv[] = {"fuzz-platform", "--log=root.thresh:critical", NULL};
    simgrid_init(&argc, argv);
    simgrid_load_platform(path);
    dsgd_sim_seal_platform();
    dsgd_sim_inherit_properties();
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    long workers;
    dsgd_sim_slots(hosts, n_hosts, 1, &workers);
    char err[512];
    if (n_hosts > 0 && n_hosts < (1u << 20))
        dsgd_sim_check_hosts(hosts, (int)n_hosts, err, sizeof err);
    free(hosts);
    _exit(0); /* no leak report on SimGrid's engine, which is never freed */
}

static long child_rss_mb(pid_t pid)
{
    char path[64];
    long pages = 0, rss = 0;
    snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

/* Waits for the child, killing it if it grows too big. */
static int wait_child(pid_t pid)
{
    int status;
    struct timespec nap = {0, 200000};
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (child_rss_mb(pid) > CHILD_MAX_MB)
            kill(pid, SIGKILL);
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 2000000)
            nap.tv_nsec *= 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[1024], value[256], log[1024];
    fuzz_tmp_write("platform.xml", data, size, path, sizeof path);
    dsgd_sim_platform_config(path, "network/model", value, sizeof value);
    snprintf(log, sizeof log, "%s/child.log", fuzz_tmpdir());
    FILE *out = fopen(log, "w+");
    if (!out)
        abort();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0)
        load_in_child(path, fileno(out));
    int status = wait_child(pid);
    int refused =
        WIFSIGNALED(status) &&
        (WTERMSIG(status) == SIGABRT || WTERMSIG(status) == SIGALRM || WTERMSIG(status) == SIGKILL);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !refused) {
        /* Show what the child said, then let libFuzzer keep the input. */
        char line[1024];
        rewind(out);
        while (fgets(line, sizeof line, out))
            fputs(line, stderr);
        fprintf(stderr, "fuzz_platform: loading child died: %s %d\n",
                WIFSIGNALED(status) ? "signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        abort();
    }
    fclose(out);
    return 0;
}
