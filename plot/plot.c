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
    static const hf_cli_sub kinds[] = {
        {"brazil", hfplot_brazil},
        {"contour", hfplot_contour},
        {"pulls", hfplot_pulls},
    };
    int rc;
    const char *why;
    const hf_cli_sub *k = hfcli_sub_find(argc, argv, kinds, sizeof kinds / sizeof kinds[0],
                                         help, "plot", &rc);
    if (!k)
        return rc;
    if (!hfplot_cairo_load(&why)) {
        hfcli_msg("plots need libcairo and libfontconfig, which could not "
                   "be loaded (%s; on Debian: apt install libcairo2 "
                   "libfontconfig1)", why);
        return HF_EXIT_INPUT;
    }
    rc = hfcli_sub_run(k, argc, argv);
    /* Drop cairo's and fontconfig's process-wide caches, so leak
     * checkers (make check-asan) see only our own allocations. */
    cairo_debug_reset_static_data();
    FcFini();
    return rc;
}
