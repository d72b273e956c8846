/* bits.c — see bits.h. */
#include "sim/bits.h"

#include <stdlib.h>

int sim_bits_init(sim_bits *b, int n)
{
    size_t words = ((size_t)n + 63) / 64, sums = (words + 63) / 64;
    *b = (sim_bits){calloc(words ? words : 1, sizeof *b->word), calloc(sums ? sums : 1, sizeof *b->sum), n};
    if (b->word && b->sum)
        return 0;
    sim_bits_free(b);
    return -1;
}

void sim_bits_free(sim_bits *b)
{
    free(b->word);
    free(b->sum);
    *b = (sim_bits){0};
}

void sim_bits_set(sim_bits *b, int i)
{
    int w = i >> 6;
    b->word[w] |= UINT64_C(1) << (i & 63);
    b->sum[w >> 6] |= UINT64_C(1) << (w & 63);
}

void sim_bits_clear(sim_bits *b, int i)
{
    int w = i >> 6;
    if ((b->word[w] &= ~(UINT64_C(1) << (i & 63))) == 0)
        b->sum[w >> 6] &= ~(UINT64_C(1) << (w & 63));
}

int sim_bits_first(const sim_bits *b, int lo, int hi)
{
    if (hi > b->n)
        hi = b->n;
    if (lo < 0)
        lo = 0;
    if (lo >= hi)
        return -1;
    int w = lo >> 6, last = (hi - 1) >> 6;
    uint64_t x = b->word[w] & (~UINT64_C(0) << (lo & 63));
    while (!x) {
        /* the next word that has a bit, from the summary */
        if (++w > last)
            return -1;
        int s = w >> 6;
        uint64_t y = b->sum[s] & (~UINT64_C(0) << (w & 63));
        while (!y) {
            if ((++s << 6) > last)
                return -1;
            y = b->sum[s];
        }
        w = (s << 6) + __builtin_ctzll(y);
        if (w > last)
            return -1;
        x = b->word[w];
    }
    int i = (w << 6) + __builtin_ctzll(x);
    return i < hi ? i : -1;
}
