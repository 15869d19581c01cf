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

int hfcore_check_version(int version, int current, const char *type,
                         hf_error *err)
{
    if (version >= 1 && version <= current)
        return HF_OK;
    return hfcore_error_set(err, HF_ERR_ARG,
                            "%s: version %d, this library knows 1 to %d "
                            "(set the struct up with %s_init)",
                            type, version, current, type);
}
