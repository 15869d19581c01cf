/*
 * gsl.c - GSL without its abort().
 *
 * GSL's default error handler prints a message and calls abort(): inside
 * a library that a recasting tool or Python loads, any GSL error (a
 * failed allocation, a singular matrix in a routine that reports it that
 * way) would kill the host program.  hf checks the status or the NULL of
 * every GSL call it makes and turns them into HF_ERR_* statuses, so it
 * switches the handler off.
 *
 * The handler is process-global state of GSL (one for the whole process,
 * not one per thread or per library), so it is changed once, under
 * pthread_once (concurrent first calls from several threads are safe),
 * and only if nobody installed one before: a host program's own handler
 * is put back and kept.  hf_model_build calls this; every computation
 * that reaches GSL (fits, Hessians, limits, toys, simplify) starts from
 * a model it built.
 */
#include <pthread.h>

#include <gsl/gsl_errno.h>

#include "core.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void quiet(void)
{
    gsl_error_handler_t *prev = gsl_set_error_handler_off();
    if (prev)
        gsl_set_error_handler(prev);
}

void hfcore_gsl_quiet(void)
{
    pthread_once(&once, quiet);
}
