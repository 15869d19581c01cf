/*
 * msg.c - the commands' messages on stderr: "PROG: message", and for a bad
 * command line a pointer to --help.  A program that must route them
 * otherwise (hfscan: only MPI rank 0 speaks) installs hfcli_msg_hook
 * rather than defining these functions again.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

const char *hfcli_prog = "hf";
void (*hfcli_msg_hook)(const char *text, int usage);

static void say(int usage, const char *fmt, va_list ap)
{
    if (hfcli_msg_hook) {
        char buf[960];
        vsnprintf(buf, sizeof buf, fmt, ap);
        hfcli_msg_hook(buf, usage);
        return;
    }
    fprintf(stderr, "%s: ", hfcli_prog);
    vfprintf(stderr, fmt, ap);
    if (usage)
        fprintf(stderr, "\n(see '%s --help')\n", hfcli_prog);
    else
        fputc('\n', stderr);
}

void hfcli_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(0, fmt, ap);
    va_end(ap);
}

int hfcli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(1, fmt, ap);
    va_end(ap);
    return HF_EXIT_USAGE;
}
