/* backend.c — the comm.h ops table on SimGrid, the world of ranks, and the
 * launcher that runs a node program on every rank. */
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/exec.h>
#include <simgrid/host.h>
#include <simgrid/zone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/config.h>
#include <xbt/dict.h>
#include <xbt/dynar.h>

#include "sim/faults.h"
#include "sim/sim_internal.h"

/* dsgd's log categories (sim_internal.h lists them): the parent, this
 * file's, and match.c's. */
XBT_LOG_NEW_CATEGORY(dsgd, "dsgd: the SimGrid backend of distributed SGD");
XBT_LOG_NEW_DEFAULT_SUBCATEGORY(dsgd_backend, dsgd, "dsgd's world: placement, failures");
XBT_LOG_NEW_SUBCATEGORY(dsgd_match, dsgd, "dsgd's user point-to-point: matching, failure notices");
XBT_LOG_EXTERNAL_CATEGORY(dsgd_faults);

/* ---- identity ------------------------------------------------------------ */

static double sim_now(dsgd_comm *c)
{
    (void)c;
    return simgrid_get_clock();
}

static int sim_node_of(dsgd_comm *c, int rank) { return sim_self(c)->world->node[rank]; }

static int sim_failed(dsgd_comm *c, int rank) { return sim_self(c)->world->dead[rank]; }
static int sim_failures(dsgd_comm *c) { return sim_self(c)->world->n_dead; }

/* ---- groups and collectives --------------------------------------------- */

/* A group's impl is its collective plan (sim_internal.h), made here once:
 * the tag and the allreduce algorithms its collectives will use. */
static int sim_op_group_create(dsgd_comm *c, dsgd_group *g)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_coll_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return DSGD_ENOMEM;
    g->impl = plan;
    if (g->view && w->view_ranks == g->ranks && w->view_n == g->n) { /* (a list of the run's) */
        *plan = w->view_plan;
        return DSGD_OK;
    }
    /* The group's tag is a hash of its member list: every member computes
     * the same one without talking to the others. */
    unsigned long h = 1469598103934665603UL;
    for (int i = 0; i < g->n; i++)
        h = (h ^ (unsigned long)g->ranks[i]) * 1099511628211UL;
    sim_members m = {g->n, g->my_index, SIM_TAG_COLLECTIVE_BASE + 1 + (long)(h % (1UL << 40)),
                     g->ranks};
    sim_coll_plan_init(plan, w, &m);
    if (g->view) {
        w->view_ranks = g->ranks;
        w->view_n = g->n;
        w->view_plan = *plan;
    }
    return DSGD_OK;
}

static void sim_op_group_free(dsgd_comm *c, dsgd_group *g)
{
    (void)c;
    free(g->impl);
    g->impl = NULL;
}

/* ---- cost charges -------------------------------------------------------- */

/* Runs `seconds` of full-speed work on r's host, stretched by the --slow
 * factor in force, piece by piece across the windows' edges. */
static void execute(sim_rank *r, double seconds)
{
    double speed = sg_host_get_speed(r->host);
    while (seconds > 1e-12) {
        double now = simgrid_get_clock(), next;
        double factor = dsgd_sim_slowdown(r->world->opt.faults, r->comm.rank, now, &next);
        double span = fmin(seconds * factor, next - now); /* wall time of this piece */
        if (factor == 1.0) {
            sg_actor_execute(span * speed);
        } else {
            sg_exec_t exec = sg_actor_exec_init(span * speed / factor);
            sg_exec_set_bound(exec, speed / factor);
            sg_exec_start(exec);
            sg_exec_wait(exec);
        }
        seconds -= span / factor;
    }
}

static int sim_op_compute(dsgd_comm *c, const char *name, const dsgd_work *work, double t_start)
{
    (void)name, (void)t_start;
    sim_rank *r = sim_self(c);
    double seconds =
        dsgd_cost_compute_seconds(&r->world->opt.cost, work, sg_host_get_speed(r->host));
    execute(r, seconds * dsgd_sim_jitter_factor(&r->world->opt.jitter, &r->jitter_rng));
    return DSGD_OK;
}

static int sim_op_io(dsgd_comm *c, const char *name, double bytes, double t_start)
{
    (void)name, (void)t_start;
    const dsgd_cost_profile *cost = &sim_self(c)->world->opt.cost;
    if (bytes > 0)
        sg_actor_sleep_for(dsgd_cost_io_seconds(cost, bytes));
    return DSGD_OK;
}

