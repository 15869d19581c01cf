/*
 * subcmd.c - commands with subcommands (`hf patchset verify`, `hf plot
 * brazil`) and the verbs of `hf` itself: finding the one argv[1] names,
 * and running it under its full name, so that help, refusals and message
 * prefixes read the same in each.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const hf_cli_sub *hfcli_sub_find(int argc, char **argv, const hf_cli_sub *subs,
                                 size_t n, const char *help, const char *what,
                                 int *rc)
{
    if (argc < 2) {
        fputs(help, stderr);
        *rc = HF_EXIT_USAGE;
        return NULL;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(help, stdout);
        *rc = HF_EXIT_OK;
        return NULL;
    }
    char names[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], subs[i].name) == 0)
            return &subs[i];
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                 subs[i].name);
    }
    *rc = hfcli_usage_error("unknown %s '%s' (%s)", what, argv[1], names);
    return NULL;
}

int hfcli_sub_run(const hf_cli_sub *s, int argc, char **argv)
{
    /* one buffer for the name: "hf" -> "hf plot" -> "hf plot brazil" */
    static char prog[64];
    char name[sizeof prog];
    snprintf(name, sizeof name, "%s %s", hfcli_prog, s->name);
    memcpy(prog, name, sizeof prog);
    hfcli_prog = prog;
    return s->run(argc - 1, argv + 1);
}
