/*
 * xgbdl.c - libxgboost opened when the first XGBoost model is read, not
 * when a program linked with hf starts.
 *
 * Loading it (with the libstdc++ and libdmlc it brings) cost about 8 ms
 * of CPU in every hf command, most of which never read an XGBoost model:
 * a large part of a one-patch hfcls.  The library is opened once per
 * process (pthread_once; the table is written there and only read after)
 * and never closed: XGBoost keeps threads and state of its own.
 */
#include <pthread.h>
#include <stdio.h>

#include "xgbapi.h"

typedef struct loaded {
    hfml_xgb_api api;
    char why[256]; /* empty when every symbol was found */
} loaded;

static loaded lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void open_lib(void)
{
    char *why = lib.why;
    size_t n = sizeof lib.why;
    void *h = hfcore_dl_open("libxgboost.so.0", "libxgboost.so", why, n);
#define HFML_XGB_SYM(f) \
    lib.api.f = (__typeof__(lib.api.f))hfcore_dl_sym(h, #f, "libxgboost", why, n);
    HFML_XGB_SYMS
#undef HFML_XGB_SYM
}

int hfml_xgb_api_get(const hfml_xgb_api **api, const char *path, hf_error *err)
{
    pthread_once(&lib_once, open_lib);
    if (lib.why[0])
        return hfcore_error_set(err, HF_ERR_IO,
                                "%s: an XGBoost model needs libxgboost, which could not be "
                                "loaded (%s; on Debian: apt install libxgboost0)",
                                path, lib.why);
    *api = &lib.api;
    return HF_OK;
}
