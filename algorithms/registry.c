/* registry.c — what every variant's registration shares: its role table
 * and the names of the roles.  The table of variants itself is generated
 * from algorithms/variants.list into each program (algo.h). */
#include "algorithms/algo.h"

int dsgd_algo_roles(const dsgd_algo *algo, const dsgd_config *cfg, int size,
                    const int *node_of_rank, dsgd_role *role_of_rank, char *err, size_t errlen)
{
    if (algo->roles)
        return algo->roles(cfg, size, node_of_rank, role_of_rank, err, errlen);
    for (int r = 0; r < size; r++)
        role_of_rank[r] = DSGD_ROLE_WORKER;
    return 0;
}

const char *dsgd_role_name(dsgd_role role)
{
    switch (role) {
    case DSGD_ROLE_WORKER: return "worker";
    case DSGD_ROLE_SERVER: return "server";
    case DSGD_ROLE_COMMUNICATOR: return "communicator";
    }
    return "?";
}
