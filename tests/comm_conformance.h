/* comm_conformance.h — one node program that checks the point-to-point and
 * non-blocking verbs of comm.h by their values, waitany over a mix of a
 * non-blocking allreduce and a receive (in completion order), and what the
 * verbs do when the backend's ops table lacks slots; every backend's test
 * driver runs it (test_sim_conformance, test_exec_conformance). */
#ifndef DSGD_COMM_CONFORMANCE_H
#define DSGD_COMM_CONFORMANCE_H

#include "algorithms/algo.h"

/* Needs >= 3 ranks.  Returns 0, or the number of the first failed check
 * (with a line on stderr). */
int dsgd_conformance_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out);

#endif
