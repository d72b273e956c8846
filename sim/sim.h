/* sim.h — the SimGrid backend of comm.h, as seen by programs and tests.
 *
 * A world is N ranks placed on hosts of a loaded platform (as many per host
 * as --ranks-per-host says, its cores by default), one actor per rank
 * (in symmetry mode, per rank of the first machine: dsgd_sim_options).
 * dsgd_sim_launch runs a node program on every rank and returns when the
 * simulation ends; the caller then checks who finished (SimGrid itself
 * returns normally from a deadlock). */
#ifndef DSGD_SIM_H
#define DSGD_SIM_H

#include <simgrid/forward.h>

#include "algorithms/algo.h"
#include "core/cost.h"
#include "core/option.h"
#include "sim/jitter.h"

/* Allreduce algorithms of the message-level model (--allreduce), each a
 * component (core/option.h) with the function that runs it, like SimGrid
 * SMPI's collective tables; NULL-terminated.  The first, "auto", is the
 * automatic choice (made once per group, when it is created); then "ring",
 * "halving-doubling", "tree", "hierarchical". */
extern const dsgd_component *const dsgd_sim_allreduce_algos[];

/* Collective models (--coll-model): "auto" (the program resolves it before
 * creating the world), "message", "flow"; NULL-terminated. */
extern const dsgd_component *const dsgd_sim_coll_models[];

/* How collectives are simulated: every message through SimGrid, or one
 * analytic flow computation per collective (flow.c). */
typedef enum dsgd_sim_coll_model { DSGD_SIM_COLL_MESSAGE, DSGD_SIM_COLL_FLOW } dsgd_sim_coll_model;

/* The network model's parameters, for the flow model to replay SimGrid's
 * arithmetic (sim/fluid.c): network/latency-factor and
 * network/bandwidth-factor (CM02: 1 and 1; LV08: 13.01 and 0.97),
 * network/weight-S (CM02: 0; LV08: 20537), network/TCP-gamma (4194304
 * bytes: a flow's rate is at most gamma / (2 latency)) and
 * network/crosstraffic.  Zeros in the factors and gamma mean SimGrid's
 * CM02 defaults. */
typedef struct dsgd_sim_network {
    double latency_factor;
    double bandwidth_factor;
    int crosstraffic;
    double weight_S;
    double tcp_gamma;
} dsgd_sim_network;

/* Reads them from SimGrid's configuration (after the platform is loaded:
 * the network model sets its defaults then).  model: the network/model in
 * force (NULL: SimGrid's default, LV08).  Returns 0 when the flow model
 * can replay that model, else -1 with a one-line reason in why. */
int dsgd_sim_network_read(const char *model, dsgd_sim_network *net, char *why, size_t whylen);

/* The value the platform file's <config> section gives key
 * (`<prop id="network/model" value="SMPI"/>`), copied into value; returns
 * 1 if found, 0 if not (or the file cannot be read).  SimGrid lets a
 * command-line --cfg override a platform's <config>: a program that sets
 * its own defaults asks here first, so that a calibrated platform's
 * network model (dsgd-calibrate) is the one in force. */
int dsgd_sim_platform_config(const char *platform, const char *key, char *value, size_t len);

/* Counts the hosts platform declares (its <host> tags and clusters'
 * radicals) from its text, before SimGrid loads it (sim/platform_size.c),
 * into *hosts.  Returns 0, or -1 with a one-line reason naming the file if
 * it cannot be read or declares more hosts than this machine can hold. */
int dsgd_sim_platform_check_size(const char *platform, long *hosts, char *err, size_t errlen);