static int sim_op_memory(dsgd_comm *c, const char *name, double bytes, double t_start)
{
    (void)name, (void)t_start;
    if (bytes > 0)
        sg_actor_sleep_for(sim_self(c)->world->opt.cost.mem_overhead_s +
                           bytes / sim_self(c)->mem_bw_Bps);
    return DSGD_OK;
}

static int sim_control_swap(dsgd_comm *c, long expect, long value, long *old)
{
    long *cell = &sim_self(c)->world->control;
    *old = *cell;
    if (*cell == expect)
        *cell = value;
    return DSGD_OK;
}

static int sim_tally(dsgd_comm *c, long add, long *total)
{
    *total = sim_self(c)->world->tally += add;
    return DSGD_OK;
}

static struct dsgd_shared **sim_shared(dsgd_comm *c) { return &sim_self(c)->world->shared; }

static const dsgd_comm_ops sim_ops = {
    .backend_name = "sim",
    .now = sim_now,
    .node_of = sim_node_of,
    .send = sim_user_send,
    .recv = sim_user_recv,
    .isend = sim_user_isend,
    .irecv = sim_user_irecv,
    .cancel = sim_user_cancel,
    .forget = sim_user_forget,
    .wait = sim_user_wait,
    .test = sim_user_test,
    .waitany = sim_user_waitany,
    .set_open = sim_user_set_open,
    .set_join = sim_user_set_join,
    .set_wait = sim_user_set_wait,
    .set_close = sim_user_set_close,
    .probe = sim_user_probe,
    .failed = sim_failed,
    .failures = sim_failures,
    .group_create = sim_op_group_create,
    .group_free = sim_op_group_free,
    .allreduce = sim_allreduce,
    .iallreduce = sim_user_iallreduce,
    .reduce = sim_tree_reduce,
    .bcast = sim_tree_bcast,
    .allgather = sim_ring_allgather,
    .barrier = sim_barrier,
    .compute = sim_op_compute,
    .io = sim_op_io,
    .control_swap = sim_control_swap,
    .tally = sim_tally,
    .memory = sim_op_memory,
    .shared = sim_shared,
};

/* ---- world, hosts, launch ------------------------------------------------ */

