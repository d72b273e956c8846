/* check.h — what the C tests of node programs share: a failed check
 * returns its number from the node program, saying why on stderr; the
 * results of a launch are checked rank by rank. */
#ifndef DSGD_TESTS_CHECK_H
#define DSGD_TESTS_CHECK_H

#include <stdio.h>

#include "algorithms/comm.h"
#include "core/report.h"

/* In a node program with `dsgd_comm *c` in scope. */
#define FAIL(check, ...)                                                                           \
    do {                                                                                           \
        fprintf(stderr, "rank %d: check %d failed: ", dsgd_rank(c), check);                        \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        return check;                                                                              \
    } while (0)

/* 0 if ranks 0..n-1 all finished with status 0; else 1, each other one
 * named on stderr. */
static inline int check_finished(const dsgd_result *res, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!res[i].finished || res[i].status != 0) {
            fprintf(stderr, "rank %d: finished %d status %d\n", i, res[i].finished, res[i].status);
            bad = 1;
        }
    return bad;
}

#endif
