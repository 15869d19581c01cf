/*
 * pulls.c - `hf plot pulls`: where the fit put each constrained nuisance
 * parameter, relative to its constraint.
 *
 * The pull of a parameter is (theta_hat - theta0) / sigma_prior and its
 * constraint sigma_hat / sigma_prior, with theta0 the model's initial
 * value (the constraint's centre) and sigma_prior the constraint width as
 * pyhf's param_set(...).width() gives it: the Gaussian sigma of the
 * auxiliary measurement (1 for normsys/histosys, the relative uncertainty
 * for staterror, lumi's sigma), 1/sqrt(tau) for a Poisson (shapesys) one.
 * The fit is free (POI floating) on the observed data, as pyhf's pull
 * tutorial does.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const char help[] =
    "usage: hf plot pulls WS.json [PATCH.json] [options] -o FILE\n"
    "\n"
    "Fits the observed data (all parameters free) and draws, one row per\n"
    "constrained nuisance parameter, the pull (theta_hat - theta0) /\n"
    "sigma_prior as a dot and the constraint sigma_hat / sigma_prior as an\n"
    "error bar, over +-1 (green) and +-2 (yellow) guides.  Prints\n"
    "{\"output\", \"parameters\", \"pulls\", \"constraints\", \"plot_area\",\n"
    "\"plot_range\", \"row_height\"} as JSON.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE    the image: .png, .pdf or .svg\n"
    "  --patch-name NAME    the patch to apply when PATCH.json is a patchset\n"
    HF_HELP_NO_VERIFY
    "  -p, --patch FILE     a further patch; repeatable\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes, as for hf cls\n"
    "  -h, --help           this help\n";

#define ROW 18.0   /* page units per parameter */
#define W 800.0

typedef struct pull {
    const char *name;
    double pull, constraint;
} pull;

/* The constrained, free parameters with their pulls; returns the count. */
static int collect(const hf_model *m, const double *pars, const double *unc,
                   pull *out)
{
    const double *init = hf_model_inits(m), *aux = hf_model_auxdata(m),
                 *sig = hf_model_sigmas(m);
    const unsigned char *fixed = hf_model_fixed(m);
    int n = 0, nk = hf_model_nparsets(m);
    for (int k = 0; k < nk; k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) != HF_OK || !ps.constrained ||
            ps.aux_offset < 0)
            continue;
        for (int j = 0; j < ps.n; j++) {
            int i = ps.offset + j;
            double width = ps.constrained == 1
                               ? sig[ps.aux_offset + j]
                               : 1 / sqrt(aux[ps.aux_offset + j]);
            if (fixed[i] || !(width > 0))
                continue;
            out[n].name = hf_model_par_name(m, i);
            out[n].pull = (pars[i] - init[i]) / width;
            out[n].constraint = unc[i] / width;
            n++;
        }
    }
    return n;
}

static void draw(cairo_t *cr, const hf_axes *a, const pull *p, int n)
{
    cairo_save(cr);
    /* Guides: +-2 yellow under +-1 green, as the Brazil bands. */
    /* Pale tints: the black bars must stay readable on top. */
    cairo_set_source_rgb(cr, 1.0, 0.95, 0.55);
    cairo_rectangle(cr, hfplot_axes_px(a, -2), a->y0, hfplot_axes_px(a, 2) -
                    hfplot_axes_px(a, -2), a->h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.62, 0.9, 0.62);
    cairo_rectangle(cr, hfplot_axes_px(a, -1), a->y0, hfplot_axes_px(a, 1) -
                    hfplot_axes_px(a, -1), a->h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    double dash[] = {4, 3};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, hfplot_axes_px(a, 0), a->y0);
    cairo_line_to(cr, hfplot_axes_px(a, 0), a->y0 + a->h);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);

    /* Faint rules every fifth row help the eye from a name to its dot. */
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(cr, 0.6);
    for (int r = 5; r < n; r += 5) {
        cairo_move_to(cr, a->x0, a->y0 + ROW * r);
        cairo_line_to(cr, a->x0 + a->w, a->y0 + ROW * r);
    }
    cairo_stroke(cr);
    hfplot_axes_clip(cr, a);
    for (int r = 0; r < n; r++) {
        double y = a->y0 + ROW * (r + 0.5);
        double x = hfplot_axes_px(a, p[r].pull);
        double dx = p[r].constraint / (a->xmax - a->xmin) * a->w;
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 1.6);
        if (isfinite(dx)) {
            cairo_move_to(cr, x - dx, y);
            cairo_line_to(cr, x + dx, y);
            cairo_stroke(cr);
        }
        cairo_arc(cr, x, y, 3.8, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_reset_clip(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < n; r++)
        hfplot_text(cr, a->x0 - 8, a->y0 + ROW * (r + 0.5), 1, 0.5, 12,
                p[r].name);
    cairo_restore(cr);
    /* Only the x axis carries numbers: the rows are named on the left. */
    hf_axes b = *a;
    b.no_yticks = 1;
    hfplot_axes_draw(cr, &b,
                 "(\xce\xb8\xcc\x82 \xe2\x88\x92 \xce\xb8\xe2\x82\x80) / "
                 "\xce\x94\xce\xb8", NULL,
                 "Pulls: dot (\xce\xb8\xcc\x82 \xe2\x88\x92 \xce\xb8\xe2\x82\x80)"
                 "/\xce\x94\xce\xb8, bar \xcf\x83\xcc\x82/\xce\x94\xce\xb8 "
                 "(\xce\x94\xce\xb8: prior width)");
}

