/*
 * jsonout.c - JSON text in the layout Python's json module writes.
 *
 * pyhf prints its results with json.dumps; writing numbers and layout the
 * same way means `diff` between pyhf's and our output shows only real
 * numeric differences.  cJSON builds the trees; its own printer differs
 * (tabs, %.15g/%.17g numbers), hence core/json.c's serialiser, which
 * also writes the workspaces pyhf digests.
 */
#include <math.h>
#include <string.h>

#include "cli.h"

void hfcli_json_number(char *buf, double x)
{
    if (isfinite(x))
        hfcore_json_py_float(buf, x);
    else
        strcpy(buf, "null");
}

cJSON *hfcli_json_int(long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return cJSON_CreateRaw(buf);
}

char *hfcli_json_dump(const cJSON *item, int indent, int sort_keys)
{
    return hfcore_json_write(item, indent,
                         HF_JSON_ASCII | (sort_keys ? HF_JSON_SORT_KEYS : 0u),
                         NULL);
}
