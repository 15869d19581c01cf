/*
 * brazil.c - `hf plot brazil`: CLs against the POI, as pyhf's
 * contrib.viz.brazil.plot_results draws it.
 *
 * The scan uses hf_cls_scan, which shares the fits that do not depend on
 * the POI value, so a 51-point scan costs little more than 51 constrained
 * fits.  The default range comes from the upper limits, so the crossing of
 * every curve with the 0.05 line is inside the plot whatever the signal's
 * normalisation.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const char help[] =
    "usage: hf plot brazil WS.json PATCH.json [options] -o FILE\n"
    "\n"
    "Scans the asymptotic CLs (qtilde) over the POI and draws the observed\n"
    "CLs, the expected median (dashed) with its +-1 sigma (green) and\n"
    "+-2 sigma (yellow) bands, the 0.05 line (red) and the 95% CL upper\n"
    "limits.  Prints {\"output\", \"poi\", \"mu\", \"CLs_obs\", \"CLs_exp\",\n"
    "\"upper_limit\", \"plot_area\": [left, top, width, height]} as JSON.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE    the image: .png, .pdf or .svg\n"
    "  --poi-min A          scan from A (default 0)\n"
    "  --poi-max B          scan to B (default 1.5 x the larger of the\n"
    "                       observed and +2 sigma expected limits)\n"
    "  --points N           scan points (default 51)\n"
    "  --patch-name NAME    the patch to apply when PATCH.json is a patchset\n"
    HF_HELP_NO_VERIFY
    "  -p, --patch FILE     a further patch; repeatable\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes, as for hf cls\n"
    "  -h, --help           this help\n";

/* Page geometry: the test reads plot_area from the JSON, not from here. */
#define W 800.0
#define H 600.0

