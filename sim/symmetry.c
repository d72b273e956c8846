/* symmetry.c — are the placed ranks interchangeable machine by machine?
 *
 * Symmetry mode (sim.h, dsgd_sim_options.simulated) runs the ranks of the
 * first machine only and lets every other machine mirror it.  That is
 * exact for what the ranks do on their own hosts only when every machine
 * is a copy of the first: the same number of ranks, in the same order
 * (rank r on machine r / K), on hosts of the same speed, cores, memory
 * bandwidth and kind, each host holding as many ranks.  The network is
 * not required to look the same from every machine: the flow model prices
 * each collective over every member's own routes. */
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* A host property as text, "" when unset. */
static const char *property(sg_host_t h, const char *name)
{
    const char *v = sg_host_get_property_value(h, name);
    return v ? v : "";
}

/* Does host b differ from host a in what a rank's compute and memory
 * charges read?  Names the first difference in why. */
static int differs(sg_host_t a, sg_host_t b, char *why, size_t len)
{
    static const char *const props[] = {"mem_bw", "kind"};
    if (sg_host_get_speed(a) != sg_host_get_speed(b)) {
        snprintf(why, len, "hosts differ: %s computes at %g flop/s, %s at %g", sg_host_get_name(a),
                 sg_host_get_speed(a), sg_host_get_name(b), sg_host_get_speed(b));
        return 1;
    }
    if (sg_host_core_count(a) != sg_host_core_count(b)) {
        snprintf(why, len, "hosts differ: %s has %d cores, %s %d", sg_host_get_name(a),
                 sg_host_core_count(a), sg_host_get_name(b), sg_host_core_count(b));
        return 1;
    }
    for (size_t k = 0; k < sizeof props / sizeof props[0]; k++)
        if (strcmp(property(a, props[k]), property(b, props[k])) != 0) {
            snprintf(why, len, "hosts differ: %s has %s '%s', %s '%s'", sg_host_get_name(a),
                     props[k], property(a, props[k]), sg_host_get_name(b), property(b, props[k]));
            return 1;
        }
    return 0;
}

int dsgd_sim_symmetry_classes(const sg_host_t *hosts, int n, int *simulated, char *why, size_t len)
{
    int *node = malloc(sizeof *node * (size_t)(n > 0 ? n : 1));
    if (!node) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    dsgd_sim_number_nodes(hosts, n, node);
    int k = 0; /* ranks on the first machine */
    while (k < n && node[k] == 0)
        k++;
    int rc = 0;
    if (k == n) {
        snprintf(why, len, "the %d ranks share one machine: there is no other to mirror it", n);
        rc = -1;
    } else if (n % k != 0) {
        snprintf(why, len, "%d ranks do not fill machines of %d ranks each (the first one's)", n,
                 k);
        rc = -1;
    }
    for (int r = 0; rc == 0 && r < n; r++)
        if (node[r] != r / k) {
            snprintf(why, len,
                     "rank %d is on machine %d, not %d: machines do not hold %d consecutive ranks "
                     "each",
                     r, node[r], r / k, k);
            rc = -1;
        } else if (r >= k && r % k != 0 &&
                   (hosts[r] == hosts[r - 1]) != (hosts[r % k] == hosts[r % k - 1])) {
            snprintf(why, len, "rank %d shares its host unlike rank %d of the first machine", r,
                     r % k);
            rc = -1;
        } else if (differs(hosts[r % k], hosts[r], why, len)) {
            rc = -1;
        }
    free(node);
    if (rc == 0)
        *simulated = k;
    return rc;
}
