/*
 * contour.c - `hf plot contour`: exclusion contours over a signal grid.
 *
 * Every patch of the patchset is a point (its two label values, e.g. the
 * masses m1, m2) with CLs computed by the batch core (hf_batch_cls, all
 * cores).  The CLs = 0.05 line is then found by marching triangles: the
 * points are triangulated (tri.c: a sweep made Delaunay by edge flips),
 * log(CLs / 0.05) is interpolated linearly along each triangle's edges,
 * and each triangle where it changes sign contributes one segment.  log
 * CLs, not CLs, because CLs falls exponentially with the signal: linear
 * interpolation of CLs itself would drag the line towards the excluded
 * points.  The +-1 sigma band is the part of each triangle where the
 * -1 sigma expected CLs is below 0.05 and the +1 sigma one above: a
 * triangle clipped by two half-planes, so the band is exact for the
 * interpolated surface and its edges meet the two contours.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const char help[] =
    "usage: hf plot contour WS.json PATCHSET.json [--x LABEL --y LABEL]\n"
    "                       [options] -o FILE\n"
    "\n"
    "Computes CLs (qtilde, POI = 1) for every patch of the patchset and\n"
    "draws the observed and expected exclusion contours (CLs = 0.05) with\n"
    "the expected +-1 sigma band over two of the patchset's labels.  The\n"
    "contours are lines of linear interpolation of log CLs on a Delaunay\n"
    "triangulation of the points.  Prints {\"output\", \"x\", \"y\",\n"
    "\"points\": [[x, y, CLs_obs, CLs_exp -2..+2], ...], \"contours\":\n"
    "{\"observed\", \"expected\", \"expected_-1sigma\", \"expected_+1sigma\":\n"
    "[polylines of [x, y]]}, \"plot_area\"} as JSON.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE    the image: .png, .pdf or .svg\n"
    "  --x LABEL, --y LABEL the patchset labels (metadata.labels) on the axes;\n"
    "                       default the first two\n"
    "  --x-title T, --y-title T  axis titles (default: the labels)\n"
    "  --threads N          threads for the batch (default: all cores)\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes, as for hf cls\n"
    "  -h, --help           this help\n";

#define W 800.0
#define H 640.0

/* The values each point carries: CLs_obs, then CLs_exp -2..+2. */
enum { V_OBS, V_M2, V_M1, V_MED, V_P1, V_P2, NV };

typedef struct grid {
    int n;
    double *x, *y;  /* data coordinates */
    double *u, *v;  /* scaled to the unit square, for the triangulation */
    double *f;      /* n x NV values of log(CLs / 0.05) */
    double *cls;    /* n x NV CLs */
    int *tris, nt;
} grid;

static void grid_free(grid *g)
{
    free(g->x), free(g->y), free(g->u), free(g->v), free(g->f), free(g->cls);
    free(g->tris);
}

/* A contour as separate segments, each end on a triangle edge (i, j). */
typedef struct seg {
    double x[2], y[2];
    long key[2];
    int done;
} seg;

static long edge_key(int i, int j, int n)
{
    return i < j ? (long)i * n + j : (long)j * n + i;
}

/* The segments of the zero line of value w (a V_* index). */
static int march(const grid *g, int w, seg **out)
{
    seg *s = malloc(sizeof *s * (size_t)(g->nt + 1));
    int ns = 0;
    if (!s)
        return -1;
    for (int t = 0; t < g->nt; t++) {
        const int *T = g->tris + 3 * t;
        seg cur;
        int np = 0;
        for (int k = 0; k < 3 && np < 2; k++) {
            int i = T[k], j = T[(k + 1) % 3];
            double fi = g->f[i * NV + w], fj = g->f[j * NV + w];
            if ((fi < 0) == (fj < 0))
                continue;
            double a = fi / (fi - fj);
            cur.x[np] = g->x[i] + a * (g->x[j] - g->x[i]);
            cur.y[np] = g->y[i] + a * (g->y[j] - g->y[i]);
            cur.key[np] = edge_key(i, j, g->n);
            np++;
        }
        if (np == 2) {
            cur.done = 0;
            s[ns++] = cur;
        }
    }
    *out = s;
    return ns;
}

/* Strings the segments into polylines (pieces sharing a triangle edge
 * share an end), so dashes run on along a line; draws them and returns
 * them as a JSON array of polylines. */