static int report(const char *out, const pull *p, int n, const hf_axes *a)
{
    double area[4] = {a->x0, a->y0, a->w, a->h}, range[2] = {a->xmin, a->xmax};
    cJSON *o = cJSON_CreateObject(), *names = cJSON_CreateArray(),
          *pl = cJSON_CreateArray(), *cs = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(names, cJSON_CreateString(p[i].name));
        cJSON_AddItemToArray(pl, cJSON_CreateNumber(p[i].pull));
        cJSON_AddItemToArray(cs, cJSON_CreateNumber(p[i].constraint));
    }
    cJSON_AddStringToObject(o, "output", out);
    cJSON_AddItemToObject(o, "parameters", names);
    cJSON_AddItemToObject(o, "pulls", pl);
    cJSON_AddItemToObject(o, "constraints", cs);
    /* Row r is centred ROW * (r + 0.5) below the frame's top. */
    cJSON_AddItemToObject(o, "plot_area", hfcore_json_array(area, 4));
    cJSON_AddItemToObject(o, "plot_range", hfcore_json_array(range, 2));
    cJSON_AddNumberToObject(o, "row_height", ROW);
    int rc = hfcli_emit_json(o, NULL);
    cJSON_Delete(o);
    return rc;
}

static int run(const hf_model *m, const char *out, int fmt)
{
    int np = hf_model_npars(m), rc = HF_EXIT_INPUT;
    double *pars = malloc(sizeof *pars * (size_t)(np + 1));
    double *unc = malloc(sizeof *unc * (size_t)(np + 1));
    pull *p = malloc(sizeof *p * (size_t)(np + 1));
    hf_canvas c = {0};
    hf_error err = {0};
    if (!pars || !unc || !p) {
        hfcli_msg("out of memory");
        goto done;
    }
    const double *data = hf_model_data(m);
    hf_fit_result fr;
    if (hf_fit(m, data, NULL, 0, 0, NULL, pars, &fr, &err) != HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    if (hf_fit_uncertainties(m, data, pars, unc, NULL, &err) != HF_OK) {
        hfcli_msg("warning: %s", err.msg);
        for (int i = 0; i < np; i++)
            if (unc[i] == 0)
                unc[i] = NAN;
    }
    int n = collect(m, pars, unc, p);
    if (n == 0) {
        hfcli_msg("the model has no constrained nuisance parameters");
        goto done;
    }
    /* Room on the left for the longest name; the x range covers every
     * pull and bar, at least -3..3. */
    double left = 60;
    double lo = -3, hi = 3;
    cairo_surface_t *probe = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                        1, 1);
    cairo_t *pc = cairo_create(probe);
    cairo_select_font_face(pc, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(pc, 12);
    for (int i = 0; i < n; i++) {
        cairo_text_extents_t te;
        cairo_text_extents(pc, p[i].name, &te);
        if (te.x_advance + 20 > left)
            left = te.x_advance + 20;
        double e = isfinite(p[i].constraint) ? p[i].constraint : 0;
        if (isfinite(p[i].pull)) {
            lo = fmin(lo, p[i].pull - e);
            hi = fmax(hi, p[i].pull + e);
        }
    }
    cairo_destroy(pc);
    cairo_surface_destroy(probe);
    if (left > W / 2)
        left = W / 2;
    lo = fmax(lo, -10);
    hi = fmin(hi, 10);
    hfplot_nice_range(&lo, &hi, 6);
    double h = 110 + ROW * n;
    hf_axes a = {left, 40, W - left - 30, ROW * n, lo, hi, 0, 1, 1};
    if ((rc = hfplot_canvas_open(&c, fmt, W, h)) != HF_EXIT_OK)
        goto done;
    draw(c.cr, &a, p, n);
    if ((rc = hfplot_canvas_save(&c, out)) == HF_EXIT_OK)
        rc = report(out, p, n, &a);
done:
    hfplot_canvas_discard(&c);
    free(pars);
    free(unc);
    free(p);
    return rc;
}

int hfplot_pulls(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        HF_CLI_PATCH_LONGOPTS,
        HF_CLI_MODEL_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_cli_model_args ma;
    const char *out = NULL;
    int c, rc = hfcli_model_args_init(&ma, argc);
    /* A free fit needs no POI, so background-only workspaces work too. */
    ma.mo.poi = "";
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":ho:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); hfcli_model_args_free(&ma); return HF_EXIT_OK;
        case 'o': out = optarg; break;
        default: rc = hfcli_model_getopt(&ma, c, argv);
        }
    }
    hf_cli_loaded l = {0};
    int fmt = 0;
    if (rc == HF_EXIT_OK)
        rc = hfplot_load(argc, argv, optind, out, &ma, &fmt, &l);
    hfcli_model_args_free(&ma);
    if (rc == HF_EXIT_OK)
        rc = run(l.model, out, fmt);
    hfcli_release(&l);
    return rc;
}