/* Natural order: digit runs compare as numbers (node-2 < node-10). */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
        } else if (*a != *b) {
            return (unsigned char)*a - (unsigned char)*b;
        } else {
            a++, b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int host_order(const void *x, const void *y)
{
    return natural_cmp(sg_host_get_name(*(const sg_host_t *)x),
                       sg_host_get_name(*(const sg_host_t *)y));
}

sg_host_t *dsgd_sim_hosts(size_t *count)
{
    *count = sg_host_count();
    sg_host_t *all = *count ? sg_host_list() : NULL; /* (it aborts on none) */
    if (all)
        qsort(all, *count, sizeof *all, host_order);
    return all;
}

/* Ranks that share a machine, found through a dictionary keyed by the
 * machine: 'N' and a "node" property, or 'H' and a host name. */
static void machine_key(sg_host_t h, char *key, size_t keylen)
{
    const char *node = sg_host_get_property_value(h, "node");
    snprintf(key, keylen, "%c%s", node ? 'N' : 'H', node ? node : sg_host_get_name(h));
}

int dsgd_sim_number_nodes(const sg_host_t *hosts, int n, int *node)
{
    xbt_dict_t seen = xbt_dict_new_homogeneous(NULL); /* key -> node + 1 */
    int count = 0;
    for (int i = 0; i < n; i++) {
        char key[300];
        machine_key(hosts[i], key, sizeof key);
        intptr_t known = (intptr_t)xbt_dict_get_or_null(seen, key);
        if (!known)
            xbt_dict_set(seen, key, (void *)(intptr_t)(known = ++count));
        node[i] = (int)known - 1;
    }
    xbt_dict_free(&seen);
    return count;
}

/* How many of hosts[0..n-1] each host is (ranks on it), by host name;
 * free with xbt_dict_free. */
static xbt_dict_t tally_hosts(const sg_host_t *hosts, int n)
{
    xbt_dict_t tally = xbt_dict_new_homogeneous(NULL);
    for (int i = 0; i < n; i++) {
        const char *name = sg_host_get_name(hosts[i]);
        xbt_dict_set(tally, name, (void *)((intptr_t)xbt_dict_get_or_null(tally, name) + 1));
    }
    return tally;
}

/* sharing[i]: how many ranks hosts[i] holds. */
static void count_sharing(const sg_host_t *hosts, int n, int *sharing)
{
    xbt_dict_t tally = tally_hosts(hosts, n);
    for (int i = 0; i < n; i++)
        sharing[i] = (int)(intptr_t)xbt_dict_get_or_null(tally, sg_host_get_name(hosts[i]));
    xbt_dict_free(&tally);
}

int dsgd_sim_hosts_used(const sg_host_t *hosts, int n)
{
    xbt_dict_t tally = tally_hosts(hosts, n);
    int count = (int)xbt_dict_length(tally);
    xbt_dict_free(&tally);
    return count;
}

static int is_cpu_host(sg_host_t h)
{
    const char *kind = sg_host_get_property_value(h, "kind");
    return kind && strcmp(kind, "cpu") == 0;
}

size_t dsgd_sim_worker_hosts(const sg_host_t *hosts, size_t n_hosts)
{
    size_t count = 0;
    for (size_t i = 0; i < n_hosts; i++)
        count += !is_cpu_host(hosts[i]);
    return count;
}

int dsgd_sim_parse_ranks_per_host(const char *text, int *per_host, char *err, size_t errlen)
{
    char *end;
    long v = strcmp(text, "cores") == 0 ? 0 : strtol(text, &end, 10);
    if (strcmp(text, "cores") != 0 && (end == text || *end || v < 1 || v > 1 << 20)) {
        snprintf(err, errlen, "--ranks-per-host: bad value '%s' (want cores or a number >= 1)",
                 text);
        return -1;
    }
    *per_host = (int)v;
    return 0;
}

int dsgd_sim_host_slots(sg_host_t h, int per_host)
{
    return per_host > 0 ? per_host : sg_host_core_count(h);
}

long dsgd_sim_slots(const sg_host_t *hosts, size_t n_hosts, int per_host, long *worker_slots)
{
    long all = 0, workers = 0;
    for (size_t h = 0; h < n_hosts; h++) {
        int slots = dsgd_sim_host_slots(hosts[h], per_host);
        all += slots;
        workers += is_cpu_host(hosts[h]) ? 0 : slots;
    }
    if (worker_slots)
        *worker_slots = workers;
    return all;
}

/* Why n ranks do not fit, in one line: hosts, room, cores. */
static void misfit(const sg_host_t *hosts, size_t n_hosts, int n, int per_host, char *err,
                   size_t errlen)
{
    long worker_room, room = dsgd_sim_slots(hosts, n_hosts, per_host, &worker_room);
    long cores = dsgd_sim_slots(hosts, n_hosts, 0, NULL);
    char setting[16] = "cores";
    if (per_host > 0)
        snprintf(setting, sizeof setting, "%d", per_host);
    snprintf(err, errlen,
             "%d ranks do not fit: the platform has %zu hosts, %zu of them for workers, %ld cores "
             "in all; with --ranks-per-host %s they take %ld ranks, %ld of them workers",
             n, n_hosts, dsgd_sim_worker_hosts(hosts, n_hosts), cores, setting, room, worker_room);
}

/* The machine a host belongs to: its "node" property, else itself. */
static const char *machine_of(sg_host_t h)
{
    const char *node = sg_host_get_property_value(h, "node");
    return node ? node : sg_host_get_name(h);
}

/* What placing ranks on hosts[] needs, looked up once (property lookups
 * per rank and host made placing 27,648 ranks on Summit-sized platforms
 * take minutes): each host's room left, whether it is a cpu host, its
 * machine; the hosts of each machine in host order; and a cursor per
 * (machine or all, class) that only moves forward, since a host never
 * regains room and never changes class.  Classes: 0 either, 1 not cpu,
 * 2 cpu (cpu + 1 for cpu -1, 0, 1). */
typedef struct placing {
    size_t n_hosts;
    int *room;
    unsigned char *cpu;
    int *machine;        /* index, in the order of each machine's first host */
    size_t *by_machine;  /* host indices grouped by machine, host order kept */
    size_t *first_of;    /* machine m's hosts: by_machine[first_of[m] .. first_of[m + 1]) */
    size_t *cursor;      /* [3 * m + class]: a position in by_machine */
    size_t any[3];       /* per class: a position in hosts */
    xbt_dict_t machines; /* machine name -> index + 1 */
} placing;

static void placing_free(placing *pl)
{
    free(pl->room);
    free(pl->cpu);
    free(pl->machine);
    free(pl->by_machine);
    free(pl->first_of);
    free(pl->cursor);
    if (pl->machines)
        xbt_dict_free(&pl->machines);
}

/* The ranks each host can still take (dsgd_sim_host_slots) and the rest;
 * -1 with a reason when out of memory. */
static int placing_init(placing *pl, const sg_host_t *hosts, size_t n_hosts, int n, int per_host,
                        char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    size_t count = n_hosts ? n_hosts : 1;
    pl->n_hosts = n_hosts;
    pl->room = malloc(sizeof *pl->room * count);
    pl->cpu = malloc(count);
    pl->machine = malloc(sizeof *pl->machine * count);
    pl->by_machine = malloc(sizeof *pl->by_machine * count);
    pl->first_of = calloc(count + 1, sizeof *pl->first_of);
    pl->machines = xbt_dict_new_homogeneous(NULL);
    if (!pl->room || !pl->cpu || !pl->machine || !pl->by_machine || !pl->first_of) {
        placing_free(pl);
        snprintf(err, errlen, "out of memory placing %d ranks", n);
        return -1;
    }
    int machines = 0;
    for (size_t h = 0; h < n_hosts; h++) {
        pl->room[h] = dsgd_sim_host_slots(hosts[h], per_host);
        pl->cpu[h] = (unsigned char)is_cpu_host(hosts[h]);
        const char *name = machine_of(hosts[h]);
        intptr_t m = (intptr_t)xbt_dict_get_or_null(pl->machines, name);
        if (!m)
            xbt_dict_set(pl->machines, name, (void *)(m = ++machines));
        pl->machine[h] = (int)m - 1;
        pl->first_of[m]++; /* counts, shifted by one */
    }
    for (int m = 0; m < machines; m++)
        pl->first_of[m + 1] += pl->first_of[m];
    pl->cursor = malloc(sizeof *pl->cursor * 3 * (size_t)(machines ? machines : 1));
    size_t *fill = calloc((size_t)machines + 1, sizeof *fill);
    if (!pl->cursor || !fill) {
        free(fill);
        placing_free(pl);
        snprintf(err, errlen, "out of memory placing %d ranks", n);
        return -1;
    }
    for (size_t h = 0; h < n_hosts; h++) {
        int m = pl->machine[h];
        pl->by_machine[pl->first_of[m] + fill[m]++] = h;
    }
    for (int m = 0; m < machines; m++)
        for (int c = 0; c < 3; c++)
            pl->cursor[3 * m + c] = pl->first_of[m];
    free(fill);
    return 0;
}

static int fits(const placing *pl, size_t h, int cpu)
{
    return pl->room[h] > 0 && (cpu < 0 || pl->cpu[h] == cpu);
}

/* The first host (in host order) with room left that is a cpu host (cpu
 * 1), not one (cpu 0), or either (cpu -1), on machine m (-1: any);
 * n_hosts if none. */
static size_t host_with_room(placing *pl, int cpu, int m)
{
    if (m < 0) {
        size_t *k = &pl->any[cpu + 1];
        while (*k < pl->n_hosts && !fits(pl, *k, cpu))
            ++*k;
        return *k;
    }
    size_t *k = &pl->cursor[3 * m + cpu + 1], end = pl->first_of[m + 1];
    while (*k < end && !fits(pl, pl->by_machine[*k], cpu))
        ++*k;
    return *k < end ? pl->by_machine[*k] : pl->n_hosts;
}

/* host_with_room, preferring the machine of `near` (NULL: any). */
static size_t host_with_room_near(placing *pl, int cpu, sg_host_t near)
{
    intptr_t m = near ? (intptr_t)xbt_dict_get_or_null(pl->machines, machine_of(near)) : 0;
    size_t h = m ? host_with_room(pl, cpu, (int)m - 1) : pl->n_hosts;
    return h < pl->n_hosts ? h : host_with_room(pl, cpu, -1);
}

int dsgd_sim_place(const sg_host_t *hosts, size_t n_hosts, int n, const int *is_worker,
                   const sg_host_t *near, int per_host, sg_host_t *placed, char *err, size_t errlen)
{
    placing pl;
    if (placing_init(&pl, hosts, n_hosts, n, per_host, err, errlen) != 0)
        return -1;
    /* Workers first, on non-cpu hosts; then the other roles, on cpu hosts
     * and, failing those, on whatever is left.  A host fills up before
     * the next one is used: consecutive ranks share it.  Without cpu
     * hosts, every rank in rank order (one pass): the roles, computed on
     * that order, keep the machines they were given. */
    int by_role = is_worker && dsgd_sim_worker_hosts(hosts, n_hosts) < n_hosts;
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++)
        for (int r = 0; r < n && rc == 0; r++) {
            int worker = !by_role || is_worker[r];
            if (worker != (pass == 0))
                continue;
            sg_host_t home = near && by_role ? near[r] : NULL;
            size_t pick = host_with_room_near(&pl, !worker, home);
            if (!worker && pick == n_hosts)
                pick = host_with_room_near(&pl, -1, home);
            if (pick == n_hosts) {
                misfit(hosts, n_hosts, n, per_host, err, errlen);
                rc = -1;
            } else {
                pl.room[pick]--;
                placed[r] = hosts[pick];
            }
        }
    placing_free(&pl);
    return rc;
}

