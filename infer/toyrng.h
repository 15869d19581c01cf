/*
 * toyrng.h - the random streams of the toy calculator: one stream per
 * (seed, toy index, hypothesis), disjoint from every other.  Internal.
 */
#ifndef HF_TOYRNG_H
#define HF_TOYRNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* What a stream is drawn for: a toy's pseudo-data, or the random start
 * points of a toy whose fits failed from the deterministic ones. */
enum { HF_TOYRNG_DATA = 0, HF_TOYRNG_RESTART = 1 /* + k: the k-th start */ };

/* A generator for hfinfer_toyrng_set; free with gsl_rng_free. */
gsl_rng *hfinfer_toyrng_alloc(void);

/* Points r at the start of the stream of (seed, index, hypothesis h,
 * purpose): the same four numbers always give the same draws, any other
 * four give draws from a disjoint part of the generator. */
void hfinfer_toyrng_set(gsl_rng *r, uint64_t seed, uint64_t index, int h,
                   int purpose);

/* The largest mean hfinfer_toyrng_poisson draws from: 2^53, up to where a
 * double holds every count. */
#define HFINFER_TOYRNG_POISSON_MAX 9007199254740992.0

/* A Poisson draw of mean lam from r, as a double: 0 for lam <= 0 or NaN,
 * NaN for lam above HFINFER_TOYRNG_POISSON_MAX. */
double hfinfer_toyrng_poisson(gsl_rng *r, double lam);

#endif
