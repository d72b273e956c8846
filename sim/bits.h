/* bits.h — a bit set over [0, n) that finds its first set bit in a range
 * in O(n / 4096) word reads: one bit per 64-bit word of the set says
 * whether that word has any (a request set's ready and live slots,
 * match.c). */
#ifndef DSGD_SIM_BITS_H
#define DSGD_SIM_BITS_H

#include <stdint.h>

typedef struct sim_bits {
    uint64_t *word; /* [ceil(n / 64)] */
    uint64_t *sum;  /* [ceil(n / 4096)]: bit w says word[w] != 0 */
    int n;
} sim_bits;

int sim_bits_init(sim_bits *b, int n); /* all clear; nonzero: out of memory */
void sim_bits_free(sim_bits *b);
void sim_bits_set(sim_bits *b, int i);
void sim_bits_clear(sim_bits *b, int i);
/* The first set bit in [lo, hi), or -1. */
int sim_bits_first(const sim_bits *b, int lo, int hi);

#endif
