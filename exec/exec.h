/* exec.h — the MPI backend of comm.h, as seen by dsgd-run and tests. */
#ifndef DSGD_EXEC_H
#define DSGD_EXEC_H

#include "algorithms/comm.h"

/* Builds the communicator of this process over MPI_COMM_WORLD (MPI must be
 * initialised; collective).  Measures each rank's clock offset against
 * rank 0 (ping-pongs) so that now() reads rank 0's clock on every rank,
 * from a common start at ~0: traces of different machines line up.
 * trace: record events.  control: open the control plane (comm.h:
 * dsgd_stop_vote, dsgd_tally; an MPI window on rank 0), which runs that
 * stop by time or samples need; without it those verbs return
 * DSGD_ENOTIMPL.  Returns NULL when out of memory or MPI fails (*why, if
 * not NULL, then says which step failed). */
dsgd_comm *dsgd_exec_comm_create(int trace, int control, const char **why);
/* What a rank does while it waits for a message or a collective:
 *  - SPIN: MPI's own blocking calls (Open MPI polls without pause; with
 *    mpi_yield_when_idle it calls sched_yield between polls, which is what
 *    dsgd_exec_idle_prepare asks for under YIELD);
 *  - SLEEP: dsgd polls with MPI_Test, naps between polls after a short
 *    spin (backend.c), and so leaves the core to ranks that work. */
typedef enum dsgd_exec_idle {
    DSGD_EXEC_IDLE_SPIN,
    DSGD_EXEC_IDLE_YIELD,
    DSGD_EXEC_IDLE_SLEEP,
} dsgd_exec_idle;

/* Sets how c's rank waits (default SLEEP: measured best on a busy machine,
 * README "Waiting ranks"). */
void dsgd_exec_set_idle(dsgd_comm *c, dsgd_exec_idle idle);

/* Rank 0's clock minus this rank's, as measured at creation (0 on rank 0);
 * *error_bound (if not NULL) gets the bound on its error (half the best
 * round trip). */
double dsgd_exec_clock_offset(dsgd_comm *c, double *error_bound);
void dsgd_exec_comm_destroy(dsgd_comm *c);

/* Collective: rank 0 receives every rank's events (*all, size() traces, to
 * free with dsgd_exec_traces_free); other ranks get *all = NULL. */
int dsgd_exec_gather_traces(dsgd_comm *c, dsgd_trace **all);
void dsgd_exec_traces_free(dsgd_trace *all, int n);

/* The name of the dsgd-sim allreduce algorithm (--allreduce) that runs
 * the same messages as this MPI library's allreduce in dsgd's calls
 * (in-place MPI_Iallreduce of floats), or "unknown" when the library is
 * not one whose choice is known.  MPI must be initialised.  The run's
 * JSON says it, and dsgd-validate replays the run with it: a simulator
 * that prices another algorithm than the one that ran is not a model of
 * the run. */
const char *dsgd_exec_allreduce_algo(void);

#endif
