/*
 * dl.h - a shared library opened on first use (core/dl.c), so that a
 * program linked with hf pays for loading it only when it needs it.
 *
 * One static hfcore_dl per library, written with HFCORE_DL(...): the
 * first hfcore_dl_load opens the library and resolves its symbols into
 * the caller's table; later calls only read.  The table is an array of
 * void * that the caller overlays with a struct of typed function
 * pointers (a union: see ml/xmlapi.h), in the order of `names`.
 */
#ifndef HF_CORE_DL_H
#define HF_CORE_DL_H

#include <pthread.h>
#include <stddef.h>

#include "hf.h"

typedef struct hfcore_dl {
    const char *soname;       /* the run-time name (a Debian runtime package's) */
    const char *devname;      /* else the development link (-dev package) */
    const char *label;        /* the library in messages: "libxml2" */
    const char *const *names; /* the symbols, in sym[]'s order */
    size_t n;
    void **sym;               /* n slots, written once, under lock */
    pthread_mutex_t lock;
    int done;                 /* set (release) once sym and why are final */
    char why[256];            /* empty when every symbol was found */
} hfcore_dl;

/* The static initialiser of a library's hfcore_dl. */
#define HFCORE_DL(soname, devname, label, names, sym)                      \
    {soname, devname, label, names, sizeof(names) / sizeof *(names), sym, \
     PTHREAD_MUTEX_INITIALIZER, 0, ""}

/* Opens d's library and resolves its symbols on the first call (any
 * thread); "" when all are there, else what went wrong first (dlerror's
 * text, or "LABEL has no NAME").  Never closed: the libraries keep state
 * (threads, caches) of their own for the rest of the process. */
const char *hfcore_dl_load(hfcore_dl *d);

/* hfcore_dl_load for reading `path`: HF_OK, or HF_ERR_IO with "PATH: WHAT
 * needs LABEL, which could not be loaded (WHY; on Debian: apt install
 * PKG)" in err. */
int hfcore_dl_need(hfcore_dl *d, const char *path, const char *what, const char *pkg,
                   hf_error *err);

#endif
