/* test_atomic — an output written through dsgd_write_atomic is whole or
 * absent, also when a terminating signal arrives in the middle of the
 * write: the temporary is removed and the signal still ends the process
 * (traces and checkpoints left PATH.tmp.PID files behind).  A write that
 * is not interrupted leaves the signal dispositions as they were.
 *
 * usage: test_atomic DIR */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic.h"

static int failures;

/* Writes a little, then the signal arrives mid-write. */
static int write_then_signal(FILE *f, void *ctx)
{
    fputs("rank,kind\n", f);
    fflush(f);
    raise(*(int *)ctx);
    fputs("0,compute\n", f); /* reached only if the signal did not end us */
    return 0;
}

static int write_plain(FILE *f, void *ctx)
{
    (void)ctx;
    return fputs("whole\n", f) < 0 ? -1 : 0;
}

/* Files in dir whose names start with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static void interrupted(const char *dir, int sig)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/out-%d.csv", dir, sig);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dsgd_write_atomic(path, "w", write_then_signal, &sig, err, sizeof err);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "out-%d.csv", sig);
    int left = count_files(dir, prefix);
    int ok = WIFSIGNALED(status) && WTERMSIG(status) == sig && left == 0;
    printf("signal %d mid-write: %s, %d file(s) left %s\n", sig,
           WIFSIGNALED(status) ? "ended by it" : "not ended by it", left, ok ? "ok" : "FAIL");
    failures += !ok;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    mkdir(dir, 0755);
    interrupted(dir, SIGTERM);
    interrupted(dir, SIGINT);
    interrupted(dir, SIGHUP);

    /* After a whole write, dispositions are as before (here: default). */
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/whole.csv", dir);
    int rc = dsgd_write_atomic(path, "w", write_plain, NULL, err, sizeof err);
    struct sigaction now;
    sigaction(SIGTERM, NULL, &now);
    int ok = rc == 0 && now.sa_handler == SIG_DFL && count_files(dir, "whole.csv") == 1;
    printf("whole write: rc %d, SIGTERM handler restored %s %s\n", rc,
           now.sa_handler == SIG_DFL ? "yes" : "no", ok ? "ok" : "FAIL");
    failures += !ok;
    printf("%d failures\n", failures);
    return failures != 0;
}
