/*
 * plot.h - the pieces `hf plot` draws with (cairo), shared by its three
 * plots.  Only the command has this folder: libhf never depends on cairo,
 * and the command opens it only to draw (cairoapi.h).
 *
 * A plot is drawn in a fixed logical page (PLOT_W x PLOT_H units: pixels
 * for PNG, points for PDF and SVG), so the same code makes every format
 * and the tests know where a value lands.
 */
#ifndef HF_PLOT_H
#define HF_PLOT_H

#include "cairoapi.h" /* cairo, opened at the first plot */
#include "cli/cli.h"

/* A canvas: the cairo surface for the format the file name asks for. */
typedef struct hf_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    int format;          /* HF_PLOT_PNG, _PDF, _SVG */
    double w, h;         /* page size in units */
    unsigned char *buf;  /* PDF/SVG bytes as cairo streams them */
    size_t len, cap;
    int nomem;
} hf_canvas;

enum { HF_PLOT_PNG, HF_PLOT_PDF, HF_PLOT_SVG };

/* The format from the extension of `path` (.png, .pdf, .svg, any case), or
 * -1 after a usage message (also when path is NULL: no -o given). */
int hfplot_format(const char *path);
/* The image's format (*fmt) and the model of a plot drawn from one (WS
 * [PATCH] from argv[optind_] on, with ma's options): the format is
 * checked first, so a bad -o costs no loading.  An HF_EXIT_* status after
 * any message; release l whatever it is. */
int hfplot_load(int argc, char **argv, int optind_, const char *out,
                const hf_cli_model_args *ma, int *fmt, hf_cli_loaded *l);
/* Opens a white w x h page; HF_EXIT_* status. */
int hfplot_canvas_open(hf_canvas *c, int format, double w, double h);
/* Finishes the drawing and writes it atomically to `path`; releases the
 * canvas whatever happens.  HF_EXIT_* status. */
int hfplot_canvas_save(hf_canvas *c, const char *path);
void hfplot_canvas_discard(hf_canvas *c);

/* An axes box: the frame in page units and the data range it shows. */
typedef struct hf_axes {
    double x0, y0, w, h;            /* frame: left, top, width, height */
    double xmin, xmax, ymin, ymax;  /* data range */
    int no_yticks;                  /* rows named elsewhere (pulls) */
} hf_axes;

/* Data to page coordinates. */
double hfplot_axes_px(const hf_axes *a, double x);
double hfplot_axes_py(const hf_axes *a, double y);

/* Up to ~max_ticks "nice" tick values (1, 2, 5 x 10^k steps) in [lo, hi]
 * into t[]; returns the count (t needs max_ticks + 2 entries). */
int hfplot_nice_ticks(double lo, double hi, int max_ticks, double *t);
/* A range widened to nice tick values. */
void hfplot_nice_range(double *lo, double *hi, int max_ticks);

/* Frame, ticks with their numbers, axis titles and a plot title (any may
 * be NULL). */
void hfplot_axes_draw(cairo_t *cr, const hf_axes *a, const char *xlabel,
                  const char *ylabel, const char *title);
/* Clips drawing to the frame (cairo_reset_clip undoes it). */
void hfplot_axes_clip(cairo_t *cr, const hf_axes *a);

/* Text with its anchor: ax, ay in [0, 1] pick the point of the text's box
 * placed at (x, y) (0,0 top left; 0.5,0.5 centre). */
void hfplot_text(cairo_t *cr, double x, double y, double ax, double ay,
             double size, const char *s);

/* Legend entries drawn as a box of rows at (x, y) top left. */
enum { HF_KEY_LINE, HF_KEY_DASH, HF_KEY_FILL, HF_KEY_DOT, HF_KEY_BAR };
typedef struct hf_legend_entry {
    int kind;
    double r, g, b;
    double width;  /* line width */
    const char *text;
} hf_legend_entry;
void hfplot_legend_draw(cairo_t *cr, double x, double y,
                    const hf_legend_entry *e, int n);

/* Colours shared by the plots: the Brazil band yellow and green. */
#define HF_YELLOW 1.0, 0.863, 0.0
#define HF_GREEN 0.0, 0.80, 0.0

/* The verbs. */
int hfplot_brazil(int argc, char **argv);
int hfplot_contour(int argc, char **argv);
int hfplot_pulls(int argc, char **argv);

/* Triangulation of scattered points (tri.c): n >= 3 points not all on one
 * line.  *tris gets 3 vertex indices per triangle, counter-clockwise;
 * returns the triangle count, 0 if the points are collinear, -1 out of
 * memory. */
int hfplot_triangulate(const double *x, const double *y, int n, int **tris);

#endif
