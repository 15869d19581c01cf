/* oom.c - see oom.h. */
#include <stdlib.h>

#include "oom.h"

long oom_budget = -1, oom_live;

static void *oom_malloc(size_t n)
{
    if (oom_budget == 0)
        return NULL;
    if (oom_budget > 0)
        oom_budget--;
    void *p = malloc(n);
    if (p)
        oom_live++;
    return p;
}

static void oom_free(void *p)
{
    if (p)
        oom_live--;
    free(p);
}

cJSON_Hooks oom_hooks = {oom_malloc, oom_free};
