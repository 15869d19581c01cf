/*
 * core.h - the bottom layer: error messages, file reading, JSON parsing
 * with integer marks, JSON text as Python writes it, digests.  Depends on
 * nothing of ours but the public types of include/hf.h.  Not installed:
 * the public API is include/hf.h.
 */
#ifndef HF_CORE_H
#define HF_CORE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hf.h"

#if defined(__GNUC__)
#define HF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HF_PRINTF(a, b)
#endif

/* Loops cloned for AVX2 (hf/eval.c, hf/hessian.c, fit/bfgs.c,
 * fit/converge.c): GCC makes the function twice and the loader picks the
 * clone for the CPU (ifunc: GCC on x86-64 Linux only).  -mavx2 does not
 * enable FMA, so each lane does the SSE2 code's operations in their order
 * and the results are bit for bit the same.  _O3 also turns GCC's
 * vectoriser on for the function (the build is -O2), on any GCC.  GCC
 * does not inline a plain function into a clone of another target unless
 * told to (HFCORE_CLONE_INLINE): eval.c's product() out of line cost a
 * 1Lbb hypotest 10%. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HFCORE_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#define HFCORE_AVX2_CLONE_O3 \
    __attribute__((optimize("O3", "tree-vectorize"), target_clones("avx2", "default")))
#define HFCORE_CLONE_INLINE __attribute__((always_inline)) inline
/* Cloned with FMA (which implies AVX: four lanes), contracted: a loop
 * whose rounding only a verdict reads (fit/converge.c's factorisation:
 * whether every pivot is positive), so the clone's last bits may differ
 * from the default's. */