int dsgd_sim_place_by_machine(const sg_host_t *hosts, size_t n_hosts, int n, int per_host,
                              sg_host_t *placed, char *err, size_t errlen)
{
    placing pl;
    if (placing_init(&pl, hosts, n_hosts, n, per_host, err, errlen) != 0)
        return -1;
    int r = 0;
    /* machines in the order of their first host; in each, accelerators
     * (and plain hosts) first, then its cpu hosts */
    int machines = (int)xbt_dict_length(pl.machines);
    for (int m = 0; m < machines && r < n; m++)
        for (int cpu = 0; cpu < 2; cpu++)
            for (size_t k = pl.first_of[m]; k < pl.first_of[m + 1]; k++) {
                size_t h = pl.by_machine[k];
                while (r < n && pl.room[h] > 0 && pl.cpu[h] == cpu) {
                    pl.room[h]--;
                    placed[r++] = hosts[h];
                }
            }
    placing_free(&pl);
    if (r < n)
        misfit(hosts, n_hosts, n, per_host, err, errlen);
    return r < n ? -1 : 0;
}

/* ---- host properties ----------------------------------------------------- */

/* A bandwidth as SimGrid writes them: a number and a unit, Bps (bytes/s)
 * or bps (bits/s), with an SI (k, M, G, T) or binary (Ki, Mi, Gi, Ti)
 * prefix; a bare number is bytes/s.  Returns 0, or -1 if it is not one. */
