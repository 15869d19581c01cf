/*
 * cryptodl.c - libcrypto opened at the first digest (see cryptoapi.h),
 * through dl.h: once per process, from whichever thread digests first
 * (cli/load.c digests in a thread of its own), never closed.
 */
#define HFCORE_CRYPTO_TABLE
#include "cryptoapi.h"
#include "dl.h"

static const char *const names[HFCORE_CRYPTO_NSYM] = {
#define HFCORE_CRYPTO_SYM(f) #f,
    HFCORE_CRYPTO_SYMS
#undef HFCORE_CRYPTO_SYM
};

static hfcore_crypto_api api;
static hfcore_dl lib = HFCORE_DL("libcrypto.so.3", "libcrypto.so", "libcrypto", names,
                                 api.sym);

int hfcore_crypto_need(const char *what, hf_error *err)
{
    return hfcore_dl_need(&lib, what, "a digest", "libssl3", err);
}

const hfcore_crypto_api *hfcore_crypto(void)
{
    return &api;
}
