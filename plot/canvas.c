/*
 * canvas.c - a cairo surface for PNG, PDF or SVG, written atomically.
 *
 * Every format is rendered into memory and written with hfcli_write_bytes
 * (temp file + rename), as the other verbs write their results: a failed
 * or interrupted plot never leaves half an image under the asked-for name.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "plot.h"

int hfplot_format(const char *path)
{
    if (!path) {
        hfcli_usage_error("give the image file with -o FILE");
        return -1;
    }
    const char *dot = strrchr(path, '.');
    if (dot && strcasecmp(dot, ".png") == 0)
        return HF_PLOT_PNG;
    if (dot && strcasecmp(dot, ".pdf") == 0)
        return HF_PLOT_PDF;
    if (dot && strcasecmp(dot, ".svg") == 0)
        return HF_PLOT_SVG;
    hfcli_usage_error("-o %s: the file name must end in .png, .pdf or .svg",
                       path);
    return -1;
}

/* cairo's stream callback: appends to the canvas buffer. */
static cairo_status_t append(void *closure, const unsigned char *data,
                             unsigned int n)
{
    hf_canvas *c = closure;
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 1 << 16;
        while (cap < c->len + n)
            cap *= 2;
        unsigned char *b = realloc(c->buf, cap);
        if (!b) {
            c->nomem = 1;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
    return CAIRO_STATUS_SUCCESS;
}

int hfplot_canvas_open(hf_canvas *c, int format, double w, double h)
{
    memset(c, 0, sizeof *c);
    c->format = format;
    c->w = w;
    c->h = h;
    switch (format) {
    case HF_PLOT_PNG:
        c->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w,
                                                (int)h);
        break;
    case HF_PLOT_PDF:
        c->surface = cairo_pdf_surface_create_for_stream(append, c, w, h);
        break;
    default:
        c->surface = cairo_svg_surface_create_for_stream(append, c, w, h);
        break;
    }
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        hfcli_msg("cannot create the drawing surface: %s",
                   cairo_status_to_string(cairo_surface_status(c->surface)));
        hfplot_canvas_discard(c);
        return HF_EXIT_INPUT;
    }
    c->cr = cairo_create(c->surface);
    /* A white page: a transparent PNG looks broken in dark viewers. */
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    cairo_select_font_face(c->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    return HF_EXIT_OK;
}

void hfplot_canvas_discard(hf_canvas *c)
{
    if (c->cr)
        cairo_destroy(c->cr);
    if (c->surface)
        cairo_surface_destroy(c->surface);
    free(c->buf);
    memset(c, 0, sizeof *c);
}

int hfplot_canvas_save(hf_canvas *c, const char *path)
{
    cairo_status_t st = cairo_status(c->cr);
    cairo_destroy(c->cr);
    c->cr = NULL;
    if (st == CAIRO_STATUS_SUCCESS) {
        if (c->format == HF_PLOT_PNG) {
            st = cairo_surface_write_to_png_stream(c->surface, append, c);
        } else {
            /* Finishing flushes the last page into the stream. */
            cairo_surface_finish(c->surface);
            st = cairo_surface_status(c->surface);
        }
    }
    if (st != CAIRO_STATUS_SUCCESS || c->nomem) {
        hfcli_msg("%s: cannot draw: %s", path,
                   c->nomem ? "out of memory" : cairo_status_to_string(st));
        hfplot_canvas_discard(c);
        return HF_EXIT_INPUT;
    }
    hf_error err = {0};
    int rc = HF_EXIT_OK;
    if (hfcli_write_bytes(path, c->buf, c->len, &err) != HF_OK)
        rc = hfcli_lib_error(&err);
    hfplot_canvas_discard(c);
    return rc;
}
