/*
 * patch.h - the workspace layer: loaded workspaces and their validation,
 * RFC 6902 patches, patchsets.  Above core/, below the model (hf/).
 */
#ifndef HF_PATCH_H
#define HF_PATCH_H

#include "core/core.h"

/* A loaded workspace: the validated JSON tree and where it came from. */
struct hf_workspace {
    cJSON *root;
    char *source;
    /* The JSON text root was parsed from, mapped or read (held.p NULL when
     * the workspace was made otherwise): its digest is computed from it
     * when it is written as pyhf's digest writes it (core/jcanon.c), a
     * pass over the text instead of a serialisation of the tree. */
    hfcore_text held;
    /* root's number items and modifier objects' members when it was
     * parsed by hfpatch_numbers_parse_ex (freed with it by
     * hf_workspace_free), else NULL: root is then never changed in place
     * (patches copy on write, edits duplicate) */
    struct hfpatch_numbers *numbers;
};

/* hf_workspace_parse of text of length len (NUL-terminated there, no NUL
 * before: hfcore_text_read's), without measuring it again; not kept. */
int hfpatch_workspace_parse_n(const char *json, size_t len, const char *name,
                              hf_workspace **out, hf_error *err);
/* The same without the tree's integer marks (core/json.c; ~1.2 ms of the
 * 1Lbb workspace), for a tree that is not written out or digested before
 * hfpatch_workspace_mark_ints(ws, the same text) has marked it. */
int hfpatch_workspace_parse_unmarked_n(const char *json, size_t len,
                                       const char *name, hf_workspace **out,
                                       hf_error *err);
void hfpatch_workspace_mark_ints(hf_workspace *ws, const char *json, size_t len);
/* hf_workspace_read with the file mapped, not copied (hfcore_text_read:
 * ~4 ms less CPU on a 4.4 MB workspace), for a holder as short-lived as
 * a command: the mapping is kept with the workspace (its digest reads it
 * while the file is unchanged, hfcore_text_unchanged). */
int hfpatch_workspace_read_mapped(const char *path, hf_workspace **out,
                                  hf_error *err);
/* pyhf.utils.digest(ws) (hf_workspace_digest without the checks). */
int hfpatch_workspace_digest(const hf_workspace *ws, const char *algorithm,
                             char *hex, size_t len, hf_error *err);
/* hf_patchset_verify (no NULL checks) with the workspace's sha256 digest
 * given in hex when sha256 is not NULL (worked out beforehand, on a
 * thread of its own: cli/load.c); other digests are worked out here. */
int hfpatch_patchset_verify_with(const hf_patchset *ps, const hf_workspace *ws,
                                 const char *sha256, hf_error *err);

/* Validates a workspace document against pyhf's workspace schema and the
 * structural rules pyhf enforces when building a workspace. */
int hfpatch_workspace_validate(const cJSON *root, const char *source,
                          hf_error *err);

/* Set, beside cJSON_IsReference, on the references into a validated
 * workspace that hfpatch_apply_workspace makes, and on those made from
 * them when a patch copies such a container one level (copy on write):
 * what they stand for passed validation.  A patch's added value is a
 * reference too (into the patch), without this mark. */
#define HFPATCH_JSON_VALIDATED 0x2000

/* The same for a validated workspace patched copy-on-write
 * (hfpatch_apply_cow): a sample still shared with the workspace (a cJSON
 * reference marked HFPATCH_JSON_VALIDATED) has its modifiers taken as valid, so a signal patch costs
 * the walk of what it added, not of the whole workspace.  What is skipped
 * looks at nothing outside the sample (modifier types and data shapes
 * against the sample's own bins, modifier names unique within it) and
 * passed on the same subtree in the workspace, where it was a sample too
 * (only samples have the required "modifiers" key, still checked here,
 * wherever a move put it): the verdict and the first fault are those of
 * hfpatch_workspace_validate. */
int hfpatch_workspace_validate_patched(const cJSON *root, const char *source,
                                       hf_error *err);

/* A workspace owning doc (NULL: out of memory), named `source`; doc is
 * freed on failure, HF_ERR_NOMEM then says "<blame>: out of memory" (or
 * just "out of memory" for a NULL blame). */
