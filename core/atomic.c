/* atomic.c — temporary file, then rename.
 *
 * A program terminated by a signal while it writes (SIGTERM from a batch
 * scheduler, Ctrl-C) must not leave its temporary behind either: while a
 * temporary exists, handlers for the terminating signals remove it, then
 * let the signal do what it did before (the program's own handler or
 * termination).  The temporary's name is the only state the handler needs,
 * so it lives here, one per process (writes do not nest across threads:
 * each rank process, or the simulation's one thread, writes one file at a
 * time). */
#define _POSIX_C_SOURCE 200809L
#include "core/atomic.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const int cleanup_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
#define N_CLEANUP_SIGNALS (sizeof cleanup_signals / sizeof cleanup_signals[0])

/* The temporary being written ("" when none), for the signal handler. */
static char pending_tmp[4096];
static volatile sig_atomic_t pending;
static struct sigaction previous[N_CLEANUP_SIGNALS];

static void remove_pending(int sig)
{
    if (pending)
        unlink(pending_tmp); /* async-signal-safe */
    pending = 0;
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        if (cleanup_signals[i] == sig)
            sigaction(sig, &previous[i], NULL);
    raise(sig); /* delivered when this handler returns, to the previous action */
}

/* Registers tmp for removal on a terminating signal.  Returns 0, or -1 when
 * the name is too long to keep (the write goes on without the safety). */
static int guard_begin(const char *tmp)
{
    size_t len = strlen(tmp);
    if (len >= sizeof pending_tmp)
        return -1;
    memcpy(pending_tmp, tmp, len + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_pending;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        sigaddset(&sa.sa_mask, cleanup_signals[i]);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++) {
        sigaction(cleanup_signals[i], NULL, &previous[i]);
        if (previous[i].sa_handler != SIG_IGN) /* ignored stays ignored (nohup) */
            sigaction(cleanup_signals[i], &sa, NULL);
    }
    pending = 1;
    return 0;
}

static void guard_end(int guarded)
{
    if (!guarded)
        return;
    pending = 0;
    for (size_t i = 0; i < N_CLEANUP_SIGNALS; i++)
        if (previous[i].sa_handler != SIG_IGN)
            sigaction(cleanup_signals[i], &previous[i], NULL);
}

int dsgd_write_atomic(const char *path, const char *mode, dsgd_writer_fn writer, void *ctx,
                      char *err, size_t errlen)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int guarded = guard_begin(tmp) == 0;
    FILE *f = fopen(tmp, mode);
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        guard_end(guarded);
        free(tmp);
        return -1;
    }
    errno = 0;
    int bad = writer(f, ctx) != 0 || ferror(f);
    int saved = errno;
    if (fclose(f) != 0)
        bad = 1, saved = saved ? saved : errno;
    if (bad || rename(tmp, path) != 0) {
        saved = saved ? saved : (errno ? errno : EIO);
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(saved));
        remove(tmp);
        guard_end(guarded);
        free(tmp);
        return -1;
    }
    guard_end(guarded);
    free(tmp);
    return 0;
}
