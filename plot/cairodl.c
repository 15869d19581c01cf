/*
 * cairodl.c - libcairo and libfontconfig opened at the first plot (see
 * cairoapi.h), once per process (core/dl.h: the table is written then and
 * only read after) and never closed.
 */
#define HFPLOT_CAIRO_TABLE
#include "cairoapi.h"
#include "core/dl.h"

static const char *const cairo_names[HFPLOT_NCAIRO] = {
#define HFPLOT_SYM(f) #f,
    HFPLOT_CAIRO_SYMS
#undef HFPLOT_SYM
};
static const char *const fc_names[1] = {"FcFini"};

static hfplot_cairo_api api;
static hfcore_dl cairo = HFCORE_DL("libcairo.so.2", "libcairo.so", "libcairo", cairo_names,
                                   api.cairo_sym);
static hfcore_dl fc = HFCORE_DL("libfontconfig.so.1", "libfontconfig.so", "libfontconfig",
                                fc_names, api.fc_sym);

const hfplot_cairo_api *hfplot_cairo_load(const char **why)
{
    *why = hfcore_dl_load(&cairo);
    if (!(*why)[0])
        *why = hfcore_dl_load(&fc);
    return (*why)[0] ? NULL : &api;
}

const hfplot_cairo_api *hfplot_cairo(void)
{
    return &api;
}