static cJSON *chain(cairo_t *cr, seg *s, int ns)
{
    cJSON *lines = cJSON_CreateArray();
    double *px = malloc(sizeof *px * (size_t)(2 * ns + 2));
    double *py = malloc(sizeof *py * (size_t)(2 * ns + 2));
    if (!px || !py) {
        free(px), free(py);
        return lines;
    }
    for (int first = 0; first < ns; first++) {
        if (s[first].done)
            continue;
        /* Grow forward from end 1, then backward from end 0, into the
         * middle of a buffer twice as long as any line. */
        int lo = ns + 1, hi = ns + 1;
        px[lo] = s[first].x[0], py[lo] = s[first].y[0];
        px[++hi - 1] = s[first].x[1], py[hi - 1] = s[first].y[1];
        s[first].done = 1;
        for (int dir = 0; dir < 2; dir++) {
            long key = s[first].key[dir == 0 ? 1 : 0];
            for (;;) {
                int found = -1, end = 0;
                for (int j = 0; j < ns && found < 0; j++)
                    if (!s[j].done && (s[j].key[0] == key ||
                                       s[j].key[1] == key)) {
                        found = j;
                        end = s[j].key[0] == key ? 1 : 0;
                    }
                if (found < 0)
                    break;
                s[found].done = 1;
                if (dir == 0) {
                    px[hi] = s[found].x[end], py[hi] = s[found].y[end];
                    hi++;
                } else {
                    lo--;
                    px[lo] = s[found].x[end], py[lo] = s[found].y[end];
                }
                key = s[found].key[end];
            }
        }
        cJSON *line = cJSON_CreateArray();
        for (int i = lo; i < hi; i++) {
            double xy[2] = {px[i], py[i]};
            cJSON_AddItemToArray(line, hfcore_json_array(xy, 2));
            if (cr)
                cairo_line_to(cr, px[i], py[i]);
        }
        if (cr)
            cairo_new_sub_path(cr);
        cJSON_AddItemToArray(lines, line);
    }
    free(px), free(py);
    return lines;
}

/* Draws (in page coordinates) the zero line of value w; returns its
 * polylines in data coordinates. */
static cJSON *contour(cairo_t *cr, const hf_axes *a, const grid *g, int w)
{
    seg *s = NULL;
    int ns = march(g, w, &s);
    if (ns < 0)
        return cJSON_CreateArray();
    cJSON *data = chain(NULL, s, ns);
    /* Same chaining in page units: reset and map the ends. */
    for (int i = 0; i < ns; i++) {
        s[i].done = 0;
        for (int k = 0; k < 2; k++) {
            s[i].x[k] = hfplot_axes_px(a, s[i].x[k]);
            s[i].y[k] = hfplot_axes_py(a, s[i].y[k]);
        }
    }
    cJSON_Delete(chain(cr, s, ns));
    cairo_stroke(cr);
    free(s);
    return data;
}

/* A polygon vertex carrying the two values it is clipped by. */
typedef struct pv {
    double x, y, f1, f3;
} pv;

/* Keeps the part of polygon p (n vertices) where sign * value >= 0. */
static int clip(const pv *p, int n, int which, double sign, pv *out)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        const pv *a = &p[i], *b = &p[(i + 1) % n];
        double fa = sign * (which ? a->f3 : a->f1);
        double fb = sign * (which ? b->f3 : b->f1);
        if (fa >= 0)
            out[m++] = *a;
        if ((fa >= 0) != (fb >= 0)) {
            double t = fa / (fa - fb);
            out[m++] = (pv){a->x + t * (b->x - a->x), a->y + t * (b->y - a->y),
                            a->f1 + t * (b->f1 - a->f1),
                            a->f3 + t * (b->f3 - a->f3)};
        }
    }
    return m;
}

/* The +-1 sigma band: f(-1 sigma) < 0 and f(+1 sigma) >= 0. */
static void band(cairo_t *cr, const hf_axes *a, const grid *g)
{
    for (int t = 0; t < g->nt; t++) {
        pv p[3], q[8], r[8];
        for (int k = 0; k < 3; k++) {
            int i = g->tris[3 * t + k];
            p[k] = (pv){hfplot_axes_px(a, g->x[i]), hfplot_axes_py(a, g->y[i]),
                        g->f[i * NV + V_M1], g->f[i * NV + V_P1]};
        }
        int n = clip(p, 3, 0, -1, q);
        n = clip(q, n, 1, 1, r);
        /* A sub-path of its own: a line_to after close_path would join
         * this piece to the last. */
        cairo_new_sub_path(cr);
        for (int k = 0; k < n; k++)
            cairo_line_to(cr, r[k].x, r[k].y);
        if (n)
            cairo_close_path(cr);
    }
    /* One fill for every piece: the pieces all run the same way round
     * (page y points down, so clockwise), and filling their union at once
     * leaves no hairline seams between neighbours. */
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_fill(cr);
}