typedef struct dsgd_sim_options {
    dsgd_cost_profile cost; /* prices of compute, I/O, memory */
    int trace;              /* record events (dsgd_sim_trace) */
    const char *allreduce;  /* a name in dsgd_sim_allreduce_algos; NULL or "auto": automatic */
    dsgd_sim_coll_model coll_model;
    dsgd_sim_network network;
    const struct dsgd_sim_faults *faults; /* --slow / --fail, or NULL */
    dsgd_sim_jitter jitter;               /* --jitter (zero: none) */
    uint64_t seed;                        /* of the ranks' jitter streams */
    /* --waits polled: a rank notices the end of a wait at its next poll
     * of dsgd-run's --idle sleep schedule (core/idle.h), each nap
     * overshooting by cost.wake_latency_s; 0: at once */
    int polled_waits;
    /* --p2p-model flow: user point-to-point messages priced by the
     * flow-level model (p2pflow.c) instead of one SimGrid transfer each */
    int p2p_flow;
    /* Symmetry mode (--symmetry): only ranks 0..simulated-1 (the ranks of
     * the first machine) run as actors; every other rank is virtual, a
     * mirror of rank (r mod simulated) on its own host, present in the
     * placement and in the collectives' prices but never run (flow.c).
     * 0: every rank is simulated. */
    int simulated;
} dsgd_sim_options;

typedef struct dsgd_sim_world dsgd_sim_world;

/* Hosts of the loaded platform in natural name order (node-2 before
 * node-10); *count receives their number (NULL when 0).  The caller frees
 * the array. */
sg_host_t *dsgd_sim_hosts(size_t *count);

/* How many ranks a host takes (--ranks-per-host): per_host 0 means its
 * core count ("cores", the default), a number N means N whatever its
 * cores.  Ranks on one host share its cores (SimGrid runs K actors of a
 * K-core host at one core's speed each, K+1 at K/(K+1) of it), its
 * memory bandwidth, and talk over its loopback. */
int dsgd_sim_parse_ranks_per_host(const char *text, int *per_host, char *err, size_t errlen);
int dsgd_sim_host_slots(sg_host_t h, int per_host);
/* Ranks hosts[0..n_hosts-1] take in all; *worker_slots (may be NULL): on
 * the hosts that can take a worker (not kind=cpu). */
long dsgd_sim_slots(const sg_host_t *hosts, size_t n_hosts, int per_host, long *worker_slots);

/* Places n ranks on the platform's hosts (natural order), each host
 * taking dsgd_sim_host_slots(per_host) consecutive ranks before the next
 * is used.  Hosts whose "kind" property is "cpu" are kept for ranks that
 * are not workers (servers, communicators); workers go to the other hosts
 * (accelerators, or plain hosts), in order, and the other roles to cpu
 * hosts, then to what is left.  is_worker may be NULL (every rank a
 * worker); where the platform has no cpu hosts, roles do not matter:
 * ranks fill the hosts in rank order.  near (may be NULL): a host per
 * rank whose machine (its "node" property, else the host) the rank should
 * stay on, if that machine has room of the right kind -- so that roles
 * computed on a provisional placement keep their machines.  Fills
 * placed[0..n-1]; returns 0, or -1 with a reason (hosts, cores and room,
 * when the ranks do not fit). */
int dsgd_sim_place(const sg_host_t *hosts, size_t n_hosts, int n, const int *is_worker,
                   const sg_host_t *near, int per_host, sg_host_t *placed, char *err,
                   size_t errlen);
/* Places n ranks machine by machine (a host's "node" property; hosts
 * without one are machines of their own): each machine's accelerator
 * hosts, then its cpu hosts, before the next machine's, so that the ranks
 * of one machine are consecutive whatever their roles will be. */
int dsgd_sim_place_by_machine(const sg_host_t *hosts, size_t n_hosts, int n, int per_host,
                              sg_host_t *placed, char *err, size_t errlen);
/* Hosts that can take a worker (not kind=cpu). */
size_t dsgd_sim_worker_hosts(const sg_host_t *hosts, size_t n_hosts);
/* How many distinct hosts hosts[0..n-1] are. */
int dsgd_sim_hosts_used(const sg_host_t *hosts, int n);

