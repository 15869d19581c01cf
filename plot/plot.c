/*
 * plot.c - `hf plot KIND ...`: dispatch to the three plots, and the
 * loading of the model that brazil and pulls draw from.
 *
 * Each plot writes its image (format from the -o extension) and prints on
 * stdout one line of JSON with the numbers it drew, so a script (or a
 * test) can check the picture against the values without reading pixels.
 */
#include <string.h>

#include "plot.h"

static const char help[] =
    "usage: hf plot KIND ... -o FILE.png|.pdf|.svg\n"
    "\n"
    "kinds:\n"
    "  brazil   WS.json PATCH.json: CLs against the POI with the expected\n"
    "           +-1 and +-2 sigma bands and the upper limits\n"
    "  contour  WS.json PATCHSET.json --x LABEL --y LABEL: observed and\n"
    "           expected exclusion contours (CLs = 0.05) over a signal grid\n"
    "  pulls    WS.json [PATCH.json]: post-fit pulls and constraints of the\n"
    "           constrained nuisance parameters\n"
    "\n"
    "hf plot KIND --help tells about a kind.  The image is written\n"
    "atomically; stdout gets one line of JSON with the plotted numbers.\n";

int hfplot_load(int argc, char **argv, int optind_, const char *out,
                const hf_cli_model_args *ma, int *fmt, hf_cli_loaded *l)
{
    if ((*fmt = hfplot_format(out)) < 0)
        return HF_EXIT_USAGE;
    return hfcli_model_load(argc, argv, optind_, ma, l);
}

int hfplot_cmd_plot(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } kinds[] = {
        {"brazil", hfplot_brazil},
        {"contour", hfplot_contour},
        {"pulls", hfplot_pulls},
    };
    if (argc < 2) {
        fputs(help, stderr);
        return HF_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(help, stdout);
        return HF_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *why;
        if (strcmp(argv[1], kinds[i].name) == 0 && !hfplot_cairo_load(&why)) {
            hfcli_msg("plots need libcairo and libfontconfig, which could not "
                       "be loaded (%s; on Debian: apt install libcairo2 "
                       "libfontconfig1)", why);
            return HF_EXIT_INPUT;
        }
        if (strcmp(argv[1], kinds[i].name) == 0) {
            static char prog[32];
            snprintf(prog, sizeof prog, "hf plot %s", kinds[i].name);
            hfcli_prog = prog;
            int rc = kinds[i].run(argc - 1, argv + 1);
            /* Drop cairo's and fontconfig's process-wide caches, so leak
             * checkers (make check-asan) see only our own allocations. */
            cairo_debug_reset_static_data();
            FcFini();
            return rc;
        }
    }
    return hfcli_usage_error("unknown plot '%s' (brazil, contour, pulls)",
                              argv[1]);
}
