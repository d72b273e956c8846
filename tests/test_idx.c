/* test_idx — the IDX reader and the IDX data set on files this test
 * writes: values read back (plain and gzip), normalisation, and every kind
 * of bad file rejected with a message naming the file and the problem.
 *
 * usage: test_idx DIR — also leaves bad data sets in DIR/bad-magic,
 * DIR/truncated and DIR/truncated-gz for the dsgd-run bad-input tests. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/data.h"
#include "core/idx.h"

static int failures;

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

enum { N_TRAIN = 6, N_TEST = 3, H = 2, W = 3 };

/* An IDX header for ndims dimensions followed by the bytes of data. */
static size_t make_idx(unsigned char *out, int ndims, const unsigned *dims,
                       const unsigned char *data, size_t n)
{
    size_t k = 0;
    out[k++] = 0, out[k++] = 0, out[k++] = 0x08, out[k++] = (unsigned char)ndims;
    for (int d = 0; d < ndims; d++)
        for (int s = 24; s >= 0; s -= 8)
            out[k++] = (unsigned char)(dims[d] >> s);
    memcpy(out + k, data, n);
    return k + n;
}

static void write_file(const char *path, const unsigned char *bytes, size_t n, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, bytes, (unsigned)n);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(bytes, 1, n, f);
        fclose(f);
    }
}

static unsigned char pixel(int split, int i, int p)
{
    return (unsigned char)(split * 100 + i * 7 + p * 13);
}

/* Writes a valid set into dir (gz: compressed files with .gz names). */
static void write_set(const char *dir, int gz)
{
    mkdir(dir, 0755);
    static const char *img[2] = {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"};
    static const char *lab[2] = {"train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"};
    for (int sp = 0; sp < 2; sp++) {
        unsigned n = sp ? N_TEST : N_TRAIN;
        unsigned char px[N_TRAIN * H * W], lb[N_TRAIN], buf[256];
        for (unsigned i = 0; i < n; i++) {
            lb[i] = (unsigned char)((i * 3 + sp) % 4);
            for (int p = 0; p < H * W; p++)
                px[i * H * W + p] = pixel(sp, (int)i, p);
        }
        char path[1024];
        unsigned dims3[3] = {n, H, W}, dims1[1] = {n};
        snprintf(path, sizeof path, "%s/%s%s", dir, img[sp], gz ? ".gz" : "");
        write_file(path, buf, make_idx(buf, 3, dims3, px, n * H * W), gz);
        snprintf(path, sizeof path, "%s/%s%s", dir, lab[sp], gz ? ".gz" : "");
        write_file(path, buf, make_idx(buf, 1, dims1, lb, n), gz);
    }
}

static void check_good(const char *dir, int gz)
{
    write_set(dir, gz);
    dsgd_dataset ds;
    char err[512];
    if (dsgd_data_open(dir, 1, &ds, err, sizeof err) != 0) {
        CHECK(0, "%s: %s", dir, err);
        return;
    }
    CHECK(ds.n[DSGD_TRAIN] == N_TRAIN && ds.n[DSGD_TEST] == N_TEST, "split sizes %zu/%zu", ds.n[0],
          ds.n[1]);
    CHECK(ds.channels == 1 && ds.height == H && ds.width == W && ds.dim == H * W, "shape");
    CHECK(ds.classes == 4, "classes %d, want 4 (labels 0..3)", ds.classes);
    /* Normalised train pixels: mean 0, variance 1; the map is affine. */
    double sum = 0, sq = 0;
    float x[H * W];
    int y;
    for (int i = 0; i < N_TRAIN; i++) {
        ds.get(&ds, DSGD_TRAIN, (size_t)i, x, &y);
        CHECK(y == (i * 3) % 4, "train label %d: %d", i, y);
        for (int p = 0; p < H * W; p++)
            sum += x[p], sq += (double)x[p] * x[p];
    }
    double n = N_TRAIN * H * W, mean = sum / n, var = sq / n - mean * mean;
    CHECK(fabs(mean) < 1e-5 && fabs(var - 1) < 1e-4, "normalised mean %g variance %g", mean, var);
    float a[H * W], b[H * W];
    ds.get(&ds, DSGD_TEST, 2, a, &y);
    CHECK(y == (2 * 3 + 1) % 4, "test label 2: %d", y);
    ds.get(&ds, DSGD_TRAIN, 0, b, &y);
    /* Same affine map: (a - b) / (pixel difference) is one constant. */
    double scale = (a[0] - b[0]) / (double)(pixel(1, 2, 0) - pixel(0, 0, 0));
    for (int p = 1; p < H * W; p++) {
        double s = (a[p] - b[p]) / (double)(pixel(1, 2, p) - pixel(0, 0, p));
        CHECK(fabs(s - scale) < 1e-5 && scale > 0, "pixel %d: not the same affine map", p);
    }
    dsgd_data_close(&ds);
    printf("%s: %s set read back\n", dir, gz ? "gzip" : "plain");
}

/* Expects dsgd_idx_load to fail on bytes with a message containing want. */
static void check_bad(const char *dir, const char *label, const unsigned char *bytes, size_t n,
                      int gz, int ndims, const char *want)
{
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, label);
    write_file(path, bytes, n, gz);
    dsgd_idx idx;
    int rc = dsgd_idx_load(path, ndims, &idx, err, sizeof err);
    CHECK(rc != 0 && strstr(err, path) && strstr(err, want),
          "%s: rc %d, message '%s', want it to name the file and say '%s'", label, rc, err, want);
    CHECK(idx.data == NULL, "%s: data left allocated", label);
    printf("%s: %s\n", label, err);
}

