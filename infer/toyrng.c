/*
 * toyrng.c - the toys' random streams: Random123's Threefry-4x64-20
 * counter-based generator behind GSL's gsl_rng interface (Random123's own
 * GSL_MICRORNG adapter), so that gsl_ran_poisson and gsl_ran_gaussian draw
 * from it unchanged.
 *
 * Why a counter-based generator: toys are run as many jobs with different
 * seeds and then merged, so every (seed, toy index) pair, both 64-bit, must
 * have its own stream that no other pair's stream overlaps.  A generator
 * seeded with a hash of the pair cannot promise that: its seed is 32 bits
 * (GSL's MT19937 keeps 32 of them), so 2^128 pairs share 2^32 streams and
 * run sizes of thousands collide.  Threefry is a keyed bijection
 * (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC11;
 * it passes TestU01's BigCrush): block = threefry4x64(counter, key), with a
 * 256-bit counter and a 256-bit key.  Here
 *
 *   key     = (seed, 0, 0, 0)
 *   counter = (toy index, hypothesis, purpose, n << 32)
 *
 * where n = 0, 1, 2, ... counts the blocks a stream has used (the adapter
 * puts it in the top 32 bits of the last word).  Each block gives four
 * 32-bit draws (the adapter keeps the low 32 bits of each word, as GSL's
 * generators return 32 bits), so a stream holds 2^32 blocks = 2^34 draws:
 * its period.  A toy uses a few draws per datum (Poisson and Gaussian
 * draws take one to a few uniforms each; a mean above 2^31 a few per 2^31
 * of it, see hfinfer_toyrng_poisson), far below 2^34 for any model that
 * fits in memory (fewer than 10^8 data) and any mean seen in practice.
 *
 * Why streams never overlap: for one seed (one key) the function is a
 * bijection of the counter, and the counters of two different (index,
 * hypothesis, purpose) triples differ in their first three words whatever
 * n is, so two streams of one seed never produce the same block.  Two seeds
 * are two keys: two independent-looking permutations, not shifted copies of
 * one sequence, so there is no offset at which one run's toys reappear in
 * another's (the failure of seeding a single-sequence generator with
 * seed + index).  The first k toys of a run are the toys of a run of k
 * toys, and a toy's draws depend on nothing but its four numbers, never
 * on the thread that fits it.
 */
#include <math.h>

#include <gsl/gsl_randist.h>
#include <Random123/threefry.h>
#include <Random123/gsl_microrng.h>

#include "toyrng.h"

/* Defines gsl_rng_hf_threefry (a pointer set once, here, and never
 * written) and hf_threefry_reset(). */
GSL_MICRORNG(hf_threefry, threefry4x64);

gsl_rng *hfinfer_toyrng_alloc(void)
{
    return gsl_rng_alloc(gsl_rng_hf_threefry);
}

void hfinfer_toyrng_set(gsl_rng *r, uint64_t seed, uint64_t index, int h,
                   int purpose)
{
    threefry4x64_ctr_t ctr = {{index, (uint64_t)h, (uint64_t)purpose, 0}};
    threefry4x64_key_t key = {{seed, 0, 0, 0}};
    hf_threefry_reset(r, ctr, key);
}

/* A part no larger than this is drawn by gsl_ran_poisson in one call:
 * well inside its unsigned int range (below). */
#define TOYRNG_POISSON_PART 2147483648.0 /* 2^31 */

/* gsl_ran_poisson returns an unsigned int and takes its first gamma step
 * of order mu * 7/8 as an unsigned int too (GSL 2.7): above mu = 2^32 its
 * draws wrap around (mean 4.4e9 gave 1.05e8) and from about 8e9 it did not
 * return in 5 s.  A shapesys aux datum has mean tau, and published
 * likelihoods have tau up to 1.9e11 (3LRJ: a 0.0002% MC uncertainty), so
 * there a single toy never finished.  The sum of independent Poisson draws
 * is a Poisson draw of the summed mean, so a larger mean is drawn as
 * ceil(lam / 2^31) equal parts: exactly Poisson, each part within GSL's
 * range, and at most a few hundred parts for any tau seen in practice
 * (2^22 at lam = 2^53, where a double stops holding every count). */
double hfinfer_toyrng_poisson(gsl_rng *r, double lam)
{
    if (!(lam > 0))
        return 0.0;
    if (lam <= TOYRNG_POISSON_PART)
        return gsl_ran_poisson(r, lam);
    if (lam > HFINFER_TOYRNG_POISSON_MAX)
        return NAN;
    double n = ceil(lam / TOYRNG_POISSON_PART), sum = 0.0;
    for (double i = 0; i < n; i++)
        sum += gsl_ran_poisson(r, lam / n);
    return sum;
}
