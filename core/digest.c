/*
 * digest.c - pyhf.utils.digest: a hash of the JSON text Python's json
 * module writes for a document (core/json.c), computed with OpenSSL's
 * libcrypto (EVP).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core.h"

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

int hfcore_json_digest(const cJSON *root, const char *algorithm, char *hex,
                   size_t len, hf_error *err)
{
    if (!root || !algorithm || !hex)
        return hfcore_error_set(err, HF_ERR_ARG, "hf digest: NULL argument");
    const EVP_MD *md = find_md(algorithm);
    if (!md)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s is not an algorithm provided by Python's "
                            "hashlib library (md5, sha1, sha224, sha256, "
                            "sha384, sha512, sha3_224, sha3_256, sha3_384, "
                            "sha3_512, blake2b, blake2s)", algorithm);
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
    if (len < 2 * (size_t)rlen + 1)
        return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: a %u-character digest does not fit in %zu "
                            "bytes", algorithm, 2 * rlen, len);
    for (unsigned int i = 0; i < rlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return HF_OK;
}