#define HFCORE_FMA_CLONE_O3 \
    __attribute__((optimize("O3", "tree-vectorize"), target_clones("fma", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define HFCORE_AVX2_CLONE
#define HFCORE_AVX2_CLONE_O3 __attribute__((optimize("O3", "tree-vectorize")))
#define HFCORE_FMA_CLONE_O3 HFCORE_AVX2_CLONE_O3
#define HFCORE_CLONE_INLINE inline
#else
#define HFCORE_AVX2_CLONE
#define HFCORE_AVX2_CLONE_O3
#define HFCORE_FMA_CLONE_O3
#define HFCORE_CLONE_INLINE inline
#endif

/* Threads (core/thread.c) ----------------------------------------------- */

/* pthread_create(tid, NULL, fn, arg), the new thread started on another
 * of the creator's processors than the creator's own (core/thread.c says
 * why), then free to run on any of them: 0, or pthread_create's error. */
int hfcore_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg);

/* Errors (core/error.c) ------------------------------------------------- */

/* Fills err (if not NULL) and returns code, so callers can write
 * `return hfcore_error_set(err, HF_ERR_INVALID, "...")`. */
int hfcore_error_set(hf_error *err, int code, const char *fmt, ...) HF_PRINTF(3, 4);
/* The parse error for JSON nested deeper than cJSON's limit, at line and
 * column of `source` (the tree parser's and the scanner's one message). */
int hfcore_nesting_error(hf_error *err, const char *source, int line, int col);

/* When rc is an error, prefixes err's message with `source` (unless it
 * already starts with it), so that a failed fit or hypotest names the
 * workspace it was about; returns rc. */
int hfcore_error_blame(const char *source, int rc, hf_error *err);

/* HF_OK when an option struct's version (its first field, set by its
 * _init function) is one this library knows, 1..current; otherwise
 * HF_ERR_ARG naming the struct `type` and its _init (core/version.c). */
int hfcore_check_version(int version, int current, const char *type,
                         hf_error *err);

/* Reads a whole file into a NUL-terminated malloc'd buffer.  Refuses
 * directories, devices (other than a terminal) and anything longer than
 * hfcore_file_read_limit() bytes, with a message saying which. */
int hfcore_file_read(const char *path, char **text, size_t *len, hf_error *err);

/* The most hfcore_file_read reads: 1 GiB, or HF_MAX_INPUT_BYTES from the
 * environment (bytes, or with a K, M or G suffix). */
size_t hfcore_file_read_limit(void);

/* Parses JSON text; errors name `source` and the line/column of the fault. */
int hfcore_json_parse(const char *text, const char *source, cJSON **out,
                  hf_error *err);
/* The same for text of length len (text[len] is its NUL, and no NUL is
 * before it: hfcore_file_read's text), without measuring it again. */
int hfcore_json_parse_n(const char *text, size_t len, const char *source,
                        cJSON **out, hf_error *err);
/* hfcore_json_parse_n, with its integer marks (core/json.c) only when
 * marks is set: a tree that is never written out needs none. */
int hfcore_json_parse_n_marks(const char *text, size_t len, const char *source,
                              int marks, cJSON **out, hf_error *err);

/* Whether a string of text[0, len) (valid JSON, text[len] its NUL) holds
 * the escape \u0000, which hfcore_json_parse_n refuses: for a parse of
 * the same text by other means (patch/numblock.c). */
int hfcore_json_nul_escaped(const char *text, size_t len);

/* Shared libraries opened on first use: core/dl.h. */

/* JSON text stepped over and parsed by spans (core/jscan.c) ------------ */

/* A scan of JSON text: text is where line numbers count from, [p, end)
 * what is left.  On a fault p is where it is and why says what. */
typedef struct hfcore_scan {
    const char *text;
    const char *p;
    const char *end;
    const char *why;
} hfcore_scan;

/* Skips whitespace. */
void hfcore_scan_ws(hfcore_scan *s);
/* The same on [p, e): the first byte at or after p that is not JSON's
 * whitespace (space, newline, return, tab), or e. */
const char *hfcore_json_ws_end(const char *p, const char *e);
/* The end of the JSON number literal at p (RFC 8259's grammar: no '+'
 * sign, no leading zero, digits on both sides of '.'), or NULL when the
 * text at p is not one. */
const char *hfcore_json_number_end(const char *p, const char *e);
/* Steps over one JSON value (and the whitespace before it), checking it
 * against JSON's grammar (and refusing \u0000 and nesting deeper than
 * cJSON allows) without building anything; 0, or -1 at a fault. */
int hfcore_scan_value(hfcore_scan *s);
/* The same, byte by byte (hfcore_scan_value's fallback, and its exact
 * wording and position of faults). */
int hfcore_scan_value_bytes(hfcore_scan *s);
/* The end of the array or object at p when its 64-byte blocks show it
 * valid, or NULL when not sure (a fault, an escape, deep nesting, a value
 * that is not an array or object, no AVX2): hfcore_scan_value's first try. */
const char *hfcore_scan_fast(const char *p, const char *end);
/* The end of the array or object at p (after its closing bracket) found
 * by its strings and brackets alone (core/jskip.c): right for valid JSON,
 * any answer or NULL for other text.  For locating a value cheaply where
 * the text is checked elsewhere before what was located is used. */
const char *hfcore_json_skip(const char *p, const char *end);
/* Steps over one string at p; 0, or -1. */
int hfcore_scan_string(hfcore_scan *s);
/* The number tokens of valid JSON text in order, found 64 bytes at a
 * time (core/jscan.c): init says whether it can (AVX2, a text without
 * backslashes); next gives each number's first byte, NULL at the end. */
typedef struct hfcore_numbers {
    const char *block, *end;
    uint64_t starts, in_string, in_scalar;
} hfcore_numbers;
int hfcore_numbers_init(hfcore_numbers *n, const char *text, size_t len);
const char *hfcore_numbers_next(hfcore_numbers *n);
/* The first byte at or after p (before end) that is '"', '\\' or a
 * control character, sixteen bytes at a time; end when none is. */
const char *hfcore_json_string_stop(const char *p, const char *end);
/* The fault as hfcore_json_parse would word it (file, line, column). */
int hfcore_scan_error(const hfcore_scan *s, const char *source, hf_error *err);
/* hfcore_json_parse of text[off, off + len), integer marks included;
 * line numbers in errors count from text. */
int hfcore_json_parse_span(const char *text, size_t off, size_t len,
                           const char *source, cJSON **out, hf_error *err);
/* The same with marks 0: without the integer marks, which only the
 * Python-style dump reads (hfcore_json_pydump), for a tree never written
 * out as JSON text (a grid's patch: applied, built and freed). */
int hfcore_json_parse_span_ex(const char *text, size_t off, size_t len,
                              const char *source, int marks, cJSON **out,
                              hf_error *err);

/* A file's text, mapped when it is a regular file (so its pages can be
 * given back once scanned, see hfcore_text_release), read otherwise. */
typedef struct hfcore_text {
    const char *p;
    size_t len;
    size_t mapped;    /* bytes mapped, 0 when read into memory */
    size_t released;  /* bytes before this are given back */
    /* of the file mapped by hfcore_text_read: its identity and times then
     * (hfcore_text_unchanged; its size then is `mapped`) */
    uint64_t dev, ino;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} hfcore_text;

/* hfcore_file_read's checks (kind, size limit) and messages. */
int hfcore_text_open(const char *path, hfcore_text *t, hf_error *err);
/* hfcore_file_read's text (NUL-terminated, no NUL inside; the same
 * refusals and messages) as an hfcore_text: mapped, not copied, when the
 * file is a regular one and its size not a multiple of the page size
 * (the zeros after its end in the last page are the NUL), read otherwise.
 * Given back with hfcore_text_close.  A mapping follows the file: for
 * short-lived holders only (a command), never inside what the library
 * hands out (the file may be rewritten or truncated meanwhile: other
 * text, or SIGBUS). */
int hfcore_text_read(const char *path, hfcore_text *t, hf_error *err);
/* Whether t's text is still the file's: 1 when it is a copy in memory,
 * or when path is the file mapped (same device and inode) with the same
 * size and modification and change times; 0 when the file has since
 * been rewritten, truncated or replaced (its mapped pages may then show
 * other text, or fault). */
int hfcore_text_unchanged(const hfcore_text *t, const char *path);
/* Gives back the pages of a mapped text wholly before offset `upto` (they
 * are read again from the file if touched later), so that scanning a
 * large file does not keep it all resident (4 MB at a time: up to 4 MB
 * more may stay). */
void hfcore_text_release(hfcore_text *t, size_t upto);
/* Gives back every page of a mapped text that is still held, t left as it
 * is (so a const holder may call it): for a text no longer read, whose
 * pages the process's exit would otherwise unmap one by one (a grid's
 * patchset, 57 MB on 1Lbb: ~2-4 ms of its exit).  A page touched later is
 * read again from the file, as after hfcore_text_release. */
void hfcore_text_drop(const hfcore_text *t);
void hfcore_text_close(hfcore_text *t);

/* JSON text exactly as Python writes it (core/json.c) ------------------- */

/* Set in the type of a cJSON number whose source text was an integer
 * literal, which Python's json.load makes an int ("1", not "1.0"). */
#define HF_JSON_INT 0x1000

/* Marks the integer literals of `root`, parsed from text[0, len) (not
 * NUL-terminated; hfcore_json_parse does it for every document hf reads). */
void hfcore_json_mark_ints_n(const char *text, size_t len, cJSON *root);

/* json.dumps(item, sort_keys=True, indent=indent or None, ensure_ascii=
 * ensure_ascii): malloc'd, its length in *len if len is not NULL. */
char *hfcore_json_pydump(const cJSON *item, int indent, int ensure_ascii,
                     size_t *len);

/* The serialiser behind hfcore_json_pydump, also used by the command for its
 * results, where keys keep their order and a NaN must not reach the
 * output as Python's bare NaN. */
enum {
    HF_JSON_SORT_KEYS = 1,  /* keys in code-point order, the last of repeats */
    HF_JSON_ASCII = 2,      /* ensure_ascii=True */
    HF_JSON_PY_NUMBERS = 4  /* integer literals as ints, NaN and Infinity as
                             * Python writes them; without it every number
                             * is a float and non-finite ones are null */
};
char *hfcore_json_write(const cJSON *item, int indent, unsigned flags,
                    size_t *len);
/* An array of n numbers (NULL when out of memory). */
cJSON *hfcore_json_array(const double *v, int n);
/* repr(float) of a double: the shortest text that reads back as x, "1.0",
 * "1e-05", "NaN", "-Infinity".  buf needs 32 bytes. */
void hfcore_json_py_float(char *buf, double x);
/* repr's layout of the nd significant digits `digits` (the first at
 * 10^exp10, the last not 0) of a finite non-zero number. */
void hfcore_json_py_format(char *buf, int neg, const char *digits, int nd,
                           int exp10);

/* The double strtod makes of the JSON number literal s[0, len) (RFC 8259
 * grammar, the text need not end there), into *v when it can be found
 * exactly without strtod (core/jcanon.c: up to 17 significant digits, a
 * power of ten within 10^+-22 after the last, a normal result; a few
 * hundred instructions to strtod's ~900): 1, else 0 (then strtod). */
int hfcore_json_number_exact(const char *s, size_t len, double *v);

/* Where hfcore_json_canon writes: nonzero to stop (an error). */
typedef int (*hfcore_sink)(void *ctx, const char *s, size_t n);
/* Returned when a text is not as sort_keys would leave it. */
#define HFCORE_NOT_CANONICAL (-2)
/* hfcore_json_pydump's text (sort_keys, no indent, ensure_ascii=False) of
 * the document parsed from text[0, len), written from the text itself to
 * sink in pieces (core/jcanon.c): 0; HFCORE_NOT_CANONICAL when the text
 * has keys out of order or repeated, or escapes other than \" \\ \n \r
 * \t \b \f (then the tree must be serialised); HF_ERR_NOMEM when out of
 * memory or the sink failed.  The text must be JSON hf has parsed. */
int hfcore_json_canon(const char *text, size_t len, hfcore_sink sink, void *ctx);
/* The same pass in steps, which may run on different threads one after
 * the other (each step's end handed to the next thread's start by a
 * lock): a digest's first part worked out where a thread has time to
 * spare, the rest by another.  _begin: NULL when out of memory (then
 * _end(NULL) says HF_ERR_NOMEM); _step: about n more bytes of the text
 * (to the end of the token that holds the n-th), 0 or the verdict once
 * the pass stopped; _end: the rest, the verdict, c freed. */
typedef struct hfcore_canon hfcore_canon;
hfcore_canon *hfcore_json_canon_begin(const char *text, size_t len, hfcore_sink sink,
                                      void *ctx);
int hfcore_json_canon_step(hfcore_canon *c, size_t n);
int hfcore_json_canon_end(hfcore_canon *c);

/* Switches GSL's abort-on-error handler off, once per process, unless
 * the host program installed its own (core/gsl.c). */
void hfcore_gsl_quiet(void);

/* Digests (core/digest.c) ----------------------------------------------- */

/* The bytes of the longest digest (sha512, sha3_512, blake2b). */
#define HFCORE_DIGEST_MAX 64
/* pyhf.utils.digest(root, algorithm) as hex into hex[len]. */
int hfcore_json_digest(const cJSON *root, const char *algorithm, char *hex,
                   size_t len, hf_error *err);
/* Opens and initialises libgcrypt for the algorithm (~0.45 ms; with
 * OpenSSL's libcrypto it was ~2.4), so that a digest worked out later, on
 * another thread, does not pay for it.  1 when ready; 0 says nothing (the
 * digest itself says why). */
int hfcore_digest_ready(const char *algorithm);
/* The same digest of the document parsed from text[0, tlen), from the
 * text (hfcore_json_canon): HF_OK, HFCORE_NOT_CANONICAL (err untouched:
 * digest the tree instead), or an error. */
int hfcore_json_text_digest(const char *text, size_t tlen,
                            const char *algorithm, char *hex, size_t len,
                            hf_error *err);
/* The same in steps (hfcore_json_canon_step), which may run on different
 * threads one after the other: _begin (HF_OK and *d, or an error),
 * _step (about n more bytes of the text; a failure is kept for _end),
 * _end (the rest; what hfcore_json_text_digest returns; d freed). */
typedef struct hfcore_text_digest hfcore_text_digest;
int hfcore_json_text_digest_begin(const char *text, size_t tlen, const char *algorithm,
                                  hfcore_text_digest **d, hf_error *err);
void hfcore_json_text_digest_step(hfcore_text_digest *d, size_t n);
int hfcore_json_text_digest_end(hfcore_text_digest *d, char *hex, size_t len,
                                hf_error *err);

#endif
