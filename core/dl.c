/*
 * dl.c - a shared library opened on first use, by its run-time name (the
 * soname a Debian runtime package ships) or else the development link.
 * ml/xgbdl.c and plot/cairodl.c load libxgboost and cairo this way so that
 * a program linked with hf pays for them only when it reads an XGBoost
 * model or draws.  The first thing that goes wrong is kept in `why` (the
 * loaders report that one: the later failures follow from it).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "core.h"

void *hfcore_dl_open(const char *soname, const char *devname, char *why,
                     size_t n)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        h = dlopen(devname, RTLD_NOW | RTLD_LOCAL);
    if (!h && !why[0])
        snprintf(why, n, "%s", dlerror());
    return h;
}

void *hfcore_dl_sym(void *h, const char *name, const char *lib, char *why,
                    size_t n)
{
    void *f = h ? dlsym(h, name) : NULL;
    if (!f && !why[0])
        snprintf(why, n, "%s has no %s", lib, name);
    return f;
}