static int parse_bandwidth(const char *text, double *Bps)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {{"", 1},
                 {"Bps", 1},
                 {"kBps", 1e3},
                 {"KBps", 1e3},
                 {"MBps", 1e6},
                 {"GBps", 1e9},
                 {"TBps", 1e12},
                 {"KiBps", 1024.0},
                 {"MiBps", 1 << 20},
                 {"GiBps", 1 << 30},
                 {"TiBps", 0x1p40},
                 {"bps", 0.125},
                 {"kbps", 125.0},
                 {"Mbps", 125e3},
                 {"Gbps", 125e6},
                 {"Tbps", 125e9}};
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v > 0) || !isfinite(v))
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            *Bps = v * units[i].scale;
            return 0;
        }
    return -1;
}

/* Properties a zone gives its hosts that do not set them (a <prop> inside
 * a <cluster> describes every host of it). */
static const char *const inherited[] = {"mem_bw"};

static void inherit(sg_netzone_t zone)
{
    xbt_dict_t sons = xbt_dict_new_homogeneous(NULL);
    sg_zone_get_sons(zone, sons);
    xbt_dict_cursor_t cursor = NULL;
    char *name;
    void *son;
    xbt_dict_foreach(sons, cursor, name, son) inherit(son); /* the innermost zone first */
    xbt_dict_free(&sons);
    xbt_dynar_t hosts = xbt_dynar_new(sizeof(sg_host_t), NULL);
    sg_zone_get_hosts(zone, hosts);
    for (size_t k = 0; k < sizeof inherited / sizeof inherited[0]; k++) {
        const char *value = sg_zone_get_property_value(zone, inherited[k]);
        unsigned i;
        sg_host_t h;
        xbt_dynar_foreach(hosts, i, h) if (value && !sg_host_get_property_value(h, inherited[k]))
            sg_host_set_property_value(h, inherited[k], value);
    }
    xbt_dynar_free(&hosts);
}