/* A closed band between two curves of the scan. */
static void band(cairo_t *cr, const hf_axes *a, const double *mu,
                 const hf_cls_result *r, int n, int lo, int hi)
{
    for (int i = 0; i < n; i++)
        cairo_line_to(cr, hfplot_axes_px(a, mu[i]),
                      hfplot_axes_py(a, r[i].cls_exp[hi]));
    for (int i = n - 1; i >= 0; i--)
        cairo_line_to(cr, hfplot_axes_px(a, mu[i]),
                      hfplot_axes_py(a, r[i].cls_exp[lo]));
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void curve(cairo_t *cr, const hf_axes *a, const double *mu,
                  const hf_cls_result *r, int n, int which)
{
    for (int i = 0; i < n; i++) {
        double y = which < 0 ? r[i].cls_obs : r[i].cls_exp[which];
        cairo_line_to(cr, hfplot_axes_px(a, mu[i]), hfplot_axes_py(a, y));
    }
    cairo_stroke(cr);
}

static void draw(cairo_t *cr, const hf_axes *a, const char *poi,
                 const double *mu, const hf_cls_result *r, int n,
                 const hf_limit_result *lim)
{
    char xlabel[256], text[2][160];
    double dash[] = {7, 4};
    cairo_save(cr);
    hfplot_axes_clip(cr, a);
    cairo_set_source_rgb(cr, HF_YELLOW);
    band(cr, a, mu, r, n, 0, 4);
    cairo_set_source_rgb(cr, HF_GREEN);
    band(cr, a, mu, r, n, 1, 3);

    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.8);
    cairo_set_dash(cr, dash, 2, 0);
    curve(cr, a, mu, r, n, 2);
    cairo_set_dash(cr, NULL, 0, 0);

    cairo_set_source_rgb(cr, 0.85, 0, 0);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, a->x0, hfplot_axes_py(a, 0.05));
    cairo_line_to(cr, a->x0 + a->w, hfplot_axes_py(a, 0.05));
    cairo_stroke(cr);

    /* The limits: where the observed and median curves cross 0.05. */
    cairo_set_source_rgb(cr, 0.1, 0.2, 0.8);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, hfplot_axes_px(a, lim->obs), a->y0 + a->h);
    cairo_line_to(cr, hfplot_axes_px(a, lim->obs), hfplot_axes_py(a, 0.05));
    cairo_stroke(cr);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, hfplot_axes_px(a, lim->exp[2]), a->y0 + a->h);
    cairo_line_to(cr, hfplot_axes_px(a, lim->exp[2]), hfplot_axes_py(a, 0.05));
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);

    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    curve(cr, a, mu, r, n, -1);
    for (int i = 0; i < n; i++) {
        cairo_arc(cr, hfplot_axes_px(a, mu[i]), hfplot_axes_py(a, r[i].cls_obs), 2.6,
                  0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_restore(cr);

    snprintf(xlabel, sizeof xlabel, "POI (%s)", poi);
    hfplot_axes_draw(cr, a, xlabel, "CLs", "Asymptotic CLs (qtilde)");

    snprintf(text[0], sizeof text[0], "Observed limit %.4g", lim->obs);
    snprintf(text[1], sizeof text[1],
             "Expected limit %.4g [%.4g, %.4g]", lim->exp[2], lim->exp[1],
             lim->exp[3]);
    const hf_legend_entry e[] = {
        {HF_KEY_LINE, 0, 0, 0, 2, "Observed CLs"},
        {HF_KEY_DASH, 0, 0, 0, 1.8, "Expected CLs (median)"},
        {HF_KEY_FILL, HF_GREEN, 0, "Expected \xc2\xb1" "1\xcf\x83"},
        {HF_KEY_FILL, HF_YELLOW, 0, "Expected \xc2\xb1" "2\xcf\x83"},
        {HF_KEY_LINE, 0.85, 0, 0, 1.5, "\xce\xb1 = 0.05"},
        {HF_KEY_LINE, 0.1, 0.2, 0.8, 1.5, text[0]},
        {HF_KEY_DASH, 0.1, 0.2, 0.8, 1.5, text[1]},
    };
    hfplot_legend_draw(cr, a->x0 + a->w - 300, a->y0 + 12, e,
                   (int)(sizeof e / sizeof e[0]));
}

/* {"output": ..., "poi": ..., "mu": [...], ...} on stdout. */
static int report(const char *out, const char *poi, const double *mu,
                  const hf_cls_result *r, int n, const hf_limit_result *lim,
                  const hf_axes *a)
{
    cJSON *o = cJSON_CreateObject(), *obs = cJSON_CreateArray(),
          *exp = cJSON_CreateArray(), *ul = cJSON_CreateObject();
    double area[4] = {a->x0, a->y0, a->w, a->h};
    cJSON_AddStringToObject(o, "output", out);
    cJSON_AddStringToObject(o, "poi", poi);
    cJSON_AddItemToObject(o, "mu", hfcore_json_array(mu, n));
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(obs, cJSON_CreateNumber(r[i].cls_obs));
        cJSON_AddItemToArray(exp, hfcore_json_array(r[i].cls_exp, 5));
    }
    cJSON_AddItemToObject(o, "CLs_obs", obs);
    cJSON_AddItemToObject(o, "CLs_exp", exp);
    cJSON_AddNumberToObject(ul, "obs", lim->obs);
    cJSON_AddItemToObject(ul, "exp", hfcore_json_array(lim->exp, 5));
    cJSON_AddItemToObject(o, "upper_limit", ul);
    cJSON_AddItemToObject(o, "plot_area", hfcore_json_array(area, 4));
    int rc = hfcli_emit_json(o, NULL);
    cJSON_Delete(o);
    return rc;
}

