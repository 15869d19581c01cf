/*
 * dl.c - a shared library opened on first use (dl.h), by its run-time
 * name or else the development link.  ml/ (libxgboost, libxml2) and plot/
 * (cairo, fontconfig) load theirs this way: each cost milliseconds of
 * relocations in every hf command, most of which never use them.
 *
 * A mutex and a flag rather than pthread_once: pthread_once's routine
 * takes no argument, which made every loader keep its own copy of the
 * open-and-resolve code; here one routine serves every library.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "core.h"
#include "dl.h"

static void open_resolve(hfcore_dl *d)
{
    void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        /* the run-time name's fault is the one to report: that is the
         * file the runtime package installs */
        snprintf(d->why, sizeof d->why, "%s", dlerror());
        h = dlopen(d->devname, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            return;
        d->why[0] = '\0';
    }
    for (size_t i = 0; i < d->n; i++) {
        d->sym[i] = dlsym(h, d->names[i]);
        if (!d->sym[i] && !d->why[0]) /* the first one missing is reported */
            snprintf(d->why, sizeof d->why, "%s has no %s", d->label, d->names[i]);
    }
}

const char *hfcore_dl_load(hfcore_dl *d)
{
    /* the acquire pairs with the release below: a thread that sees done
     * sees the table and why as they were written */
    if (!__atomic_load_n(&d->done, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&d->lock);
        if (!d->done) {
            open_resolve(d);
            __atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&d->lock);
    }
    return d->why;
}

int hfcore_dl_need(hfcore_dl *d, const char *path, const char *what, const char *pkg,
                   hf_error *err)
{
    const char *why = hfcore_dl_load(d);
    if (!why[0])
        return HF_OK;
    return hfcore_error_set(err, HF_ERR_IO, "%s: %s needs %s, which could not be loaded "
                            "(%s; on Debian: apt install %s)", path, what, d->label, why, pkg);
}