void dsgd_sim_inherit_properties(void) { inherit(sg_zone_get_root()); }

int dsgd_sim_check_hosts(const sg_host_t *hosts, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        const char *text = sg_host_get_property_value(hosts[i], "mem_bw");
        double bw;
        if (!sg_host_is_on(hosts[i])) { /* SimGrid aborts starting an actor there */
            snprintf(err, errlen,
                     "host %s (rank %d's) is off at time 0 (its state profile): no rank can "
                     "start there",
                     sg_host_get_name(hosts[i]), i);
            return -1;
        }
        if (text && parse_bandwidth(text, &bw) != 0) {
            snprintf(err, errlen, "host %s: mem_bw '%s' is not a bandwidth (e.g. 900GBps)",
                     sg_host_get_name(hosts[i]), text);
            return -1;
        }
    }
    return 0;
}

/* Memory-bound work on a host: its mem_bw, else the cost profile's. */
static double host_mem_bw(sg_host_t h, const dsgd_cost_profile *cost)
{
    const char *text = sg_host_get_property_value(h, "mem_bw");
    double bw;
    return text && parse_bandwidth(text, &bw) == 0 ? bw : cost->mem_bw_Bps;
}

#define SIMGRID_TCP_GAMMA 4194304.0 /* network/TCP-gamma's default */

/* The models whose arithmetic fluid.c replays: CM02 and its TCP-tuned
 * variant LV08 (constant factors).  SMPI and IB scale each message by a
 * factor that depends on its size (smpi/bw-factor, smpi/lat-factor) and
 * IB adds per-host penalties; the others are not max-min models. */
int dsgd_sim_network_read(const char *model, dsgd_sim_network *net, char *why, size_t whylen)
{
    net->latency_factor = sg_cfg_get_double("network/latency-factor");
    net->bandwidth_factor = sg_cfg_get_double("network/bandwidth-factor");
    net->weight_S = sg_cfg_get_double("network/weight-S");
    net->tcp_gamma = sg_cfg_get_double("network/TCP-gamma");
    net->crosstraffic = sg_cfg_get_boolean("network/crosstraffic");
    if (!model)
        model = "LV08";
    if (strcmp(model, "CM02") == 0 || strcmp(model, "LV08") == 0)
        return 0;
    if (strcmp(model, "SMPI") == 0 || strcmp(model, "IB") == 0)
        snprintf(why, whylen,
                 "network/model:%s scales each message by a factor of its size "
                 "(smpi/bw-factor, smpi/lat-factor)%s; the flow model replays CM02 and LV08 only",
                 model, strcmp(model, "IB") == 0 ? " and by the load of its hosts" : "");
    else
        snprintf(why, whylen,
                 "network/model:%s is not a max-min model the flow model can replay (CM02, "
                 "LV08)",
                 model);
    return -1;
}

/* The quoted value of attribute attr (`id`, `value`) in the tag text, or
 * 0 when it has none. */
static int tag_attribute(const char *tag, const char *attr, char *value, size_t len)
{
    size_t alen = strlen(attr);
    for (const char *p = strstr(tag, attr); p; p = strstr(p + 1, attr)) {
        if (p > tag && !strchr(" \t\n", p[-1]))
            continue;
        const char *q = p + alen;
        while (*q == ' ')
            q++;
        if (*q++ != '=')
            continue;
        while (*q == ' ')
            q++;
        char quote = *q;
        const char *end = (quote == '"' || quote == '\'') ? strchr(q + 1, quote) : NULL;
        if (!end || (size_t)(end - q - 1) >= len)
            return 0;
        memcpy(value, q + 1, (size_t)(end - q - 1));
        value[end - q - 1] = '\0';
        return 1;
    }
    return 0;
}

