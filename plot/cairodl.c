/*
 * cairodl.c - libcairo and libfontconfig opened at the first plot (see
 * cairoapi.h), once per process (pthread_once: the table is written there
 * and only read after) and never closed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define HFPLOT_CAIRO_TABLE
#include "cairoapi.h"

typedef struct loaded {
    hfplot_cairo_api api;
    char why[256]; /* empty when every function was found */
} loaded;

static loaded lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* The soname first (the run-time package), then the development link. */
static void *open_one(const char *soname, const char *devname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen(devname, RTLD_NOW | RTLD_LOCAL);
    if (!h && !lib.why[0])
        snprintf(lib.why, sizeof lib.why, "%s", dlerror());
    return h;
}

static void *sym(void *h, const char *name)
{
    void *f = h ? dlsym(h, name) : NULL;
    if (!f && !lib.why[0])
        snprintf(lib.why, sizeof lib.why, "no %s in the cairo libraries", name);
    return f;
}

static void open_libs(void)
{
    void *cairo = open_one("libcairo.so.2", "libcairo.so");
    void *fc = open_one("libfontconfig.so.1", "libfontconfig.so");
#define HFPLOT_SYM(f) lib.api.f = (__typeof__(lib.api.f))sym(cairo, #f);
    HFPLOT_CAIRO_SYMS
#undef HFPLOT_SYM
    lib.api.FcFini = (__typeof__(lib.api.FcFini))sym(fc, "FcFini");
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
