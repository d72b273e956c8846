/* sim.h — the SimGrid backend of comm.h, as seen by programs and tests.
 *
 * A world is N ranks placed on N hosts of a loaded platform, one actor per
 * rank.  dsgd_sim_launch runs a node program on every rank and returns when
 * the simulation ends; the caller then checks who finished (SimGrid itself
 * returns normally from a deadlock). */
#ifndef DSGD_SIM_H
#define DSGD_SIM_H

#include <simgrid/forward.h>

#include "algorithms/algo.h"
#include "core/cost.h"

/* Allreduce algorithms of the message-level model (--allreduce). */
typedef enum dsgd_sim_allreduce {
    DSGD_SIM_ALLREDUCE_AUTO,
    DSGD_SIM_ALLREDUCE_RING,
    DSGD_SIM_ALLREDUCE_HALVING_DOUBLING,
    DSGD_SIM_ALLREDUCE_TREE,
    DSGD_SIM_ALLREDUCE_HIERARCHICAL,
} dsgd_sim_allreduce;

/* How collectives are simulated (--coll-model): every message through
 * SimGrid, or one analytic flow computation per collective (flow.c). */
typedef enum dsgd_sim_coll_model { DSGD_SIM_COLL_MESSAGE, DSGD_SIM_COLL_FLOW } dsgd_sim_coll_model;

/* The network model's factors, for the flow model to mirror SimGrid's
 * (CM02: 1, 1, no cross-traffic; LV08: 13.01, 0.97, cross-traffic). */
typedef struct dsgd_sim_network {
    double latency_factor;
    double bandwidth_factor;
    int crosstraffic;
} dsgd_sim_network;

typedef struct dsgd_sim_options {
    dsgd_cost_profile cost; /* prices of compute, I/O, memory */
    int trace;              /* record events (dsgd_sim_trace) */
    dsgd_sim_allreduce allreduce;
    dsgd_sim_coll_model coll_model;
    dsgd_sim_network network;
    const struct dsgd_sim_faults *faults; /* --slow / --fail, or NULL */
} dsgd_sim_options;

typedef struct dsgd_sim_world dsgd_sim_world;

/* Hosts of the loaded platform in natural name order (node-2 before
 * node-10); *count receives their number.  The caller frees the array. */
sg_host_t *dsgd_sim_hosts(size_t *count);

/* Places n ranks on the platform's hosts (natural order).  Hosts whose
 * "kind" property is "cpu" are kept for ranks that are not workers
 * (servers, communicators); workers go to the other hosts (accelerators,
 * or plain hosts), in order.  is_worker may be NULL (every rank a
 * worker); where the platform has no cpu hosts, other roles take the next
 * free host.  Fills placed[0..n-1]; returns 0, or -1 with a reason. */
int dsgd_sim_place(const sg_host_t *hosts, size_t n_hosts, int n, const int *is_worker,
                   sg_host_t *placed, char *err, size_t errlen);
/* Hosts that can take a worker (not kind=cpu). */
size_t dsgd_sim_worker_hosts(const sg_host_t *hosts, size_t n_hosts);

/* Ranks 0..n-1 on hosts[0..n-1].  Returns NULL when out of memory. */
dsgd_sim_world *dsgd_sim_world_create(int n, const sg_host_t *hosts, const dsgd_sim_options *opt);
void dsgd_sim_world_destroy(dsgd_sim_world *w);

/* Starts one actor per rank running program(comm, job, &results[rank]) and
 * runs the simulation to its end.  results must hold n entries; an entry
 * whose .finished is 0 belongs to a rank that never returned (deadlock or
 * killed host). */
void dsgd_sim_launch(dsgd_sim_world *w, dsgd_node_program program, const dsgd_job *job,
                     dsgd_result *results);

/* The per-rank traces (n of them) after a launch with opt->trace set. */
const dsgd_trace *dsgd_sim_traces(const dsgd_sim_world *w);

#endif