int dsgd_sim_platform_config(const char *platform, const char *key, char *value, size_t len)
{
    FILE *f = fopen(platform, "r");
    if (!f)
        return 0;
    /* <config> comes first in a platform (DTD 4.1): stop at the first
     * resource.  One tag per line, as platform files are written. */
    char line[1024], id[256];
    int in_config = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strstr(line, "<zone") || strstr(line, "<cluster") || strstr(line, "<host"))
            break;
        if (strstr(line, "<config"))
            in_config = 1;
        const char *prop = strstr(line, "<prop");
        if (in_config && prop && tag_attribute(prop, "id", id, sizeof id) && strcmp(id, key) == 0)
            found = tag_attribute(prop, "value", value, len);
        if (strstr(line, "</config>"))
            in_config = 0;
    }
    fclose(f);
    return found;
}

dsgd_sim_world *dsgd_sim_world_create(int n, const sg_host_t *hosts, const dsgd_sim_options *opt)
{
    const sim_allreduce_algo *allreduce = sim_allreduce_named(opt->allreduce);
    dsgd_sim_world *w = allreduce ? calloc(1, sizeof *w) : NULL;
    if (!w || !(w->ranks = calloc((size_t)n, sizeof *w->ranks)) ||
        !(w->traces = calloc((size_t)n, sizeof *w->traces)) ||
        !(w->node = calloc((size_t)n, sizeof *w->node)) || !(w->dead = calloc((size_t)n, 1)) ||
        !(w->dead_list = calloc((size_t)n, sizeof *w->dead_list))) {
        if (w) {
            free(w->ranks);
            free(w->traces);
            free(w->node);
            free(w->dead);
        }
        free(w);
        return NULL;
    }
    w->n = n;
    w->n_simulated = opt->simulated > 0 && opt->simulated < n ? opt->simulated : n;
    if (!(w->lead = calloc((size_t)w->n_simulated + 1, sizeof *w->lead))) {
        dsgd_sim_world_destroy(w);
        return NULL;
    }
    w->opt = *opt;
    w->allreduce = allreduce;
    if (w->opt.network.latency_factor <= 0) /* options left at zero: plain CM02 */
        w->opt.network.latency_factor = 1;
    if (w->opt.network.bandwidth_factor <= 0)
        w->opt.network.bandwidth_factor = 1;
    if (w->opt.network.tcp_gamma <= 0)
        w->opt.network.tcp_gamma = SIMGRID_TCP_GAMMA;
    /* Ranks on one host split its memory bandwidth evenly (README,
     * "Multi-core hosts"): exact when they all stream at once, as the
     * workers of a synchronous variant do. */
    int *sharing = malloc(sizeof *sharing * (size_t)(n > 0 ? n : 1));
    if (!sharing) {
        dsgd_sim_world_destroy(w);
        return NULL;
    }
    count_sharing(hosts, n, sharing);
    for (int i = 0; i < n; i++) {
        sim_rank *r = &w->ranks[i];
        r->comm.ops = &sim_ops;
        r->comm.rank = i;
        r->comm.size = n;
        r->comm.iter = -1;
        r->comm.trace = opt->trace ? &w->traces[i] : NULL;
        r->world = w;
        r->host = hosts[i];
        r->mem_bw_Bps = host_mem_bw(hosts[i], &w->opt.cost) / sharing[i];
        dsgd_rng_seed2(&r->jitter_rng, opt->seed, 0x6a177e5 + (uint64_t)i);
        dsgd_rng_seed2(&r->wake_rng, opt->seed, 0x3a4e5000000 + (uint64_t)i);
    }
    free(sharing);
    w->n_nodes = dsgd_sim_number_nodes(hosts, n, w->node);
    if (n > 0)
        XBT_VERB("%d ranks on %d nodes of the platform's %zu hosts (rank 0 on %s, rank %d on %s); "
                 "%s-level collectives",
                 n, w->n_nodes, sg_host_count(), sg_host_get_name(hosts[0]), n - 1,
                 sg_host_get_name(hosts[n - 1]),
                 opt->coll_model == DSGD_SIM_COLL_FLOW ? "flow" : "message");
    for (int i = 0; i < n && XBT_LOG_ISENABLED(dsgd_backend, xbt_log_priority_debug); i++)
        XBT_DEBUG("rank %d on host %s, node %d", i, sg_host_get_name(hosts[i]), w->node[i]);
    sim_coll_plan_init(&w->plan, w, &(sim_members){n, 0, SIM_TAG_COLLECTIVE_BASE, NULL});
    return w;
}

