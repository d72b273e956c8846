/* atomic.c — temporary file, then rename. */
#define _POSIX_C_SOURCE 200809L
#include "core/atomic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    FILE *f = fopen(tmp, mode);
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
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
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
