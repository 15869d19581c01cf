/*
 * cairoapi.h - cairo (and fontconfig's FcFini) reached through a table
 * that plot/cairodl.c fills at the first plot: `hf` does not link cairo,
 * whose loading (with fontconfig, freetype, pixman, X11's libraries)
 * cost ~3 ms of CPU in every command, nearly all of which draw nothing.
 *
 * Included by plot.h after cairo's headers: each cairo function used in
 * plot/ is redefined as the table's member of the same name and type, so
 * the drawing code reads as plain cairo.  For plot/ only.
 */
#ifndef HF_PLOT_CAIROAPI_H
#define HF_PLOT_CAIROAPI_H

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>

#define HFPLOT_CAIRO_SYMS                        \
    HFPLOT_SYM(cairo_arc)                        \
    HFPLOT_SYM(cairo_clip)                       \
    HFPLOT_SYM(cairo_close_path)                 \
    HFPLOT_SYM(cairo_create)                     \
    HFPLOT_SYM(cairo_debug_reset_static_data)    \
    HFPLOT_SYM(cairo_destroy)                    \
    HFPLOT_SYM(cairo_fill)                       \
    HFPLOT_SYM(cairo_fill_preserve)              \
    HFPLOT_SYM(cairo_font_extents)               \
    HFPLOT_SYM(cairo_image_surface_create)       \
    HFPLOT_SYM(cairo_line_to)                    \
    HFPLOT_SYM(cairo_move_to)                    \
    HFPLOT_SYM(cairo_new_path)                   \
    HFPLOT_SYM(cairo_new_sub_path)               \
    HFPLOT_SYM(cairo_paint)                      \
    HFPLOT_SYM(cairo_pdf_surface_create_for_stream) \
    HFPLOT_SYM(cairo_rectangle)                  \
    HFPLOT_SYM(cairo_reset_clip)                 \
    HFPLOT_SYM(cairo_restore)                    \
    HFPLOT_SYM(cairo_rotate)                     \
    HFPLOT_SYM(cairo_save)                       \
    HFPLOT_SYM(cairo_select_font_face)           \
    HFPLOT_SYM(cairo_set_dash)                   \
    HFPLOT_SYM(cairo_set_fill_rule)              \
    HFPLOT_SYM(cairo_set_font_size)              \
    HFPLOT_SYM(cairo_set_line_width)             \
    HFPLOT_SYM(cairo_set_source_rgb)             \
    HFPLOT_SYM(cairo_set_source_rgba)            \
    HFPLOT_SYM(cairo_show_text)                  \
    HFPLOT_SYM(cairo_status)                     \
    HFPLOT_SYM(cairo_status_to_string)           \
    HFPLOT_SYM(cairo_stroke)                     \
    HFPLOT_SYM(cairo_surface_destroy)            \
    HFPLOT_SYM(cairo_surface_finish)             \
    HFPLOT_SYM(cairo_surface_status)             \
    HFPLOT_SYM(cairo_surface_write_to_png_stream) \
    HFPLOT_SYM(cairo_svg_surface_create_for_stream) \
    HFPLOT_SYM(cairo_text_extents)               \
    HFPLOT_SYM(cairo_translate)

/* A member per function, of its own type, named as it; cairo_sym[] and
 * fc_sym[] are the same storage as core/dl.h fills it, one per library. */
enum { HFPLOT_NCAIRO = 0
#define HFPLOT_SYM(f) +1
       HFPLOT_CAIRO_SYMS
#undef HFPLOT_SYM
};
typedef struct hfplot_cairo_api {
#define HFPLOT_SYM(f) __typeof__(f) *f;
    union {
        struct {
            HFPLOT_CAIRO_SYMS
        };
        void *cairo_sym[HFPLOT_NCAIRO];
    };
    union {
        struct {
            HFPLOT_SYM(FcFini) /* fontconfig's caches released after a plot */
        };
        void *fc_sym[1];
    };
#undef HFPLOT_SYM
} hfplot_cairo_api;

/* The table, the libraries opened at the first call: NULL when they
 * cannot be (then *why says what is missing). */
const hfplot_cairo_api *hfplot_cairo_load(const char **why);
/* The table of a successful hfplot_cairo_load (`hf plot` checks first). */
const hfplot_cairo_api *hfplot_cairo(void);

/* cairodl.c fills the table by these names: it sees no redefinitions */
#ifndef HFPLOT_CAIRO_TABLE

#define cairo_arc (hfplot_cairo()->cairo_arc)
#define cairo_clip (hfplot_cairo()->cairo_clip)
#define cairo_close_path (hfplot_cairo()->cairo_close_path)
#define cairo_create (hfplot_cairo()->cairo_create)
#define cairo_debug_reset_static_data (hfplot_cairo()->cairo_debug_reset_static_data)
#define cairo_destroy (hfplot_cairo()->cairo_destroy)
#define cairo_fill (hfplot_cairo()->cairo_fill)
#define cairo_fill_preserve (hfplot_cairo()->cairo_fill_preserve)
#define cairo_font_extents (hfplot_cairo()->cairo_font_extents)
#define cairo_image_surface_create (hfplot_cairo()->cairo_image_surface_create)
#define cairo_line_to (hfplot_cairo()->cairo_line_to)
#define cairo_move_to (hfplot_cairo()->cairo_move_to)
#define cairo_new_path (hfplot_cairo()->cairo_new_path)
#define cairo_new_sub_path (hfplot_cairo()->cairo_new_sub_path)
#define cairo_paint (hfplot_cairo()->cairo_paint)
#define cairo_pdf_surface_create_for_stream (hfplot_cairo()->cairo_pdf_surface_create_for_stream)
#define cairo_rectangle (hfplot_cairo()->cairo_rectangle)
#define cairo_reset_clip (hfplot_cairo()->cairo_reset_clip)
#define cairo_restore (hfplot_cairo()->cairo_restore)
#define cairo_rotate (hfplot_cairo()->cairo_rotate)
#define cairo_save (hfplot_cairo()->cairo_save)
#define cairo_select_font_face (hfplot_cairo()->cairo_select_font_face)
#define cairo_set_dash (hfplot_cairo()->cairo_set_dash)
#define cairo_set_fill_rule (hfplot_cairo()->cairo_set_fill_rule)
#define cairo_set_font_size (hfplot_cairo()->cairo_set_font_size)
#define cairo_set_line_width (hfplot_cairo()->cairo_set_line_width)
#define cairo_set_source_rgb (hfplot_cairo()->cairo_set_source_rgb)
#define cairo_set_source_rgba (hfplot_cairo()->cairo_set_source_rgba)
#define cairo_show_text (hfplot_cairo()->cairo_show_text)
#define cairo_status (hfplot_cairo()->cairo_status)
#define cairo_status_to_string (hfplot_cairo()->cairo_status_to_string)
#define cairo_stroke (hfplot_cairo()->cairo_stroke)
#define cairo_surface_destroy (hfplot_cairo()->cairo_surface_destroy)
#define cairo_surface_finish (hfplot_cairo()->cairo_surface_finish)
#define cairo_surface_status (hfplot_cairo()->cairo_surface_status)
#define cairo_surface_write_to_png_stream (hfplot_cairo()->cairo_surface_write_to_png_stream)
#define cairo_svg_surface_create_for_stream (hfplot_cairo()->cairo_svg_surface_create_for_stream)
#define cairo_text_extents (hfplot_cairo()->cairo_text_extents)
#define cairo_translate (hfplot_cairo()->cairo_translate)
#define FcFini (hfplot_cairo()->FcFini)
#endif

#endif
