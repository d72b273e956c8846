/* rng.c — xoshiro256** with splitmix64 seeding. */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void dsgd_rng_seed(dsgd_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

void dsgd_rng_seed2(dsgd_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t mix = seed;
    uint64_t a = splitmix64(&mix);
    mix = stream ^ a;
    dsgd_rng_seed(r, splitmix64(&mix) ^ rotl(a, 17));
}

uint64_t dsgd_rng_u64(dsgd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dsgd_rng_uniform(dsgd_rng *r) { return (double)(dsgd_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t dsgd_rng_below(dsgd_rng *r, uint64_t n)
{
    /* Rejection keeps it unbiased; the loop almost never repeats. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = dsgd_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double dsgd_rng_normal(dsgd_rng *r)
{
    double u1 = dsgd_rng_uniform(r), u2 = dsgd_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
