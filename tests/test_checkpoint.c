/* test_checkpoint — checkpoint files read back, and every kind of damage or
 * misuse refused with a message naming the file and the problem: a file
 * that is not whole (cut, trailing bytes, a bit flipped anywhere, header
 * fields included: damage, not "another run"), another rank's file, an
 * iteration no run reaches (even with a valid checksum), another variant's
 * or model's state, a FIFO.
 *
 * usage: test_checkpoint DIR — leaves DIR/forged-iter (two ranks at
 * iteration -5, checksums valid) for the dsgd-sim test of section 5. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/checkpoint.h"

#define N 100

static int failures;

static void make_run(const char *dir, long iter)
{
    float params[N], velocity[N];
    for (int i = 0; i < N; i++)
        params[i] = (float)i, velocity[i] = -(float)i;
    char err[512] = "";
    for (int r = 0; r < 2; r++) {
        dsgd_checkpoint_meta m = {.model = "mlp",
                                  .algo = "ssgd",
                                  .n_params = N,
                                  .rank = r,
                                  .ranks = 2,
                                  .batch = 32,
                                  .seed = 1};
        if (dsgd_checkpoint_save(dir, &m, iter, params, velocity, err, sizeof err) < 0) {
            printf("FAIL: save %s: %s\n", dir, err);
            failures++;
        }
    }
}

static dsgd_checkpoint_meta expected(int rank)
{
    dsgd_checkpoint_meta m = {.model = "mlp",
                              .algo = "ssgd",
                              .n_params = N,
                              .rank = rank,
                              .ranks = 2,
                              .batch = 32,
                              .seed = 1};
    return m;
}

/* Probe and rank-0 load must both fail (or, want == NULL, succeed). */
static void expect(const char *dir, const dsgd_checkpoint_meta *e, long max_iter, const char *want,
                   const char *what)
{
    char err[512] = "", err2[512] = "";
    float params[N], velocity[N];
    long iter = -1;
    int probe = dsgd_checkpoint_probe(dir, e, err, sizeof err);
    int load = dsgd_checkpoint_load(dir, e, max_iter, &iter, params, velocity, err2, sizeof err2);
    int ok = want ? probe != 0 && strstr(err, want) && load != 0 && strstr(err2, want)
                  : probe == 0 && load == 0 && iter == 4 && params[7] == 7 && velocity[9] == -9;
    printf("%-40s probe: %s | load: %s %s\n", what, probe ? err : "ok", load ? err2 : "ok",
           ok ? "ok" : "FAIL");
    failures += !ok;
}

static void flip_byte(const char *path, long offset)
{
    FILE *f = fopen(path, "r+b");
    fseek(f, offset, SEEK_SET);
    int c = fgetc(f);
    fseek(f, offset, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static void append_byte(const char *path)
{
    FILE *f = fopen(path, "ab");
    fputc(0, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    mkdir(root, 0755);
    char dir[512], path[600], other[600];
    dsgd_checkpoint_meta e = expected(0);

    snprintf(dir, sizeof dir, "%s/good", root);
    make_run(dir, 4);
    expect(dir, &e, 50, NULL, "whole files");
    { /* the run's end is known at load only: the probe passes */
        char err[512] = "";
        float params[N], velocity[N];
        long iter;
        int ok = dsgd_checkpoint_load(dir, &e, 3, &iter, params, velocity, err, sizeof err) != 0 &&
                 strstr(err, "reached iteration 4, beyond this run's 3");
        printf("%-40s load: %s %s\n", "past this run's end", err, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    dsgd_checkpoint_meta other_algo = e;
    snprintf(other_algo.algo, sizeof other_algo.algo, "localsgd");
    expect(dir, &other_algo, 50, "written by --algo ssgd, this run is --algo localsgd",
           "another variant");
    dsgd_checkpoint_meta other_model = e;
    snprintf(other_model.model, sizeof other_model.model, "cnn");
    expect(dir, &other_model, 50, "written for model 'mlp'", "another model");

    /* Header fields and data: a flipped bit is damage, whichever field. */
    size_t batch_at = 8 + offsetof(dsgd_checkpoint_meta, batch);
    size_t seed_at = 8 + offsetof(dsgd_checkpoint_meta, seed);
    const struct {
        const char *name;
        long offset;
    } flips[] = {{"batch", (long)batch_at}, {"seed", (long)seed_at}, {"parameters", 200}};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        snprintf(dir, sizeof dir, "%s/flip-%s", root, flips[i].name);
        make_run(dir, 4);
        snprintf(path, sizeof path, "%s/rank-0.ckpt", dir);
        flip_byte(path, flips[i].offset);
        char what[64];
        snprintf(what, sizeof what, "a bit flipped in %s", flips[i].name);
        expect(dir, &e, 50, "rank-0.ckpt: checksum mismatch (damaged file)", what);
    }

    snprintf(dir, sizeof dir, "%s/trailing", root);
    make_run(dir, 4);
    snprintf(path, sizeof path, "%s/rank-0.ckpt", dir);
    append_byte(path);
    expect(dir, &e, 50, "rank-0.ckpt: damaged: 921 bytes, but its header announces 100",
           "a byte appended");

    snprintf(dir, sizeof dir, "%s/cut", root);
    make_run(dir, 4);
    snprintf(path, sizeof path, "%s/rank-0.ckpt", dir);
    truncate(path, 500);
    expect(dir, &e, 50, "rank-0.ckpt: damaged: 500 bytes", "cut short");

    snprintf(dir, sizeof dir, "%s/swapped", root);
    make_run(dir, 4);
    snprintf(path, sizeof path, "%s/rank-0.ckpt", dir);
    snprintf(other, sizeof other, "%s/rank-1.ckpt", dir);
    char swap[620];
    snprintf(swap, sizeof swap, "%s/swap", dir);
    if (rename(path, swap) != 0 || rename(other, path) != 0 || rename(swap, other) != 0)
        failures++;
    expect(dir, &e, 50, "rank-0.ckpt: holds the state of rank 1, not of rank 0", "files swapped");

    snprintf(dir, sizeof dir, "%s/forged-iter-big", root);
    make_run(dir, 1L << 62);
    expect(dir, &e, 50, "iteration 4611686018427387904 is no run's", "iteration 2^62");
    snprintf(dir, sizeof dir, "%s/forged-iter", root);
    make_run(dir, -5);
    expect(dir, &e, 50, "rank-0.ckpt: iteration -5 is no run's", "iteration -5");

    snprintf(dir, sizeof dir, "%s/fifo", root);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/rank-0.ckpt", dir);
    unlink(path);
    mkfifo(path, 0644);
    expect(dir, &e, 50, "rank-0.ckpt: not a regular file (a FIFO)", "a FIFO");

    printf("%d failures\n", failures);
    return failures != 0;
}
