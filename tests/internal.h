/*
 * internal.h - for the tests only: every layer's internal declarations
 * (core/, patch/, the model's interface, fit/, infer/), so that a test can
 * reach below the public API of include/hf.h.
 */
#ifndef HF_TESTS_INTERNAL_H
#define HF_TESTS_INTERNAL_H

#include "infer/infer.h"

#endif
