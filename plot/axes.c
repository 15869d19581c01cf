/*
 * axes.c - frames, ticks, axis titles, text and legends.
 *
 * Just what three plots need, in the matplotlib look physicists read
 * without thinking: inward ticks on all four sides, numbers at 1-2-5
 * steps, titles centred on their axis.
 */
#include <math.h>
#include <stdio.h>

#include "plot.h"

double hfplot_axes_px(const hf_axes *a, double x)
{
    return a->x0 + (x - a->xmin) / (a->xmax - a->xmin) * a->w;
}

double hfplot_axes_py(const hf_axes *a, double y)
{
    return a->y0 + a->h - (y - a->ymin) / (a->ymax - a->ymin) * a->h;
}

/* The 1-2-5 x 10^k step giving at most max_ticks intervals over span. */
static double nice_step(double span, int max_ticks)
{
    if (!(span > 0))
        return 1;
    double raw = span / (max_ticks > 1 ? max_ticks : 1);
    double p = pow(10, floor(log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

int hfplot_nice_ticks(double lo, double hi, int max_ticks, double *t)
{
    double step = nice_step(hi - lo, max_ticks);
    int n = 0;
    /* A tolerance of a millionth of a step keeps the end ticks that
     * rounding would drop. */
    for (double k = ceil(lo / step - 1e-6); k * step <= hi + step * 1e-6 &&
                                            n < max_ticks + 2; k++) {
        double v = k * step;
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    return n;
}

void hfplot_nice_range(double *lo, double *hi, int max_ticks)
{
    if (!(*hi > *lo))
        *hi = *lo + 1;
    double step = nice_step(*hi - *lo, max_ticks);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
}

void hfplot_text(cairo_t *cr, double x, double y, double ax, double ay,
             double size, const char *s)
{
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &te);
    cairo_font_extents(cr, &fe);
    /* Vertical placement from the font's ascent, not the glyphs' ink, so
     * labels of one row line up whatever letters they hold. */
    double h = fe.ascent + fe.descent;
    cairo_move_to(cr, x - ax * te.x_advance, y - ay * h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
}

void hfplot_axes_clip(cairo_t *cr, const hf_axes *a)
{
    cairo_rectangle(cr, a->x0, a->y0, a->w, a->h);
    cairo_clip(cr);
}

void hfplot_axes_draw(cairo_t *cr, const hf_axes *a, const char *xlabel,
                  const char *ylabel, const char *title)
{
    double t[16];
    char buf[32];
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.2);
    cairo_rectangle(cr, a->x0, a->y0, a->w, a->h);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 1);

    int nx = hfplot_nice_ticks(a->xmin, a->xmax, (int)(a->w / 80) + 1, t);
    for (int i = 0; i < nx; i++) {
        double px = hfplot_axes_px(a, t[i]);
        cairo_move_to(cr, px, a->y0 + a->h);
        cairo_line_to(cr, px, a->y0 + a->h - 7);
        cairo_move_to(cr, px, a->y0);
        cairo_line_to(cr, px, a->y0 + 7);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%g", t[i]);
        hfplot_text(cr, px, a->y0 + a->h + 5, 0.5, 0, 13, buf);
    }
    int ny = a->no_yticks ? 0 : hfplot_nice_ticks(a->ymin, a->ymax,
                                               (int)(a->h / 60) + 1, t);
    for (int i = 0; i < ny; i++) {
        double py = hfplot_axes_py(a, t[i]);
        cairo_move_to(cr, a->x0, py);
        cairo_line_to(cr, a->x0 + 7, py);
        cairo_move_to(cr, a->x0 + a->w, py);
        cairo_line_to(cr, a->x0 + a->w - 7, py);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%g", t[i]);
        hfplot_text(cr, a->x0 - 6, py, 1, 0.5, 13, buf);
    }
    if (xlabel)
        hfplot_text(cr, a->x0 + a->w, a->y0 + a->h + 26, 1, 0, 15, xlabel);
    if (ylabel) {
        /* Rotated, at the top of the axis as matplotlib's HEP styles put it. */
        cairo_save(cr);
        cairo_translate(cr, a->x0 - 52, a->y0);
        cairo_rotate(cr, -M_PI / 2);
        hfplot_text(cr, 0, 0, 1, 0.5, 15, ylabel);
        cairo_restore(cr);
    }
    if (title)
        hfplot_text(cr, a->x0, a->y0 - 8, 0, 1, 15, title);
    cairo_restore(cr);
}

void hfplot_legend_draw(cairo_t *cr, double x, double y,
                    const hf_legend_entry *e, int n)
{
    const double row = 20, key = 34, size = 13;
    double wmax = 0;
    cairo_save(cr);
    cairo_set_font_size(cr, size);
    for (int i = 0; i < n; i++) {
        cairo_text_extents_t te;
        cairo_text_extents(cr, e[i].text, &te);
        if (te.x_advance > wmax)
            wmax = te.x_advance;
    }
    /* A white box so the legend stays readable over bands and lines. */
    cairo_rectangle(cr, x, y, key + wmax + 22, n * row + 8);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    for (int i = 0; i < n; i++) {
        double cy = y + 4 + row * (i + 0.5), kx = x + 8;
        cairo_set_source_rgb(cr, e[i].r, e[i].g, e[i].b);
        cairo_set_line_width(cr, e[i].width > 0 ? e[i].width : 2);
        switch (e[i].kind) {
        case HF_KEY_FILL:
            cairo_rectangle(cr, kx, cy - 6, key - 6, 12);
            cairo_fill(cr);
            break;
        case HF_KEY_DOT:
            cairo_arc(cr, kx + (key - 6) / 2, cy, 3, 0, 2 * M_PI);
            cairo_fill(cr);
            break;
        case HF_KEY_BAR:
            cairo_move_to(cr, kx, cy);
            cairo_line_to(cr, kx + key - 6, cy);
            cairo_stroke(cr);
            cairo_arc(cr, kx + (key - 6) / 2, cy, 3.5, 0, 2 * M_PI);
            cairo_fill(cr);
            break;
        default: {
            double dash[] = {6, 4};
            if (e[i].kind == HF_KEY_DASH)
                cairo_set_dash(cr, dash, 2, 0);
            cairo_move_to(cr, kx, cy);
            cairo_line_to(cr, kx + key - 6, cy);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        hfplot_text(cr, kx + key + 2, cy, 0, 0.5, size, e[i].text);
    }
    cairo_restore(cr);
}
