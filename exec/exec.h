/* exec.h — the MPI backend of comm.h, as seen by dsgd-run and tests. */
#ifndef DSGD_EXEC_H
#define DSGD_EXEC_H

#include "algorithms/comm.h"

/* Builds the communicator of this process over MPI_COMM_WORLD (MPI must be
 * initialised).  Synchronises the ranks so that now() starts at ~0 on all.
 * trace: record events.  Returns NULL when out of memory. */
dsgd_comm *dsgd_exec_comm_create(int trace);
void dsgd_exec_comm_destroy(dsgd_comm *c);

/* Collective: rank 0 receives every rank's events (*all, size() traces, to
 * free with dsgd_exec_traces_free); other ranks get *all = NULL. */
int dsgd_exec_gather_traces(dsgd_comm *c, dsgd_trace **all);
void dsgd_exec_traces_free(dsgd_trace *all, int n);

#endif
