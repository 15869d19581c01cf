/*
 * cryptoapi.h - the libgcrypt functions hf's digests call, reached
 * through a table that cryptodl.c fills at the first digest: hf does not
 * link the library, so that the commands that compute no digest (a
 * hypotest on a workspace and a patch file) do not pay for loading it.
 * libgcrypt rather than OpenSSL's libcrypto: its load and first digest
 * take ~0.45 ms of CPU where libcrypto's took ~2.4 (dlopen 1.2 ms, the
 * provider's first fetch 1.1), on the 1Lbb single patch's critical path;
 * both hash with the CPU's SHA instructions (1.22 MB: 0.8 ms).
 *
 * Included instead of <gcrypt.h> by the files that digest: each function
 * is redefined as the table's member of the same name and type, so they
 * read as plain libgcrypt.  hfcore_crypto() is only valid after
 * hfcore_crypto_need succeeded: call that first.
 */
#ifndef HF_CORE_CRYPTOAPI_H
#define HF_CORE_CRYPTOAPI_H

#include <gcrypt.h>

#include "hf.h"

#define HFCORE_CRYPTO_SYMS                   \
    HFCORE_CRYPTO_SYM(gcry_check_version)     \
    HFCORE_CRYPTO_SYM(gcry_control)           \
    HFCORE_CRYPTO_SYM(gcry_md_map_name)       \
    HFCORE_CRYPTO_SYM(gcry_md_get_algo_dlen)  \
    HFCORE_CRYPTO_SYM(gcry_md_open)           \
    HFCORE_CRYPTO_SYM(gcry_md_write)          \
    HFCORE_CRYPTO_SYM(gcry_md_read)           \
    HFCORE_CRYPTO_SYM(gcry_md_close)

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

/* libgcrypt opened and initialised (on the first call, once) for a
 * digest `what` (the algorithm, or what is digested): HF_OK, or
 * HF_ERR_IO naming it, the library and the Debian package. */
int hfcore_crypto_need(const char *what, hf_error *err);
/* The table, once hfcore_crypto_need has succeeded. */
const hfcore_crypto_api *hfcore_crypto(void);

/* cryptodl.c fills the table by these names: it sees no redefinitions */
#ifndef HFCORE_CRYPTO_TABLE
#define gcry_check_version (hfcore_crypto()->gcry_check_version)
#define gcry_control (hfcore_crypto()->gcry_control)
#define gcry_md_map_name (hfcore_crypto()->gcry_md_map_name)
#define gcry_md_get_algo_dlen (hfcore_crypto()->gcry_md_get_algo_dlen)
#define gcry_md_open (hfcore_crypto()->gcry_md_open)
#define gcry_md_write (hfcore_crypto()->gcry_md_write)
#define gcry_md_read (hfcore_crypto()->gcry_md_read)
#define gcry_md_close (hfcore_crypto()->gcry_md_close)
#endif

#endif