/* The patchset's labels to plot (both given, or the only two) and their
 * indices; a usage error naming the labels there are otherwise. */
static int pick_labels(const hf_patchset *ps, const char **xl,
                       const char **yl, int *jx, int *jy)
{
    int nl = hf_patchset_nlabels(ps);
    *jx = *jy = -1;
    if (!*xl && !*yl && nl == 2)
        *xl = hf_patchset_label(ps, 0), *yl = hf_patchset_label(ps, 1);
    if (!*xl || !*yl)
        return hfcli_usage_error("give the labels to plot with --x and --y "
                                  "(the patchset has %d)", nl);
    for (int j = 0; j < nl; j++) {
        if (strcmp(hf_patchset_label(ps, j), *xl) == 0)
            *jx = j;
        if (strcmp(hf_patchset_label(ps, j), *yl) == 0)
            *jy = j;
    }
    if (*jx < 0 || *jy < 0) {
        char names[256] = "";
        size_t used = 0;
        for (int j = 0; j < nl && used < sizeof names; j++)
            used += (size_t)snprintf(names + used, sizeof names - used,
                                     "%s%s", j ? ", " : "",
                                     hf_patchset_label(ps, j));
        return hfcli_usage_error("no label '%s' in the patchset (labels: %s)",
                                  *jx < 0 ? *xl : *yl, names);
    }
    return HF_EXIT_OK;
}

/* The points of the batch into g (room for br->n): those with a result,
 * finite coordinates and finite CLs; the others are named and left out. */
static void collect_points(const hf_patchset *ps, const hf_batch_result *br,
                           int jx, int jy, const char *xl, const char *yl,
                           grid *g)
{
    for (int i = 0; i < br->n; i++) {
        const hf_batch_item *it = &br->items[i];
        double x = hf_patchset_value(ps, i, jx), y = hf_patchset_value(ps, i, jy);
        if (it->status != HF_OK) {
            hfcli_msg("warning: %s: %s (left out)",
                       hf_patchset_patch_name(ps, i), it->err.msg);
            continue;
        }
        if (!isfinite(x) || !isfinite(y)) {
            hfcli_msg("warning: %s: its %s or %s value is not a number "
                       "(left out)", hf_patchset_patch_name(ps, i), xl, yl);
            continue;
        }
        double vals[NV] = {it->cls.cls_obs, it->cls.cls_exp[0],
                           it->cls.cls_exp[1], it->cls.cls_exp[2],
                           it->cls.cls_exp[3], it->cls.cls_exp[4]};
        int finite = 1;
        for (int k = 0; k < NV; k++)
            finite = finite && isfinite(vals[k]);
        if (!finite) {
            /* not drawn as "allowed" (nor printed as null) */
            hfcli_msg("warning: %s: CLs is not a finite number (degenerate "
                       "likelihood; left out)", hf_patchset_patch_name(ps, i));
            continue;
        }
        g->x[g->n] = x, g->y[g->n] = y;
        for (int k = 0; k < NV; k++) {
            g->cls[g->n * NV + k] = vals[k];
            /* A CLs of 0 (deep in the excluded region) still has a sign. */
            double v = isfinite(vals[k]) ? fmax(vals[k], 1e-300) : 1;
            g->f[g->n * NV + k] = log(v / 0.05);
        }
        g->n++;
    }
}

/* The band, the points and the four contours inside the axes; returns
 * the contours' JSON ({"expected_-1sigma": ..., "observed": ...}). */