/* Numbers the machines of hosts[0..n-1] into node[0..n-1]: a host's
 * machine is its "node" property if the platform sets one (several
 * accelerators of one machine), else the host itself (ranks on one host
 * are one node); machines are numbered in order of their first rank.
 * Returns how many there are. */
int dsgd_sim_number_nodes(const sg_host_t *hosts, int n, int *node);

/* Symmetry mode (symmetry.c): are ranks 0..n-1 on hosts[] the same K
 * ranks machine after machine (rank r on machine r / K, hosts alike in
 * speed, cores, mem_bw and kind, shared alike)?  Returns 0 with K in
 * *simulated, or -1 with the first thing that differs in why. */
int dsgd_sim_symmetry_classes(const sg_host_t *hosts, int n, int *simulated, char *why, size_t len);

/* Actor stacks sized for the run (contexts.c).  From more than
 * DSGD_SIM_LARGE_ACTORS actors on, stacks of DSGD_SIM_LARGE_STACK_KIB
 * (dsgd's ranks use about 16 KiB, check.c); guard pages are dropped when
 * their mappings would exceed vm.max_map_count; --cfg or the platform's
 * <config> wins.  DSGD_SIM_BYTES_PER_ACTOR: what a rank of a phantom
 * ResNet-50 run costs (bench/sim_scale.sh: peak RSS / nodes, 24-28 KiB
 * from 4,096 to 65,536 ranks), with room, for the memory warning. */
#define DSGD_SIM_LARGE_ACTORS 1024
#define DSGD_SIM_LARGE_STACK_KIB 256
#define DSGD_SIM_BYTES_PER_ACTOR (64.0 * 1024)
typedef struct dsgd_sim_limits {
    long actors;
    int user_stack, user_guard; /* the user (or platform) set them */
    long guard_maps_per_actor;  /* 2: a guard splits the stack's mapping */
    long max_map_count;         /* /proc/sys/vm/max_map_count (-1: unknown) */
    long maps_in_use;           /* /proc/self/maps lines */
    double mem_available_bytes; /* /proc/meminfo MemAvailable (-1: unknown) */
} dsgd_sim_limits;
typedef struct dsgd_sim_contexts {
    int stack_kib, guard_pages;
    char why[160];     /* for the JSON */
    char warning[400]; /* one line to print before the run ("": none) */
} dsgd_sim_contexts;
/* The machine's limits (actors and user_* left to the caller). */
void dsgd_sim_limits_read(dsgd_sim_limits *lim);
/* SimGrid's settings in force into c (after simgrid_init). */
void dsgd_sim_contexts_current(dsgd_sim_contexts *c);
/* Adjusts c (the settings in force) for lim; says why, and warns. */
void dsgd_sim_contexts_choose(const dsgd_sim_limits *lim, dsgd_sim_contexts *c);
/* Sets them in SimGrid, and pins malloc's mmap threshold to the stack
 * size so that stacks stay lazily mapped.  Before the actors start. */
void dsgd_sim_contexts_apply(const dsgd_sim_contexts *c);

/* Seals the loaded platform (sim/seal.cpp: C++ only in SimGrid 3.32), so
 * that routes can be looked up before the run. */
void dsgd_sim_seal_platform(void);
/* Host properties (after loading a platform): a zone's mem_bw (a <prop>
 * inside a <cluster>) goes to its hosts that set none. */
void dsgd_sim_inherit_properties(void);
/* Checks hosts[0..n-1]: each is on at time 0 (a state profile may turn
 * it off: SimGrid aborts starting an actor there), and the properties
 * dsgd reads (mem_bw: the speed of memory-bound work there; without it,
 * the cost profile's).  Returns 0, or -1 with a reason naming the host
 * and the value.  (Routes: dsgd_sim_check_routes.) */
int dsgd_sim_check_hosts(const sg_host_t *hosts, int n, char *err, size_t errlen);

