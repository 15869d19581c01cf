/*
 * patch.h - declarations shared by the files of patch/ only.  Everything
 * other modules need is in include/hf.h or hf/internal.h.
 */
#ifndef HF_PATCH_H
#define HF_PATCH_H

#include "internal.h"

/* Checks that `ops` is an array of well-formed RFC 6902 operations (known
 * op, string path, value/from where required, valid pointer syntax)
 * without applying anything.  Errors start with `source`. */
int hf_patch_check(const cJSON *ops, const char *source, hf_error *err);

/* "a string", "an object", ... for messages saying what was found. */
const char *hf_json_a_type(const cJSON *v);

/* Wraps an operation array in an hf_patch after checking it.  Takes
 * ownership of `ops` whatever the outcome. */
int hf_patch_from_json(cJSON *ops, const char *source, hf_patch **out,
                       hf_error *err);

/* Validates a parsed patchset document and wraps it.  Takes ownership of
 * `root` whatever the outcome. */
int hf_patchset_from_json(cJSON *root, const char *source, hf_patchset **out,
                          hf_error *err);

/* Moves patch i out of the patchset into a stand-alone hf_patch; the
 * patchset must then only be freed. */
int hf_patchset_take(hf_patchset *ps, int i, hf_patch **out, hf_error *err);

#endif