int hfpatch_workspace_wrap(cJSON *doc, const char *source, const char *blame,
                           hf_workspace **out, hf_error *err);

/* An RFC 6902 patch: its operation array and where it came from. */
/* numblock.c: a patch's operations parsed by cJSON, the numbers of its
 * flat number arrays (and of {"hi": .., "lo": ..} objects, keyed by static
 * strings with cJSON_StringIsConst) read into one block of items linked
 * into the tree (a grid's patch, ~35% of its parse; a workspace's, ~25%).
 * 0 with *out and *nums set, else nonzero (then parse the text as before:
 * nothing here words an error).  Any text: what cJSON refuses is declined
 * (fuzz/fuzz_numblock.c).  Such a tree is never changed in place (its
 * number items are one block): patches copy on write. */
typedef struct hfpatch_numbers hfpatch_numbers;
int hfpatch_numbers_parse(const char *text, size_t len, cJSON **out,
                          hfpatch_numbers **nums);
/* hfpatch_numbers_parse, and with HFPATCH_NUMBERS_MODIFIERS also every
 * modifier object {"name": S, "type": S, "data": D} (S without escapes;
 * D null, or numbers as the block takes them) built whole in the block:
 * its strings in a pool of nums; an array of nothing but such objects has
 * its object items in the block too.  Only for a tree nothing detaches
 * items from (a grid's patches and a loaded workspace: copy on write). */
#define HFPATCH_NUMBERS_MODIFIERS 1
int hfpatch_numbers_parse_ex(const char *text, size_t len, int flags, cJSON **out,
                             hfpatch_numbers **nums);
/* How many number items nums holds (tests: that the block was used). */
size_t hfpatch_numbers_count(const hfpatch_numbers *nums);
/* How many items of any kind its block holds (tests: what went there). */
size_t hfpatch_numbers_items(const hfpatch_numbers *nums);
/* Whether item is one of nums' block (nums may be NULL).  Every object
 * made there has distinct keys, and so has every object below it: the
 * block takes no object with a key twice, cJSON makes it. */
int hfpatch_numbers_holds(const hfpatch_numbers *nums, const cJSON *item);
/* Frees root, whose number items nums holds (either may be NULL). */
void hfpatch_numbers_delete(cJSON *root, hfpatch_numbers *nums);

struct hf_patch {
    cJSON *ops;    /* array of operations, owned */
    char *source;  /* file name, or file name + "[patch name]" */
    int whole;     /* from a patchset: hf_model_build_applied applies it to
                    * the whole workspace, as pyhf's PatchSet.apply */
    hfpatch_numbers *numbers; /* ops' number items when parsed by
                               * hfpatch_numbers_parse, else NULL */
};

/* Applies the patch to *doc (which may be replaced, for a root op).  On
 * failure *doc is left unchanged and err names the op index and path. */
int hfpatch_apply_json(const hf_patch *p, cJSON **doc, hf_error *err);

/* The same on a document whose containers may be cJSON reference items
 * sharing a tree that other threads read: each container along an op's
 * path that is such a reference is first replaced by an owned one-level
 * copy (copy on write), so the shared tree is never written.  The root
 * must be owned.  An added or replacing value that is a container is not
 * copied either: *doc refers to it in the patch, so *doc must be deleted
 * before the patch (the patch is never written).  Not atomic: on failure
 * *doc is half-patched and is only fit to be deleted. */
int hfpatch_apply_cow(const hf_patch *p, cJSON **doc, hf_error *err);

/* The workspace document `root` (a loaded workspace's, so valid) with the
 * patches applied in order to the whole of it, as pyhf's PatchSet.apply,
 * then validated as a workspace
 * (errors start with `source`).  Copy on write: *out's containers are
 * references into root wherever no patch went, and into the patches
 * where they added containers, so root and the patches must outlive *out
 * and are never written; cJSON_Delete(*out) frees only what was copied. */
int hfpatch_apply_workspace(const cJSON *root, const hf_patch *const *p,
                            int n, const char *source, cJSON **out,
                            hf_error *err);

/* A patchset's document: metadata and each patch's metadata (the patches'
 * operation arrays are detached from it). */