/* Checks made before a run, because SimGrid 3.32 aborts, crashes or hangs
 * on what they refuse (check.c).  Each returns 0, or -1 with a one-line
 * reason naming the item and its value in err.
 * dsgd_sim_check_config: SimGrid's numeric configuration items in force
 * (from --cfg or the platform's <config>): precisions, factors, stack
 * size...; *bad_key receives the item refused.
 * dsgd_sim_check_platform: after loading it: hosts exist, every host's
 * speed (each pstate) is finite and > 0, every link's bandwidth finite
 * and > 0 and latency finite and >= 0, no cluster radical counts down.
 * dsgd_sim_check_routes: a route from each of hosts[0..n-1] to the first
 * and back, and to the next (a platform cut in parts); the lookups run in
 * a child process, since SimGrid crashes on some missing routes.  Call on
 * a sealed platform (dsgd_sim_seal_platform). */
int dsgd_sim_check_config(const char **bad_key, char *err, size_t errlen);
int dsgd_sim_check_platform(const char *platform, char *err, size_t errlen);
int dsgd_sim_check_routes(const sg_host_t *hosts, int n, char *err, size_t errlen);
/* What a line SimGrid logged says, without its "[time] file:line:
 * [category/LEVEL] " prefix nor an "Uncaught exception TYPE: " preamble,
 * into why.  Returns 1 for an ERROR or CRITICAL line, 0 for another line,
 * -1 for a line that says nothing about the input (a backtrace, a
 * sanitizer's report of a crash). */
int dsgd_sim_log_reason(const char *line, char *why, size_t len);

/* Ranks 0..n-1 on hosts[0..n-1].  Returns NULL when out of memory or when
 * opt->allreduce names no algorithm of dsgd_sim_allreduce_algos. */
dsgd_sim_world *dsgd_sim_world_create(int n, const sg_host_t *hosts, const dsgd_sim_options *opt);
void dsgd_sim_world_destroy(dsgd_sim_world *w);

/* Starts one actor per simulated rank running program(comm, job,
 * &results[rank]) and runs the simulation to its end.  results must hold
 * n entries; an entry whose .finished is 0 belongs to a rank that never
 * returned (deadlock or killed host), or, in symmetry mode, to a virtual
 * rank (dsgd_sim_simulated_ranks and up), which never runs. */
void dsgd_sim_launch(dsgd_sim_world *w, dsgd_node_program program, const dsgd_job *job,
                     dsgd_result *results);

/* The allreduce algorithm that rank c runs on group g (NULL: the world)
 * for a vector of count floats under the message-level model: fixed when
 * the group was created (the world's, when the world was). */
const dsgd_component *dsgd_sim_allreduce_choice(dsgd_comm *c, dsgd_group *g, size_t count);

/* Does the flow model price exactly (as message level would) the
 * collectives of ranks on hosts[0..n-1] under net: the allreduce
 * algorithms --allreduce `allreduce` uses (auto: the automatic choice's,
 * for small and large vectors) and the ring allgather?  Returns 1 if so,
 * 0 if not (why says which and why), -1 if it cannot price them at all
 * (why: e.g. no route between two hosts).  Call after loading the
 * platform. */
int dsgd_sim_flow_exact(const sg_host_t *hosts, int n, const char *allreduce,
                        const dsgd_sim_network *net, char *why, size_t whylen);
/* The same for one collective: an allreduce algorithm's name (not auto)
 * or "allgather" (the ring allgather, bytes per rank) of `bytes`. */
int dsgd_sim_flow_exact_case(const sg_host_t *hosts, int n, const char *collective, double bytes,
                             const dsgd_sim_network *net, char *why, size_t whylen);

/* The per-rank traces (n of them) after a launch with opt->trace set;
 * virtual ranks' stay empty. */
const dsgd_trace *dsgd_sim_traces(const dsgd_sim_world *w);
/* Ranks run by actors: 0..K-1 (n unless in symmetry mode). */
int dsgd_sim_simulated_ranks(const dsgd_sim_world *w);

#endif
