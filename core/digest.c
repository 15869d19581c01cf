/*
 * digest.c - pyhf.utils.digest: a hash of the JSON text Python's json
 * module writes for a document, computed with libgcrypt (opened at the
 * first digest: cryptoapi.h):
 * from its tree (core/json.c), or from its source text when that text
 * already is Python's but for whitespace (core/jcanon.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "cryptoapi.h"

/* libgcrypt's number for a digest hashlib names `alg` (hashlib's
 * blake2b and blake2s are the 512- and 256-bit ones), or 0. */
static int find_md(const char *alg)
{
    static const struct {
        const char *py, *gcry;
    } names[] = {
        {"md5", "MD5"},           {"sha1", "SHA1"},
        {"sha224", "SHA224"},     {"sha256", "SHA256"},
        {"sha384", "SHA384"},     {"sha512", "SHA512"},
        {"sha3_224", "SHA3-224"}, {"sha3_256", "SHA3-256"},
        {"sha3_384", "SHA3-384"}, {"sha3_512", "SHA3-512"},
        {"blake2b", "BLAKE2B_512"}, {"blake2s", "BLAKE2S_256"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(alg, names[i].py) == 0)
            return gcry_md_map_name(names[i].gcry);
    return 0;
}

static int no_md(const char *algorithm, hf_error *err)
{
    return hfcore_error_set(err, HF_ERR_ARG,
                            "%s is not an algorithm provided by Python's "
                            "hashlib library (md5, sha1, sha224, sha256, "
                            "sha384, sha512, sha3_224, sha3_256, sha3_384, "
                            "sha3_512, blake2b, blake2s)", algorithm);
}

/* The library opened and the algorithm's number into *md: HF_OK, or an
 * error. */
static int open_md(const char *algorithm, int *md, hf_error *err)
{
    int rc = hfcore_crypto_need(algorithm, err);
    if (rc)
        return rc;
    *md = find_md(algorithm);
    return *md ? HF_OK : no_md(algorithm, err);
}

/* A sink feeding a libgcrypt handle. */
static int update(void *ctx, const char *s, size_t n)
{
    gcry_md_write(ctx, s, n);
    return 0;
}

/* What h was fed, digested by md, as hex into hex[len]; h closed. */
static int finish(gcry_md_hd_t h, int md, const char *algorithm, char *hex,
                  size_t len, hf_error *err)
{
    const unsigned char *raw = gcry_md_read(h, md);
    unsigned int rlen = gcry_md_get_algo_dlen(md);
    int rc = HF_OK;
    if (!raw || rlen == 0)
        rc = hfcore_error_set(err, HF_ERR_NOMEM, "%s: digest failed", algorithm);
    else if (len < 2 * (size_t)rlen + 1)
        rc = hfcore_error_set(err, HF_ERR_ARG,
                              "%s: a %u-character digest does not fit in %zu "
                              "bytes", algorithm, 2 * rlen, len);
    for (unsigned int i = 0; rc == HF_OK && i < rlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    gcry_md_close(h);
    return rc;
}

int hfcore_json_digest(const cJSON *root, const char *algorithm, char *hex,
                   size_t len, hf_error *err)
{
    if (!root || !algorithm || !hex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    int md, rc = open_md(algorithm, &md, err);
    if (rc)
        return rc;
    size_t n;
    char *text = hfcore_json_pydump(root, 0, 0, &n);
    gcry_md_hd_t h;
    if (!text || gcry_md_open(&h, md, 0) != 0) {
        free(text);
        return hfcore_error_set(err, HF_ERR_NOMEM, "hf digest: out of memory");
    }
    gcry_md_write(h, text, n);
    free(text);
    return finish(h, md, algorithm, hex, len, err);
}

int hfcore_digest_ready(const char *algorithm)
{
    int md;
    gcry_md_hd_t h;
    if (!algorithm || open_md(algorithm, &md, NULL) != HF_OK || gcry_md_open(&h, md, 0) != 0)
        return 0;
    gcry_md_close(h);
    return 1;
}

/* A text's digest between its steps: the hash and the pass feeding it. */
struct hfcore_text_digest {
    gcry_md_hd_t h;
    int md;
    const char *algorithm;
    hfcore_canon *canon;
};

int hfcore_json_text_digest_begin(const char *text, size_t tlen, const char *algorithm,
                                  hfcore_text_digest **out, hf_error *err)
{
    *out = NULL;
    if (!text || !algorithm)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    hfcore_text_digest *d = calloc(1, sizeof *d);
    int rc = d ? open_md(algorithm, &d->md, err)
               : hfcore_error_set(err, HF_ERR_NOMEM, "hf digest: out of memory");
    if (rc) {
        free(d);
        return rc;
    }
    d->algorithm = algorithm;
    if (gcry_md_open(&d->h, d->md, 0) != 0) {
        free(d);
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: digest failed", algorithm);
    }
    /* NULL when out of memory: _end says so */
    d->canon = hfcore_json_canon_begin(text, tlen, update, d->h);
    *out = d;
    return HF_OK;
}

void hfcore_json_text_digest_step(hfcore_text_digest *d, size_t n)
{
    if (d->canon)
        hfcore_json_canon_step(d->canon, n);
}

int hfcore_json_text_digest_end(hfcore_text_digest *d, char *hex, size_t len,
                                hf_error *err)
{
    int rc = hfcore_json_canon_end(d->canon), md = d->md;
    gcry_md_hd_t h = d->h;
    const char *algorithm = d->algorithm;
    free(d);
    if (rc != HF_OK) {
        gcry_md_close(h);
        if (rc == HFCORE_NOT_CANONICAL)
            return rc;
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: digest failed", algorithm);
    }
    return finish(h, md, algorithm, hex, len, err);
}

int hfcore_json_text_digest(const char *text, size_t tlen,
                            const char *algorithm, char *hex, size_t len,
                            hf_error *err)
{
    if (!hex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    hfcore_text_digest *d;
    int rc = hfcore_json_text_digest_begin(text, tlen, algorithm, &d, err);
    return rc ? rc : hfcore_json_text_digest_end(d, hex, len, err);
}