const cJSON *hfpatch_patchset_json(const hf_patchset *ps);

/* hf_patchset_parse of text with only patch `only` parsed (NULL: all),
 * as hfpatch_patchset_load does for a file. */
int hfpatch_patchset_parse_only(const char *json, const char *source,
                                const char *only, hf_patchset **out,
                                hf_error *err);
/* Reads a patchset file.  With `only` NULL every patch is parsed (in
 * parallel); with a name, the text is scanned and only that patch's
 * operations are parsed (hf_patchset_patch is NULL for the others, whose
 * names and values are there): the metadata, every patch's name and
 * values and the chosen patch are validated as hf_patchset_read does, the
 * rest checked as JSON. */
int hfpatch_patchset_load(const char *path, const char *only,
                          hf_patchset **out, hf_error *err);

/* A patchset read for a grid's workers: scanned and validated as
 * hfpatch_patchset_load does, its text kept and no patch's operations
 * parsed (hf_patchset_patch is NULL for every patch; hfpatch_patchset_lazy
 * says so).  hfpatch_patchset_parse_one parses patch i's operations into a
 * new hf_patch (for hf_patch_free) with the checks and messages of a full
 * read; it only reads the patchset, so threads may parse different
 * patches at once, each when it needs it. */
int hfpatch_patchset_open(const char *path, hf_patchset **out, hf_error *err);
/* The same, with keep set: the scan keeps the pages it passed (the
 * default gives them back, so that a check of the whole file beside one
 * patch's fit holds little of it).  For a grid, whose workers parse every
 * patch: given back, each page is faulted in a second time by its patch's
 * parse, and all are resident by the end anyway. */
int hfpatch_patchset_open_ex(const char *path, int keep, hf_patchset **out,
                             hf_error *err);
int hfpatch_patchset_lazy(const hf_patchset *ps);
int hfpatch_patchset_parse_one(const hf_patchset *ps, int i, hf_patch **out,
                               hf_error *err);
/* The same without the integer marks of its numbers (5% of a 1Lbb grid's
 * per-patch instructions), which only a dump of the tree reads: for a
 * patch that is applied and built, never written out (infer/batch.c). */
int hfpatch_patchset_parse_build(const hf_patchset *ps, int i, hf_patch **out,
                                 hf_error *err);
/* Once every patch a caller needs is parsed: the lazy patchset's text
 * pages given back (hfcore_text_drop; a parse after it reads them from the
 * file again).  Nothing for a patchset read whole. */
void hfpatch_patchset_drop_text(const hf_patchset *ps);

/* The rest is used within patch/ only. */

/* Where a patch's operation array is in the text. */
typedef struct hfpatch_span {
    size_t off, len;  /* len 0: none */
} hfpatch_span;

/* Where patch `name`'s operations are, found from a hit of its name's
 * string ("name", quotes included) that begins in text[from, to): the
 * value of a "name" key, the rest of that object, and a "patch" array
 * right after it (memmem: ~9 ms for 1Lbb's 57 MB).  Nothing is checked
 * and the index is not known: a guess for hfpatch_patchset_settle (by its
 * span), as the check's scan's (hfpatch_patchset_open_guessing). */
int hfpatch_patchset_locate_in(const char *text, size_t len, size_t from,
                               size_t to, const char *name, hfpatch_span *span);

/* One patch of a patchset file read before the file is checked: located
 * (hfpatch_patchset_open_guessing, hfpatch_patchset_locate_in), parsed
 * and checked as a full read does.  It
 * may be used only once hfpatch_patchset_open has read the same file
 * without error and hfpatch_patchset_settle has adopted it. */
typedef struct hfpatch_guess {
    hf_patch *patch;    /* NULL: none (not located, or it did not parse) */
    hfpatch_span span;
    int index;          /* -1: not known (hfpatch_patchset_locate_in) */
    int located;        /* span (and index) found */
    hfcore_text text;   /* the file's, between locating and parsing */
    int adopted;        /* set by hfpatch_patchset_settle */
} hfpatch_guess;
/* The located guess parsed (1 with g->patch; the file, open in g since
 * its locating, is closed); 0: nothing said, the full read says what is
 * wrong.  The CLI's main thread parses while its worker checks. */