static int run(const hf_model *m, const char *out, int fmt, double lo,
               double hi, int have_hi, int n)
{
    hf_error err = {0};
    int poi = hf_model_poi(m), rc = HF_EXIT_INPUT;
    if (poi < 0) {
        hfcli_msg("the model has no parameter of interest");
        return HF_EXIT_INPUT;
    }
    const double *data = hf_model_data(m);
    hf_limit_result lim;
    if (hf_upper_limit(m, data, 0.95, HF_TEST_QMU_TILDE, NULL, &lim, &err) !=
        HF_OK)
        return hfcli_lib_error(&err);
    int finite = isfinite(lim.obs);
    for (int j = 0; j < 5; j++)
        finite = finite && isfinite(lim.exp[j]);
    if (!finite) {
        hfcli_msg("the upper limits are not finite numbers (degenerate "
                   "likelihood); nothing drawn");
        return HF_EXIT_INPUT;
    }
    if (!have_hi) {
        hi = 1.5 * fmax(lim.obs, lim.exp[4]);
        if (hi > hf_model_upper(m)[poi])
            hi = hf_model_upper(m)[poi];
    }
    if (!(hi > lo))
        return hfcli_usage_error("the POI range [%g, %g] is empty", lo, hi);

    double *mu = malloc(sizeof *mu * (size_t)n);
    hf_cls_result *r = malloc(sizeof *r * (size_t)n);
    hf_canvas c = {0};
    if (!mu || !r) {
        hfcli_msg("out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        mu[i] = lo + (hi - lo) * i / (n - 1);
    if (hf_cls_scan(m, data, mu, n, HF_TEST_QMU_TILDE, NULL, r, &err) !=
        HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    for (int i = 0; i < n; i++)
        for (int j = -1; j < 5; j++)
            finite = finite && isfinite(j < 0 ? r[i].cls_obs : r[i].cls_exp[j]);
    if (!finite) {
        hfcli_msg("CLs is not a finite number somewhere in [%g, %g] "
                   "(degenerate likelihood); nothing drawn", lo, hi);
        goto done;
    }
    hf_axes a = {90, 40, W - 120, H - 110, lo, hi, 0, 1, 0};
    if ((rc = hfplot_canvas_open(&c, fmt, W, H)) != HF_EXIT_OK)
        goto done;
    const char *poi_name = hf_model_par_name(m, poi);
    draw(c.cr, &a, poi_name, mu, r, n, &lim);
    if ((rc = hfplot_canvas_save(&c, out)) == HF_EXIT_OK)
        rc = report(out, poi_name, mu, r, n, &lim, &a);
done:
    hfplot_canvas_discard(&c);
    free(mu);
    free(r);
    return rc;
}

int hfplot_brazil(int argc, char **argv)
{
    enum { O_MIN = HF_OPT_VERB_FIRST, O_MAX, O_POINTS };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"poi-min", required_argument, NULL, O_MIN},
        {"poi-max", required_argument, NULL, O_MAX},
        {"points", required_argument, NULL, O_POINTS},
        HF_CLI_PATCH_LONGOPTS,
        HF_CLI_MODEL_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_cli_model_args ma;
    const char *out = NULL;
    int c, rc = hfcli_model_args_init(&ma, argc), have_hi = 0;
    double lo = 0, hi = 0, points = 51;
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":ho:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); hfcli_model_args_free(&ma); return HF_EXIT_OK;
        case 'o': out = optarg; break;
        case O_MIN: rc = hfcli_double("--poi-min", optarg, &lo); break;
        case O_MAX:
            have_hi = 1;
            rc = hfcli_double("--poi-max", optarg, &hi);
            break;
        case O_POINTS:
            rc = hfcli_double("--points", optarg, &points);
            if (rc == HF_EXIT_OK &&
                (points != floor(points) || points < 2 || points > 10000))
                rc = hfcli_usage_error("--points %s: give a whole number "
                                        "from 2 to 10000", optarg);
            break;
        default: rc = hfcli_model_getopt(&ma, c, argv);
        }
    }
    hf_cli_loaded l = {0};
    int fmt = 0;
    if (rc == HF_EXIT_OK)
        rc = hfplot_load(argc, argv, optind, out, &ma, &fmt, &l);
    hfcli_model_args_free(&ma);
    if (rc == HF_EXIT_OK)
        rc = run(l.model, out, fmt, lo, hi, have_hi, (int)points);
    hfcli_release(&l);
    return rc;
}
