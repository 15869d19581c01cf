/*
 * cryptoapi.h - the OpenSSL (libcrypto) functions hf's digests call,
 * reached through a table that cryptodl.c fills at the first digest: hf
 * does not link libcrypto, whose loading (its relocations and
 * constructors) cost ~1.5 ms of CPU in every command, most of which
 * compute no digest (a hypotest on a workspace and a patch file).
 *
 * Included instead of <openssl/evp.h> by the files that digest: each
 * function is redefined as the table's member of the same name and type,
 * so they read as plain OpenSSL.  hfcore_crypto() is only valid after
 * hfcore_crypto_need succeeded: call that first.
 */
#ifndef HF_CORE_CRYPTOAPI_H
#define HF_CORE_CRYPTOAPI_H

#include <openssl/evp.h>

#include "hf.h"

#define HFCORE_CRYPTO_SYMS                 \
    HFCORE_CRYPTO_SYM(EVP_get_digestbyname) \
    HFCORE_CRYPTO_SYM(EVP_sha256)           \
    HFCORE_CRYPTO_SYM(EVP_Digest)           \
    HFCORE_CRYPTO_SYM(EVP_MD_CTX_new)       \
    HFCORE_CRYPTO_SYM(EVP_MD_CTX_free)      \
    HFCORE_CRYPTO_SYM(EVP_DigestInit_ex)    \
    HFCORE_CRYPTO_SYM(EVP_DigestUpdate)     \
    HFCORE_CRYPTO_SYM(EVP_DigestFinal_ex)

/* A member per function, of its own type, named as it; sym[] is the
 * same storage as core/dl.h fills it. */
enum { HFCORE_CRYPTO_NSYM = 0
#define HFCORE_CRYPTO_SYM(f) +1
       HFCORE_CRYPTO_SYMS
#undef HFCORE_CRYPTO_SYM
};
typedef union hfcore_crypto_api {
    struct {
#define HFCORE_CRYPTO_SYM(f) __typeof__(f) *f;
        HFCORE_CRYPTO_SYMS
#undef HFCORE_CRYPTO_SYM
    };
    void *sym[HFCORE_CRYPTO_NSYM];
} hfcore_crypto_api;

/* libcrypto opened (on the first call) for a digest `what` (the
 * algorithm, or what is digested): HF_OK, or HF_ERR_IO naming it, the
 * library and the Debian package. */
int hfcore_crypto_need(const char *what, hf_error *err);
/* The table, once hfcore_crypto_need has succeeded. */
const hfcore_crypto_api *hfcore_crypto(void);

/* cryptodl.c fills the table by these names: it sees no redefinitions */
#ifndef HFCORE_CRYPTO_TABLE
#define EVP_get_digestbyname (hfcore_crypto()->EVP_get_digestbyname)
#define EVP_sha256 (hfcore_crypto()->EVP_sha256)
#define EVP_Digest (hfcore_crypto()->EVP_Digest)
#define EVP_MD_CTX_new (hfcore_crypto()->EVP_MD_CTX_new)
#define EVP_MD_CTX_free (hfcore_crypto()->EVP_MD_CTX_free)
#define EVP_DigestInit_ex (hfcore_crypto()->EVP_DigestInit_ex)
#define EVP_DigestUpdate (hfcore_crypto()->EVP_DigestUpdate)
#define EVP_DigestFinal_ex (hfcore_crypto()->EVP_DigestFinal_ex)
#endif

#endif