static void truncate_file(const char *path, long keep)
{
    FILE *f = fopen(path, "rb");
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(path, "wb");
    fwrite(buf, 1, (size_t)keep < n ? (size_t)keep : n, f);
    fclose(f);
}

/* Headers that announce more than the file holds or dsgd takes are refused
 * before anything is allocated: the loads run under an address-space limit
 * of 1 GiB more than the process has (not under ASan, whose shadow memory
 * needs terabytes of address space), where allocating the announced 4 GiB
 * first would fail with "out of memory". */
static void check_announcements(const char *dir)
{
    unsigned char hdr[32], one = 7;
    unsigned huge_count[3] = {1u << 20, 64, 64}; /* 4 GiB in 17 bytes */
    unsigned huge_image[3] = {1, 65536, 32768};  /* one image of 2^31 pixels */
    size_t n17 = make_idx(hdr, 3, huge_count, &one, 1);
#if !UNDER_ASAN
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) == 0) {
        FILE *statm = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (statm && fscanf(statm, "%lu", &pages) == 1) {
            limit.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (1ul << 30);
            setrlimit(RLIMIT_AS, &limit);
        }
        if (statm)
            fclose(statm);
    }
#endif
    check_bad(dir, "announces-4GiB.idx", hdr, n17, 0, 3,
              "truncated: 1 of the 4294967296 data bytes its header announces");
    check_bad(dir, "announces-4GiB.idx.gz", hdr, n17, 1, 3,
              "its header announces 4294967296 data bytes, more than");
    check_bad(dir, "huge-image.idx", hdr, make_idx(hdr, 3, huge_image, &one, 1), 0, 3,
              "items of more than 16777216 bytes (images of 65536x32768 pixels)");
#if !UNDER_ASAN
    struct rlimit unlimited;
    if (getrlimit(RLIMIT_AS, &unlimited) == 0) {
        unlimited.rlim_cur = unlimited.rlim_max;
        setrlimit(RLIMIT_AS, &unlimited);
    }
#endif
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    mkdir(root, 0755);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/plain", root);
    check_good(dir, 0);
    snprintf(dir, sizeof dir, "%s/gz", root);
    check_good(dir, 1);

    snprintf(dir, sizeof dir, "%s/files", root);
    mkdir(dir, 0755);
    unsigned char good[64], bad[64];
    unsigned dims[3] = {2, 2, 2};
    unsigned char px[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    size_t n = make_idx(good, 3, dims, px, 8);
    memcpy(bad, good, n);
    bad[2] = 0x0d; /* float items */
    check_bad(dir, "float.idx", bad, n, 0, 3, "not an IDX file");
    check_bad(dir, "labels-as-images.idx", good, n, 0, 1, "magic 00000803, want 00000801");
    check_bad(dir, "empty.idx", good, 0, 0, 3, "empty file");
    check_bad(dir, "short-header.idx", good, 9, 0, 3, "truncated in the header");
    check_bad(dir, "short-data.idx", good, n - 3, 0, 3, "truncated: 5 of the 8 data bytes");
    check_bad(dir, "short-data.idx.gz", good, n - 3, 1, 3, "truncated: 5 of the 8 data bytes");
    good[n] = 42;
    check_bad(dir, "trailing.idx", good, n + 1, 0, 3, "longer than its header");
    check_announcements(dir);
    /* A gzip stream cut in the middle. */
    char path[1024];
    snprintf(path, sizeof path, "%s/cut.idx.gz", dir);
    unsigned char big[2048 + 64]; /* header + items */
    unsigned bdims[3] = {8, 16, 16};
    unsigned char noise[2048];
    for (int i = 0; i < 2048; i++)
        noise[i] = (unsigned char)(i * 2654435761u >> 13);
    write_file(path, big, make_idx(big, 3, bdims, noise, 8 * 256), 1);
    truncate_file(path, 600);
    dsgd_idx idx;
    char err[512] = "";
    CHECK(dsgd_idx_load(path, 3, &idx, err, sizeof err) != 0 && strstr(err, "cut.idx.gz") &&
              strstr(err, "truncated"),
          "cut gzip stream: '%s'", err);
    printf("cut.idx.gz: %s\n", err);
    CHECK(dsgd_idx_load("/nonexistent/x.idx", 3, &idx, err, sizeof err) != 0 &&
              strstr(err, "/nonexistent/x.idx: cannot read"),
          "missing file: '%s'", err);

    /* Whole sets for the dsgd-run tests: a bad magic, a cut plain file, a
     * cut gzip file, and a label count that does not match the images. */
    snprintf(dir, sizeof dir, "%s/bad-magic", root);
    write_set(dir, 0);
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
    FILE *f = fopen(path, "r+b");
    fseek(f, 3, SEEK_SET);
    fputc(1, f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/truncated", root);
    write_set(dir, 0);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    truncate_file(path, 20);
    snprintf(dir, sizeof dir, "%s/truncated-gz", root);
    write_set(dir, 1);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
    truncate_file(path, 12);
    snprintf(dir, sizeof dir, "%s/mismatch", root);
    write_set(dir, 0);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    unsigned short_dims[1] = {N_TRAIN - 1};
    unsigned char lb[N_TRAIN] = {0};
    write_file(path, big, make_idx(big, 1, short_dims, lb, N_TRAIN - 1), 0);
    dsgd_dataset ds;
    CHECK(dsgd_data_open(dir, 1, &ds, err, sizeof err) != 0 && strstr(err, "6 images but 5 labels"),
          "mismatched counts: '%s'", err);
    printf("%d failures\n", failures);
    return failures != 0;
}