int hfpatch_patchset_guess_parse(const char *path, const char *name,
                                 hfpatch_guess *g);
/* For ps from hfpatch_patchset_open: patch `name`'s operations, as
 * hfpatch_patchset_load(path, name) would have parsed them (same checks,
 * same messages) -- g's when the check found the same span there, at the
 * same index unless g's is not known (then
 * g->adopted: without integer marks, its numbers in a block, as
 * hfpatch_patchset_parse_build's; for building models, not for writing
 * out), else parsed now.  HF_OK too when there is no such patch. */
int hfpatch_patchset_settle(hf_patchset *ps, const char *name, hfpatch_guess *g,
                            hf_error *err);
void hfpatch_guess_free(hfpatch_guess *g);
/* hfpatch_patchset_open with the guess taken from the check's own scan
 * (hfpatch_patchset_scan_seen): when the scan passes patch `name`, at
 * any offset, g is located there (its span and index, the file open in
 * g) and found(arg) is called on the scanning thread; g may then be parsed (hfpatch_patchset_guess_parse) on another
 * thread while the check goes on, and settled as ever once it is done.
 * found is called at most once, and not at all when the scan meets no
 * such patch. */
int hfpatch_patchset_open_guessing(const char *path, const char *name,
                                   hfpatch_guess *g, void (*found)(void *),
                                   void *arg, hf_patchset **out, hf_error *err);

/* Returned by hfpatch_patchset_scan for a text that is not an object:
 * the caller parses it whole and lets validation say what it is. */
#define HFPATCH_NOT_SCANNED (-1)

/* The skeleton of a patchset's text (psscan.c): a cJSON tree of all but
 * the patches' "patch" arrays, which are raw placeholders (cJSON_IsRaw)
 * located by spans[i] for patches[i].  With t, the pages of a mapped text
 * are given back as the scan passes them. */
int hfpatch_patchset_scan(const char *text, size_t len, hfcore_text *t,
                          const char *source, cJSON **root,
                          hfpatch_span **spans, int *nspans, hf_error *err);
/* The same, seen->fn told of each patch i whose object the scan has passed
 * (its metadata's name, when a string, and its operations' span, when it
 * has them), from the scanning thread, before the scan goes on: a guess,
 * as the locate's, until the whole scan and the checks have passed. */
typedef struct hfpatch_seen {
    void (*fn)(void *arg, int i, const char *name, hfpatch_span span);
    void *arg;
} hfpatch_seen;
int hfpatch_patchset_scan_seen(const char *text, size_t len, hfcore_text *t,
                               const hfpatch_seen *seen, const char *source,
                               cJSON **root, hfpatch_span **spans, int *nspans,
                               hf_error *err);


/* Checks that `ops` is an array of well-formed RFC 6902 operations (known
 * op, string path, value/from where required, valid pointer syntax)
 * without applying anything.  Errors start with `source`. */
int hfpatch_check(const cJSON *ops, const char *source, hf_error *err);

/* A new item standing for `s` without copying it: a reference for a
 * container (cJSON_Delete leaves its children alone), a copy for a scalar
 * (cheap, and a reference string would be as large as the copy), under
 * s's key if it has one.  `mark` (HFPATCH_JSON_VALIDATED or 0) goes on a
 * reference: a part of a validated tree stays known as one.  NULL when
 * out of memory. */
cJSON *hfpatch_json_share(const cJSON *s, int mark);

/* "a string", "an object", ... for messages saying what was found. */
const char *hfpatch_json_a_type(const cJSON *v);

/* Wraps an operation array in an hf_patch after checking it.  Takes
 * ownership of `ops` whatever the outcome. */
int hfpatch_from_json(cJSON *ops, const char *source, hf_patch **out,
                       hf_error *err);

/* Validates a parsed patchset document and wraps it.  Takes ownership of
 * `root` whatever the outcome. */
int hfpatch_patchset_from_json(cJSON *root, const char *source, hf_patchset **out,
                          hf_error *err);

/* Moves patch i out of the patchset into a stand-alone hf_patch; the
 * patchset must then only be freed. */
int hfpatch_patchset_take(hf_patchset *ps, int i, hf_patch **out, hf_error *err);

#endif
