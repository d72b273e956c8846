/* registry.c — maps --algo names to node programs. */
#include <string.h>

#include "algorithms/algo.h"

extern const dsgd_algo dsgd_algo_ssgd;

static const dsgd_algo *const algos[] = {
    &dsgd_algo_ssgd,
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

const dsgd_algo *dsgd_algo_find(const char *name)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        if (strcmp(algos[i]->name, name) == 0)
            return algos[i];
    return NULL;
}

void dsgd_algo_list(FILE *out)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        fprintf(out, "%-10s %s\n%-10s flags: %s\n", algos[i]->name, algos[i]->summary, "",
                algos[i]->flags);
}