void dsgd_sim_world_destroy(dsgd_sim_world *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++) {
        dsgd_trace_free(&w->traces[i]);
        dsgd_comm_fini(&w->ranks[i].comm); /* (its request sets know the ports) */
        sim_ports_free(&w->ranks[i]);
        free(w->ranks[i].wait_scratch.p);
        free(w->ranks[i].coll_scratch.p);
    }
    dsgd_shared_free(&w->shared);
    sim_flow_free(w);
    sim_p2p_flow_free(w);
    free(w->traces);
    free(w->node);
    free(w->dead);
    for (int i = 0; w->markers && i < w->n_dead; i++)
        free(w->markers[i]);
    free(w->markers);
    free(w->dead_list);
    free(w->lead);
    free(w->ranks);
    free(w);
}

static void rank_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    sim_rank *r = sg_actor_self_get_data();
    r->result->status = r->program(&r->comm, r->job, r->result);
    if (r->result->status != DSGD_OK && r->world->flow.error[0]) /* the flow model's reason */
        snprintf(r->result->error, sizeof r->result->error, "%s", r->world->flow.error);
    r->result->finished = 1;
}

/* --fail: a daemon actor on a host that stays up kills the victim's actor
 * at the given time and announces the failure (a perfect failure
 * detector: comm.h's "Failures").  The actor is killed rather than its
 * host turned off: messages it already sent stay deliverable (SimGrid 3.32
 * aborts when a receive matches an eager message from a host that is off),
 * and its host stays up to route others' traffic. */
static void failure_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const sim_rank *victim = sg_actor_self_get_data();
    const dsgd_failure *f = NULL;
    for (int i = 0; i < victim->world->opt.faults->n_fail; i++)
        if (victim->world->opt.faults->fail[i].rank == victim->comm.rank)
            f = &victim->world->opt.faults->fail[i];
    sg_actor_sleep_until(f->t);
    if (victim->result->finished)
        return;
    sg_actor_kill(victim->actor);
    sim_announce_failure(victim->world, victim->comm.rank);
    XBT_CVERB(dsgd_faults, "--fail: rank %d on %s killed at %.9f s; failure announced",
              victim->comm.rank, sg_host_get_name(victim->host), simgrid_get_clock());
}

static void start_failures(dsgd_sim_world *w)
{
    const dsgd_sim_faults *faults = w->opt.faults;
    if (!faults || faults->n_fail == 0)
        return;
    int safe = -1; /* a rank's host that never fails, to run the controllers */
    for (int r = 0; r < w->n && safe < 0; r++)
        if (!dsgd_sim_failed_rank(faults, r))
            safe = r;
    sg_host_t where = w->ranks[safe >= 0 ? safe : 0].host;
    for (int i = 0; i < faults->n_fail; i++) {
        sg_actor_t actor = sg_actor_init("failure", where);
        sg_actor_set_data(actor, &w->ranks[faults->fail[i].rank]);
        sg_actor_start(actor, failure_main, 0, NULL);
        sg_actor_daemonize(actor);
    }
}

void dsgd_sim_launch(dsgd_sim_world *w, dsgd_node_program program, const dsgd_job *job,
                     dsgd_result *results)
{
    for (int i = 0; i < w->n_simulated; i++) { /* virtual ranks have no actor */
        sim_rank *r = &w->ranks[i];
        memset(&results[i], 0, sizeof results[i]);
        r->result = &results[i];
        r->job = job;
        r->program = program;
        char name[32];
        snprintf(name, sizeof name, "rank-%d", i);
        sg_actor_t actor = sg_actor_init(name, r->host);
        r->actor = actor;
        sg_actor_set_data(actor, r);
        sg_actor_start(actor, rank_main, 0, NULL);
    }
    start_failures(w);
    simgrid_run();
    /* Ranks that never returned (killed by --fail, or by SimGrid at a
     * stall: it kills the actors left waiting) had their stacks unwound
     * without running their code: release what their programs hold. */
    for (int i = 0; i < w->n_simulated; i++) {
        dsgd_comm *c = &w->ranks[i].comm;
        if (!results[i].finished)
            sim_release_sends(&w->ranks[i]);
        if (!results[i].finished)
            dsgd_comm_abandon(c);
    }
}

const dsgd_trace *dsgd_sim_traces(const dsgd_sim_world *w) { return w->traces; }

int dsgd_sim_simulated_ranks(const dsgd_sim_world *w) { return w->n_simulated; }
