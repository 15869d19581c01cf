/*
 * internal.h - declarations shared between hf's modules (hf/, patch/, fit/,
 * simplify/, cli/).  Not installed: the public API is include/hf.h.
 */
#ifndef HF_INTERNAL_H
#define HF_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "hf.h"

#if defined(__GNUC__)
#define HF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HF_PRINTF(a, b)
#endif

/* Fills err (if not NULL) and returns code, so callers can write
 * `return hf_error_set(err, HF_ERR_INVALID, "...")`. */
int hf_error_set(hf_error *err, int code, const char *fmt, ...) HF_PRINTF(3, 4);

/* The file(s) a model was built from ("BkgOnly.json + patch.json"). */
const char *hf_model_source(const hf_model *m);

/* Flags (flag[npars]) the histosys parameters that make some yield
 * non-monotonic, so that the likelihood may have a minimum on each side
 * of them; returns how many. */
int hf_model_twowell(const hf_model *m, unsigned char *flag);

/* When rc is an error, prefixes err's message with `source` (unless it
 * already starts with it), so that a failed fit or hypotest names the
 * workspace it was about; returns rc. */
int hf_error_blame(const char *source, int rc, hf_error *err);

/* Reads a whole file into a NUL-terminated malloc'd buffer.  Refuses
 * directories, devices (other than a terminal) and anything longer than
 * hf_file_read_limit() bytes, with a message saying which. */
int hf_file_read(const char *path, char **text, size_t *len, hf_error *err);

/* The most hf_file_read reads: 1 GiB, or HF_MAX_INPUT_BYTES from the
 * environment (bytes, or with a K, M or G suffix). */
size_t hf_file_read_limit(void);

/* Parses JSON text; errors name `source` and the line/column of the fault. */
int hf_json_parse(const char *text, const char *source, cJSON **out,
                  hf_error *err);

/* A loaded workspace: the validated JSON tree and where it came from. */
struct hf_workspace {
    cJSON *root;
    char *source;
};

/* Validates a workspace document against pyhf's workspace schema and the
 * structural rules pyhf enforces when building a workspace. */
int hf_workspace_validate(const cJSON *root, const char *source,
                          hf_error *err);

/* An RFC 6902 patch: its operation array and where it came from. */
struct hf_patch {
    cJSON *ops;    /* array of operations, owned */
    char *source;  /* file name, or file name + "[patch name]" */
};

/* Applies the patch to *doc (which may be replaced, for a root op).  On
 * failure *doc is left unchanged and err names the op index and path. */
int hf_patch_apply_json(const hf_patch *p, cJSON **doc, hf_error *err);

/* The same on a document whose containers may be cJSON reference items
 * sharing a tree that other threads read: each container along an op's
 * path that is such a reference is first replaced by an owned one-level
 * copy (copy on write), so the shared tree is never written.  The root
 * must be owned.  Not atomic: on failure *doc is half-patched and is only
 * fit to be deleted. */
int hf_patch_apply_cow(const hf_patch *p, cJSON **doc, hf_error *err);

/* The start hf_batch_cls_patches and hf_signal_cls_batch share: *opt
 * defaulted (to *defaults) when NULL, its confidence level checked,
 * res->items allocated for n and the thread count to run with in
 * *nthreads.  Errors name `fn`. */
int hf_batch_start(const char *fn, const hf_batch_options **opt,
                   hf_batch_options *defaults, int n, hf_batch_result *res,
                   int *nthreads, hf_error *err);

/* JSON text exactly as Python writes it (patch/digest.c) ---------------- */

/* Set in the type of a cJSON number whose source text was an integer
 * literal, which Python's json.load makes an int ("1", not "1.0"). */
#define HF_JSON_INT 0x1000

/* Marks the integer literals of `root`, parsed from `text` (hf_json_parse
 * does it for every document hf reads). */
void hf_json_mark_ints(const char *text, cJSON *root);

/* json.dumps(item, sort_keys=True, indent=indent or None, ensure_ascii=
 * ensure_ascii): malloc'd, its length in *len if len is not NULL. */
char *hf_json_pydump(const cJSON *item, int indent, int ensure_ascii,
                     size_t *len);

/* The serialiser behind hf_json_pydump, also used by the command for its
 * results, where keys keep their order and a NaN must not reach the
 * output as Python's bare NaN. */
enum {
    HF_JSON_SORT_KEYS = 1,  /* keys in code-point order, the last of repeats */
    HF_JSON_ASCII = 2,      /* ensure_ascii=True */
    HF_JSON_PY_NUMBERS = 4  /* integer literals as ints, NaN and Infinity as
                             * Python writes them; without it every number
                             * is a float and non-finite ones are null */
};
char *hf_json_write(const cJSON *item, int indent, unsigned flags,
                    size_t *len);
/* An array of n numbers (NULL when out of memory). */
cJSON *hf_json_array(const double *v, int n);
/* repr(float) of a double: the shortest text that reads back as x, "1.0",
 * "1e-05", "NaN", "-Infinity".  buf needs 32 bytes. */
void hf_json_py_float(char *buf, double x);

/* A patchset's document: metadata and each patch's metadata (the patches'
 * operation arrays are detached from it). */
const cJSON *hf_patchset_json(const hf_patchset *ps);

/* pyhf.utils.digest(root, algorithm) as hex into hex[len]. */
int hf_json_digest(const cJSON *root, const char *algorithm, char *hex,
                   size_t len, hf_error *err);

#endif
