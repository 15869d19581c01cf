/* version.c - the library's version at run time, and its free(). */
#include <stdlib.h>

#include "core.h"

const char *hf_version(void)
{
    return HF_VERSION;
}

int hf_version_number(void)
{
    return HF_VERSION_NUMBER;
}

void hf_free(void *p)
{
    free(p);
}