static cJSON *draw_contours(cairo_t *cr, const hf_axes *a, const grid *g)
{
    cairo_save(cr);
    hfplot_axes_clip(cr, a);
    cairo_set_source_rgb(cr, HF_YELLOW);
    band(cr, a, g);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    for (int i = 0; i < g->n; i++) {
        cairo_arc(cr, hfplot_axes_px(a, g->x[i]), hfplot_axes_py(a, g->y[i]), 2, 0,
                  2 * M_PI);
        cairo_fill(cr);
    }
    cJSON *lines = cJSON_CreateObject();
    double dash[] = {8, 5};
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, dash, 2, 0);
    cJSON_AddItemToObject(lines, "expected_-1sigma", contour(cr, a, g, V_M1));
    cJSON_AddItemToObject(lines, "expected_+1sigma", contour(cr, a, g, V_P1));
    cairo_set_line_width(cr, 2.2);
    cJSON_AddItemToObject(lines, "expected", contour(cr, a, g, V_MED));
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_source_rgb(cr, 0.85, 0, 0);
    cairo_set_line_width(cr, 3);
    cJSON_AddItemToObject(lines, "observed", contour(cr, a, g, V_OBS));
    cairo_restore(cr);
    return lines;
}

/* Axes, title, legend and the note on the method around the contours. */
static void draw_frame(cairo_t *cr, const hf_axes *a, const grid *g,
                       const char *xtitle, const char *ytitle)
{
    char title[256];
    snprintf(title, sizeof title, "Exclusion at 95%% CL (asymptotic CLs, %d "
             "signal points)", g->n);
    hfplot_axes_draw(cr, a, xtitle, ytitle, title);
    const hf_legend_entry e[] = {
        {HF_KEY_LINE, 0.85, 0, 0, 3, "Observed limit (CLs = 0.05)"},
        {HF_KEY_DASH, 0, 0, 0, 2.2, "Expected limit"},
        {HF_KEY_FILL, HF_YELLOW, 0, "Expected \xc2\xb1" "1\xcf\x83"},
        {HF_KEY_DOT, 0.55, 0.55, 0.55, 0, "Signal points"},
    };
    hfplot_legend_draw(cr, a->x0 + a->w - 250, a->y0 + 12, e, 4);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    hfplot_text(cr, a->x0, H - 8, 0, 1, 11,
            "Contours: linear interpolation of log CLs on a Delaunay "
            "triangulation of the signal points");
}

/* The command's JSON: the points, the contours (taken), the plot area. */
static cJSON *result_json(const char *out, const char *xl, const char *yl,
                          const grid *g, cJSON *lines, const hf_axes *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "output", out);
    cJSON_AddStringToObject(o, "x", xl);
    cJSON_AddStringToObject(o, "y", yl);
    cJSON *pts = cJSON_AddArrayToObject(o, "points");
    for (int i = 0; i < g->n; i++) {
        double row[2 + NV] = {g->x[i], g->y[i]};
        memcpy(row + 2, g->cls + i * NV, sizeof(double) * NV);
        cJSON_AddItemToArray(pts, hfcore_json_array(row, 2 + NV));
    }
    cJSON_AddItemToObject(o, "contours", lines);
    double area[4] = {a->x0, a->y0, a->w, a->h};
    cJSON_AddItemToObject(o, "plot_area", hfcore_json_array(area, 4));
    double range[4] = {a->xmin, a->xmax, a->ymin, a->ymax};
    cJSON_AddItemToObject(o, "plot_range", hfcore_json_array(range, 4));
    return o;
}

