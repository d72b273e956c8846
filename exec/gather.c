/* gather.c — dsgd-gather: what each MPI rank writes on its standard input,
 * concatenated in rank order on the first rank's standard output.
 *
 *     mpirun -np K sh -c 'produce-lines | dsgd-gather'
 *
 * dsgd-sim, which must not link MPI (SimGrid carries its own MPI symbols),
 * runs it as a child to gather a sweep spread over an MPI allocation
 * (sim/sweep.c): the child inherits the launcher's environment, so it
 * joins the job as its parent's rank.  Exit status: 0, or 1 with one line
 * on standard error (input unreadable or too long, MPI failed). */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BYTES (64 << 20) /* per rank: a sweep row is ~100 bytes */

static char *read_all(FILE *f, int *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *more = cap < MAX_BYTES ? realloc(buf, cap *= 2) : NULL;
            if (!more) {
                free(buf);
                return NULL;
            }
            buf = more;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = (int)n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr,
                "usage: mpirun -np K sh -c '... | dsgd-gather': each rank's standard input, in "
                "rank order, on rank 0's standard output\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    int len = 0;
    char *mine = read_all(stdin, &len);
    MPI_Init(NULL, NULL);
    int rank, size, status = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!mine) {
        fprintf(stderr, "dsgd-gather: rank %d: cannot read its input (or over %d bytes)\n", rank,
                MAX_BYTES);
        len = 0;
        status = 1;
    }
    int *lens = rank == 0 ? calloc((size_t)size, sizeof *lens) : NULL;
    int *displs = rank == 0 ? calloc((size_t)size, sizeof *displs) : NULL;
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    char *all = NULL;
    if (rank == 0) {
        long total = 0;
        for (int r = 0; r < size; r++) {
            displs[r] = (int)total;
            total += lens[r];
        }
        all = malloc(total > 0 ? (size_t)total : 1);
        if (!all || total > INT_MAX) {
            fprintf(stderr, "dsgd-gather: %ld bytes in all: too many\n", total);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Gatherv(mine, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        size_t total = (size_t)displs[size - 1] + (size_t)lens[size - 1];
        if (fwrite(all, 1, total, stdout) != total || fflush(stdout) != 0) {
            fprintf(stderr, "dsgd-gather: cannot write the gathered input\n");
            status = 1;
        }
    }
    free(all);
    free(lens);
    free(displs);
    free(mine);
    MPI_Finalize();
    return status;
}
