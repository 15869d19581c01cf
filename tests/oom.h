/*
 * oom.h - cJSON allocation hooks for the out-of-memory tests: allocations
 * fail once `oom_budget` of them have been made (-1: never), and
 * `oom_live` counts what is still allocated.  Install with
 * cJSON_InitHooks(&oom_hooks), remove with cJSON_InitHooks(NULL).
 */
#ifndef HF_TEST_OOM_H
#define HF_TEST_OOM_H

#include <cjson/cJSON.h>

extern long oom_budget, oom_live;
extern cJSON_Hooks oom_hooks;

#endif
