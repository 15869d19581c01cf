/*
 * models.h - small workspaces written inline in the tests, and building
 * them.  Include after <cmocka.h>.
 */
#ifndef HF_TEST_MODELS_H
#define HF_TEST_MODELS_H

#include "hf.h"

/* pyhf.simplemodels.uncorrelated_background(signal=[12, 11],
 * bkg=[50, 52], bkg_uncertainty=[3, 7]) with observations [51, 48]: the
 * model of pyhf's hypotest docstring. */
extern const char SIMPLE_WS[];

/* The model of a workspace document, no patches, default options; fails
 * the test on any error. */
hf_model *inline_model(const char *json);
/* The same for a workspace file. */
hf_model *file_model(const char *path);
/* The workspace dir/BkgOnly.json with patch `name` (NULL: the first) of
 * dir/patchset.json applied; fails the test on any error. */
hf_model *patchset_model(const char *dir, const char *name);
/* Two bins, free normfactors mu and k (bounds [0, 10]): CR expects 10 k
 * and observes n_cr, SR expects 5 mu + 10 k and observes n_sr (test_bfgs,
 * test_gauss). */
hf_model *two_bin_model(int n_sr, int n_cr);
/* The index of parameter `name` (a failed test when m has none). */
int model_par(const hf_model *m, const char *name);

#endif
