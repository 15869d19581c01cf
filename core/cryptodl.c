/*
 * cryptodl.c - libgcrypt opened at the first digest (see cryptoapi.h),
 * through dl.h: once per process, from whichever thread digests first
 * (cli/load.c digests in a thread of its own), never closed.
 */
#include <pthread.h>

#define HFCORE_CRYPTO_TABLE
#include "cryptoapi.h"
#include "dl.h"

static const char *const names[HFCORE_CRYPTO_NSYM] = {
#define HFCORE_CRYPTO_SYM(f) #f,
    HFCORE_CRYPTO_SYMS
#undef HFCORE_CRYPTO_SYM
};

static hfcore_crypto_api api;
static hfcore_dl lib = HFCORE_DL("libgcrypt.so.20", "libgcrypt.so", "libgcrypt", names,
                                 api.sym);
static pthread_once_t initialised = PTHREAD_ONCE_INIT;

/* libgcrypt's own set-up, which its manual asks for before any other
 * call, and which is not safe to run from two threads at once. */
static void initialise(void)
{
    api.gcry_check_version(NULL);
    api.gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
}

int hfcore_crypto_need(const char *what, hf_error *err)
{
    int rc = hfcore_dl_need(&lib, what, "a digest", "libgcrypt20", err);
    if (rc == HF_OK)
        pthread_once(&initialised, initialise);
    return rc;
}

const hfcore_crypto_api *hfcore_crypto(void)
{
    return &api;
}
