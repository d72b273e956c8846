/* rng.h — small deterministic random numbers (same stream on every backend).
 *
 * xoshiro256** seeded through splitmix64 (Blackman & Vigna).  Counter-style
 * seeding (dsgd_rng_seed2) lets a worker generate sample j of a data set
 * without generating samples 0..j-1, so shards are independent of N. */
#ifndef DSGD_RNG_H
#define DSGD_RNG_H

#include <stdint.h>

typedef struct dsgd_rng {
    uint64_t s[4];
} dsgd_rng;

void dsgd_rng_seed(dsgd_rng *r, uint64_t seed);
/* Seeds from two numbers (a run seed and a stream/sample index). */
void dsgd_rng_seed2(dsgd_rng *r, uint64_t seed, uint64_t stream);
uint64_t dsgd_rng_u64(dsgd_rng *r);
/* Uniform in [0, 1). */
double dsgd_rng_uniform(dsgd_rng *r);
/* Uniform integer in [0, n), n > 0. */
uint64_t dsgd_rng_below(dsgd_rng *r, uint64_t n);
/* Standard normal (Box-Muller). */
double dsgd_rng_normal(dsgd_rng *r);

#endif