static int run(hf_workspace *ws, hf_patchset *ps, const char *out, int fmt,
               const char *xl, const char *yl, const char *xt,
               const char *yt, int threads, const hf_model_options *mo)
{
    hf_error err = {0};
    int jx, jy, rc = pick_labels(ps, &xl, &yl, &jx, &jy);
    if (rc != HF_EXIT_OK)
        return rc;

    hf_batch_options bo;
    hf_batch_options_init(&bo);
    bo.threads = threads;
    bo.model = mo;
    hf_batch_result br = {0};
    if (hf_batch_cls(ws, ps, &bo, &br, &err) != HF_OK)
        return hfcli_lib_error(&err);

    int np = br.n;
    rc = HF_EXIT_INPUT;
    grid g = {0};
    hf_canvas c = {0};
    cJSON *o = NULL;
    g.x = malloc(sizeof *g.x * (size_t)(np + 1));
    g.y = malloc(sizeof *g.y * (size_t)(np + 1));
    g.u = malloc(sizeof *g.u * (size_t)(np + 1));
    g.v = malloc(sizeof *g.v * (size_t)(np + 1));
    g.f = malloc(sizeof *g.f * NV * (size_t)(np + 1));
    g.cls = malloc(sizeof *g.cls * NV * (size_t)(np + 1));
    if (!g.x || !g.y || !g.u || !g.v || !g.f || !g.cls) {
        hfcli_msg("out of memory");
        goto done;
    }
    collect_points(ps, &br, jx, jy, xl, yl, &g);
    if (g.n < 3) {
        hfcli_msg("need at least 3 points with CLs to draw contours (have %d)",
                   g.n);
        goto done;
    }

    double xmin = g.x[0], xmax = g.x[0], ymin = g.y[0], ymax = g.y[0];
    for (int i = 1; i < g.n; i++) {
        xmin = fmin(xmin, g.x[i]), xmax = fmax(xmax, g.x[i]);
        ymin = fmin(ymin, g.y[i]), ymax = fmax(ymax, g.y[i]);
    }
    for (int i = 0; i < g.n; i++) {
        g.u[i] = xmax > xmin ? (g.x[i] - xmin) / (xmax - xmin) : 0;
        g.v[i] = ymax > ymin ? (g.y[i] - ymin) / (ymax - ymin) : 0;
    }
    g.nt = hfplot_triangulate(g.u, g.v, g.n, &g.tris);
    if (g.nt < 0) {
        hfcli_msg("out of memory");
        goto done;
    }
    if (g.nt == 0) {
        hfcli_msg("the points lie on one line: no contour to draw");
        goto done;
    }

    /* A margin of a few percent so points on the edge stay visible, and
     * headroom at the top for the legend, as HEP plots leave it. */
    double mx = 0.04 * (xmax - xmin), my = 0.04 * (ymax - ymin);
    hf_axes a = {100, 40, W - 130, H - 110, xmin - mx, xmax + mx, ymin - my,
                 ymax + 8 * my, 0};
    if ((rc = hfplot_canvas_open(&c, fmt, W, H)) != HF_EXIT_OK)
        goto done;
    cJSON *lines = draw_contours(c.cr, &a, &g);
    draw_frame(c.cr, &a, &g, xt ? xt : xl, yt ? yt : yl);
    o = result_json(out, xl, yl, &g, lines, &a);
    if ((rc = hfplot_canvas_save(&c, out)) == HF_EXIT_OK)
        rc = hfcli_emit_json(o, NULL);
done:
    cJSON_Delete(o);
    hfplot_canvas_discard(&c);
    grid_free(&g);
    hf_batch_result_free(&br);
    return rc;
}

int hfplot_contour(int argc, char **argv)
{
    enum { O_X = HF_OPT_VERB_FIRST, O_Y, O_XT, O_YT, O_THREADS };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"x", required_argument, NULL, O_X},
        {"y", required_argument, NULL, O_Y},
        {"x-title", required_argument, NULL, O_XT},
        {"y-title", required_argument, NULL, O_YT},
        {"threads", required_argument, NULL, O_THREADS},
        HF_CLI_MODEL_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_cli_model_args ma; /* no patch options: a workspace and a patchset */
    const char *out = NULL, *xl = NULL, *yl = NULL, *xt = NULL, *yt = NULL;
    int c, rc = hfcli_model_args_init(&ma, 0);
    double threads = 0;
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); hfcli_model_args_free(&ma); return HF_EXIT_OK;
        case 'o': out = optarg; break;
        case O_X: xl = optarg; break;
        case O_Y: yl = optarg; break;
        case O_XT: xt = optarg; break;
        case O_YT: yt = optarg; break;
        case O_THREADS:
            rc = hfcli_double("--threads", optarg, &threads);
            if (rc == HF_EXIT_OK && (threads != floor(threads) || threads < 0 ||
                                     threads > 4096))
                rc = hfcli_usage_error("--threads %s: give a whole number",
                                        optarg);
            break;
        default: rc = hfcli_model_getopt(&ma, c, argv);
        }
    }
    hfcli_model_args_free(&ma);
    if (rc != HF_EXIT_OK)
        return rc;
    int fmt = hfplot_format(out);
    if (fmt < 0)
        return HF_EXIT_USAGE;
    if (argc - optind != 2)
        return hfcli_usage_error("give a workspace and a patchset file");
    if ((xl == NULL) != (yl == NULL))
        return hfcli_usage_error("give both --x and --y");

    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hf_error err = {0};
    if ((rc = hfcli_load_workspace(argv[optind], &ws)) != HF_EXIT_OK)
        return rc;
    if (hf_patchset_read(argv[optind + 1], &ps, &err) != HF_OK)
        rc = hfcli_lib_error(&err);
    else
        rc = run(ws, ps, out, fmt, xl, yl, xt, yt, (int)threads, &ma.mo);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
    return rc;
}
