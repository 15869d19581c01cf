/*
 * digest.c - pyhf.utils.digest: a hash of the JSON text Python's json
 * module writes for a document, computed with OpenSSL's libcrypto (EVP,
 * opened at the first digest: cryptoapi.h):
 * from its tree (core/json.c), or from its source text when that text
 * already is Python's but for whitespace (core/jcanon.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "cryptoapi.h"

/* hashlib's names for the digests OpenSSL has under another name. */
static const EVP_MD *find_md(const char *alg)
{
    static const struct {
        const char *py, *ossl;
    } names[] = {
        {"md5", "MD5"},           {"sha1", "SHA1"},
        {"sha224", "SHA224"},     {"sha256", "SHA256"},
        {"sha384", "SHA384"},     {"sha512", "SHA512"},
        {"sha3_224", "SHA3-224"}, {"sha3_256", "SHA3-256"},
        {"sha3_384", "SHA3-384"}, {"sha3_512", "SHA3-512"},
        {"blake2b", "BLAKE2B-512"}, {"blake2s", "BLAKE2S-256"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(alg, names[i].py) == 0)
            return EVP_get_digestbyname(names[i].ossl);
    return NULL;
}

static int no_md(const char *algorithm, hf_error *err)
{
    return hfcore_error_set(err, HF_ERR_ARG,
                            "%s is not an algorithm provided by Python's "
                            "hashlib library (md5, sha1, sha224, sha256, "
                            "sha384, sha512, sha3_224, sha3_256, sha3_384, "
                            "sha3_512, blake2b, blake2s)", algorithm);
}

static int to_hex(const unsigned char *raw, unsigned int rlen,
                  const char *algorithm, char *hex, size_t len, hf_error *err)
{
    if (len < 2 * (size_t)rlen + 1)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: a %u-character digest does not fit in %zu "
                            "bytes", algorithm, 2 * rlen, len);
    for (unsigned int i = 0; i < rlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return HF_OK;
}

int hfcore_json_digest(const cJSON *root, const char *algorithm, char *hex,
                   size_t len, hf_error *err)
{
    if (!root || !algorithm || !hex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    int rc = hfcore_crypto_need(algorithm, err);
    if (rc)
        return rc;
    const EVP_MD *md = find_md(algorithm);
    if (!md)
        return no_md(algorithm, err);
    size_t n;
    char *text = hfcore_json_pydump(root, 0, 0, &n);
    if (!text)
        return hfcore_error_set(err, HF_ERR_NOMEM, "hf digest: out of memory");
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int rlen = 0;
    int ok = EVP_Digest(text, n, raw, &rlen, md, NULL);
    free(text);
    if (!ok)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: digest failed",
                            algorithm);
    return to_hex(raw, rlen, algorithm, hex, len, err);
}

int hfcore_digest_ready(const char *algorithm)
{
    const EVP_MD *md;
    EVP_MD_CTX *ctx;
    if (!algorithm || hfcore_crypto_need(algorithm, NULL) != HF_OK ||
        !(md = find_md(algorithm)) || !(ctx = EVP_MD_CTX_new()))
        return 0;
    /* the first init fetches the implementation from OpenSSL's provider */
    int ok = EVP_DigestInit_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    return ok;
}

static int update(void *ctx, const char *s, size_t n)
{
    return EVP_DigestUpdate(ctx, s, n) ? 0 : -1;
}

int hfcore_json_text_digest(const char *text, size_t tlen,
                            const char *algorithm, char *hex, size_t len,
                            hf_error *err)
{
    if (!text || !algorithm || !hex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    int rc = hfcore_crypto_need(algorithm, err);
    if (rc)
        return rc;
    const EVP_MD *md = find_md(algorithm);
    if (!md)
        return no_md(algorithm, err);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    rc = ctx && EVP_DigestInit_ex(ctx, md, NULL) ? HF_OK : HF_ERR_NOMEM;
    if (rc == HF_OK)
        rc = hfcore_json_canon(text, tlen, update, ctx);
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int rlen = 0;
    if (rc == HF_OK && !EVP_DigestFinal_ex(ctx, raw, &rlen))
        rc = HF_ERR_NOMEM;
    EVP_MD_CTX_free(ctx);
    if (rc == HFCORE_NOT_CANONICAL)
        return rc;
    if (rc != HF_OK)
        return hfcore_error_set(err, HF_ERR_NOMEM, "%s: digest failed",
                                algorithm);
    return to_hex(raw, rlen, algorithm, hex, len, err);
}
