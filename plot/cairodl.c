/*
 * cairodl.c - libcairo and libfontconfig opened at the first plot (see
 * cairoapi.h), once per process (pthread_once: the table is written there
 * and only read after) and never closed.
 */
#include <pthread.h>
#include <stdio.h>

#define HFPLOT_CAIRO_TABLE
#include "cairoapi.h"
#include "core/core.h"

typedef struct loaded {
    hfplot_cairo_api api;
    char why[256]; /* empty when every function was found */
} loaded;

static loaded lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void open_libs(void)
{
    char *why = lib.why;
    size_t n = sizeof lib.why;
    void *cairo = hfcore_dl_open("libcairo.so.2", "libcairo.so", why, n);
    void *fc = hfcore_dl_open("libfontconfig.so.1", "libfontconfig.so", why, n);
#define HFPLOT_SYM(f) \
    lib.api.f = (__typeof__(lib.api.f))hfcore_dl_sym(cairo, #f, "libcairo", why, n);
    HFPLOT_CAIRO_SYMS
#undef HFPLOT_SYM
    lib.api.FcFini = (__typeof__(lib.api.FcFini))hfcore_dl_sym(fc, "FcFini", "libfontconfig",
                                                               why, n);
}

const hfplot_cairo_api *hfplot_cairo_load(const char **why)
{
    pthread_once(&lib_once, open_libs);
    *why = lib.why;
    return lib.why[0] ? NULL : &lib.api;
}

const hfplot_cairo_api *hfplot_cairo(void)
{
    pthread_once(&lib_once, open_libs);
    return &lib.api;
}
