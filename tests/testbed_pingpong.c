/* testbed_pingpong.c — what the testbed's network gives MPI, between ranks 0 and 1.
 *
 *     testbed.sh run -- -np 2 testbed_pingpong [REPS]
 *
 * Rank 0 prints one line:
 *   host0=H host1=H rtt_min_s=X rtt_median_s=X bw_Bps=X
 * rtt: round trips of 1-byte messages (REPS, default 50, after 5 warm-up);
 * bw: the best of 3 streams of 16 messages of 1 MiB from rank 0 to rank 1
 * (posted at once), closed by a 1-byte reply, less one small round trip.  The testbed test
 * (tests/testbed.sh) checks these against the network setting.  (A test
 * tool: dsgd-run --bench p2p is the calibration's ping-pong.) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_MESSAGES 16
#define STREAM_BYTES (1 << 20)

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Round trips of one byte; rank 0 returns them sorted in rtt[0..reps-1]. */
static void round_trips(int rank, int reps, double *rtt)
{
    char byte = 0;
    for (int i = -5; i < reps; i++) {
        double t0 = MPI_Wtime();
        if (rank == 0) {
            MPI_Send(&byte, 1, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&byte, 1, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (i >= 0)
                rtt[i] = MPI_Wtime() - t0;
        } else if (rank == 1) {
            MPI_Recv(&byte, 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(&byte, 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    qsort(rtt, (size_t)reps, sizeof *rtt, by_value);
}

/* Seconds of the fastest of 3 streams (rank 0).  The messages are all
 * posted at once, so that their rendezvous handshakes overlap the data. */
static double stream_seconds(int rank, char *buf)
{
    double best = 1e30;
    char byte = 0;
    MPI_Request req[STREAM_MESSAGES];
    for (int k = 0; k < 3 && rank < 2; k++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int m = 0; m < STREAM_MESSAGES; m++) {
            char *part = buf + (size_t)m * STREAM_BYTES;
            if (rank == 0)
                MPI_Isend(part, STREAM_BYTES, MPI_CHAR, 1, 1, MPI_COMM_WORLD, &req[m]);
            else
                MPI_Irecv(part, STREAM_BYTES, MPI_CHAR, 0, 1, MPI_COMM_WORLD, &req[m]);
        }
        MPI_Waitall(STREAM_MESSAGES, req, MPI_STATUSES_IGNORE);
        if (rank == 0)
            MPI_Recv(&byte, 1, MPI_CHAR, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
            MPI_Send(&byte, 1, MPI_CHAR, 0, 2, MPI_COMM_WORLD);
        double t = MPI_Wtime() - t0;
        best = t < best ? t : best;
    }
    for (int k = 0; k < 3 && rank >= 2; k++)
        MPI_Barrier(MPI_COMM_WORLD);
    return best;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, reps = argc > 1 ? atoi(argv[1]) : 50;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "testbed_pingpong: want 2 ranks or more and REPS >= 1\n");
        MPI_Finalize();
        return 2;
    }
    char host[MPI_MAX_PROCESSOR_NAME] = "";
    int len;
    MPI_Get_processor_name(host, &len);
    char *hosts = calloc((size_t)size, MPI_MAX_PROCESSOR_NAME); /* rank r's at r * MAX */
    double *rtt = calloc((size_t)reps, sizeof *rtt);
    char *buf = calloc(STREAM_MESSAGES, STREAM_BYTES);
    if (!hosts || !rtt || !buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gather(host, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, hosts, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0,
               MPI_COMM_WORLD);
    round_trips(rank, reps, rtt);
    double t = stream_seconds(rank, buf);
    if (rank == 0)
        printf("host0=%s host1=%s rtt_min_s=%.6g rtt_median_s=%.6g bw_Bps=%.6g\n", hosts,
               hosts + MPI_MAX_PROCESSOR_NAME, rtt[0], rtt[reps / 2],
               (double)STREAM_MESSAGES * STREAM_BYTES / (t - rtt[0] > 0 ? t - rtt[0] : t));
    free(hosts);
    free(rtt);
    free(buf);
    MPI_Finalize();
    return 0;
}
