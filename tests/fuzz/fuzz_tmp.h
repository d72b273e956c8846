/* fuzz_tmp.h — a harness's private temporary directory.
 *
 * dsgd's parsers read paths, not buffers, so each harness writes its input
 * to a file first.  Every file goes into one directory made with mkdtemp
 * under $TMPDIR (or /tmp) on first use and removed, with its files, when
 * the fuzzer exits normally; nothing is written anywhere else.  (A crash
 * leaves the directory behind: scripts/fuzz.sh points TMPDIR at a scratch
 * directory of its own and removes that.) */
#ifndef DSGD_FUZZ_TMP_H
#define DSGD_FUZZ_TMP_H

#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[512];

static inline void fuzz_tmp_remove(void)
{
    DIR *d = opendir(fuzz_dir);
    if (d) {
        struct dirent *e;
        char path[1024];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
            remove(path);
        }
        closedir(d);
    }
    rmdir(fuzz_dir);
}

/* The directory (created on first call); aborts if it cannot be made. */
static inline const char *fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/dsgd-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_tmp_remove);
    }
    return fuzz_dir;
}

/* Writes data to NAME in the directory; path receives its full path. */
static inline void fuzz_tmp_write(const char *name, const uint8_t *data, size_t size, char *path,
                                  size_t len)
{
    snprintf(path, len, "%s/%s", fuzz_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

#endif
