/* registry.c — maps --algo names to node programs. */
#include <string.h>

#include "algorithms/algo.h"

extern const dsgd_algo dsgd_algo_ssgd, dsgd_algo_ssgd_ps, dsgd_algo_asgd, dsgd_algo_lsgd,
    dsgd_algo_odsgd, dsgd_algo_leader, dsgd_algo_easgd, dsgd_algo_lasgd, dsgd_algo_gossip,
    dsgd_algo_localsgd;

static const dsgd_algo *const algos[] = {
    &dsgd_algo_ssgd,   &dsgd_algo_ssgd_ps, &dsgd_algo_asgd,  &dsgd_algo_lsgd,   &dsgd_algo_odsgd,
    &dsgd_algo_leader, &dsgd_algo_easgd,   &dsgd_algo_lasgd, &dsgd_algo_gossip, &dsgd_algo_localsgd,
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

const dsgd_algo *dsgd_algo_find(const char *name)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        if (strcmp(algos[i]->name, name) == 0)
            return algos[i];
    return NULL;
}

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

void dsgd_algo_list(FILE *out)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        fprintf(out, "%-10s %s\n%-10s flags: %s\n", algos[i]->name, algos[i]->summary, "",
                algos[i]->flags);
}
