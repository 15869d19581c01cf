/*
 * test_plot.c - `hf plot brazil|contour|pulls` run as commands ($HF_BIN,
 * set by `make check`; everything skips without it).
 *
 * Beyond "a file appeared": each image has the format its extension asks
 * for (magic bytes) and a plausible size, and the PNGs are read back with
 * cairo to check that known values land on the right pixels, using the
 * numbers and the frame geometry the command prints as JSON: the Brazil
 * bands are yellow, green, green, yellow from top to bottom between the
 * expected CLs curves at a POI, the 0.05 line is red, the pulls' dots sit
 * at their pulls and the observed contour is drawn where its JSON says.
 * Runs from the repository root; the ../shared tests skip without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <cmocka.h>

#include "internal.h"
#include "run.h"

#define DEMO_WS RUN_DEMO_WS
#define DEMO_PS "workspaces/demo/patchset.json"
#define SHARED RUN_SHARED
#define REAL SHARED "/workspaces/real/"
#define RJ REAL "3LRJ_ATLAS-SUSY-2018-06/"

static void tmp_path(char *buf, const char *name)
{
    snprintf(buf, 512, "%s/%s", tmpdir, name);
}

/* The file starts with `magic` and is between lo and hi bytes long. */
static void assert_file(const char *path, const char *magic, size_t mlen,
                        long lo, long hi)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (st.st_size < lo || st.st_size > hi)
        fprintf(stderr, "%s: %ld bytes, want %ld..%ld\n", path,
                (long)st.st_size, lo, hi);
    assert_true(st.st_size >= lo && st.st_size <= hi);
    char head[16] = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(head, 1, mlen, f), mlen);
    fclose(f);
    assert_memory_equal(head, magic, mlen);
}

static const char PNG_MAGIC[] = "\x89PNG\r\n\x1a\n";

/* A PNG read back: pixels as 0xAARRGGBB words. */
typedef struct image {
    cairo_surface_t *s;
    int w, h, stride;
    const unsigned char *data;
} image;

static image load_png(const char *path)
{
    image im;
    im.s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(im.s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(im.s);
    im.w = cairo_image_surface_get_width(im.s);
    im.h = cairo_image_surface_get_height(im.s);
    im.stride = cairo_image_surface_get_stride(im.s);
    im.data = cairo_image_surface_get_data(im.s);
    return im;
}

static void rgb(const image *im, int x, int y, int *r, int *g, int *b)
{
    assert_true(x >= 0 && x < im->w && y >= 0 && y < im->h);
    uint32_t p = *(const uint32_t *)(im->data + (size_t)y * im->stride +
                                     (size_t)x * 4);
    *r = (p >> 16) & 255, *g = (p >> 8) & 255, *b = p & 255;
}

/* 'Y' the band yellow, 'G' the band green, 'R' red, 'K' near black,
 * '.' anything else. */
static char colour(const image *im, int x, int y)
{
    int r, g, b;
    rgb(im, x, y, &r, &g, &b);
    if (r > 235 && g > 195 && g < 235 && b < 50)
        return 'Y';
    if (r < 50 && g > 180 && g < 225 && b < 50)
        return 'G';
    if (r > 170 && g < 70 && b < 70)
        return 'R';
    if (r < 90 && g < 90 && b < 90)
        return 'K';
    return '.';
}

static double num(const cJSON *a, int i)
{
    const cJSON *v = cJSON_GetArrayItem(a, i);
    assert_non_null(v);
    return v->valuedouble;
}

/* --------------------------------------------------------------- brazil */

static void test_brazil_png(void **state)
{
    NEED_BIN();
    char png[512];
    tmp_path(png, "ul.png");
    result r = run("plot", "brazil", DEMO_WS, DEMO_PS, "--patch-name",
                   "sig_300", "--points", "21", "-o", png, NULL);
    cJSON *j = parse_ok(&r);
    assert_file(png, PNG_MAGIC, 8, 10000, 200000);
    assert_string_equal(cJSON_GetObjectItem(j, "poi")->valuestring, "mu_SIG");
    const cJSON *mu = cJSON_GetObjectItem(j, "mu");
    const cJSON *obs = cJSON_GetObjectItem(j, "CLs_obs");
    const cJSON *exp = cJSON_GetObjectItem(j, "CLs_exp");
    const cJSON *area = cJSON_GetObjectItem(j, "plot_area");
    int n = cJSON_GetArraySize(mu);
    assert_int_equal(n, 21);
    /* The limits as hf cls --upper-limit gives them (README). */
    const cJSON *ul = cJSON_GetObjectItem(j, "upper_limit");
    assert_true(fabs(cJSON_GetObjectItem(ul, "obs")->valuedouble -
                     1.1444530033252518) < 1e-3);
    double x0 = num(area, 0), y0 = num(area, 1), w = num(area, 2),
           h = num(area, 3);
    double lo = num(mu, 0), hi = num(mu, n - 1);
    image im = load_png(png);
    assert_int_equal(im.w, 800);
    assert_int_equal(im.h, 600);

    /* Columns half-way between scan points (clear of the markers), left
     * of the legend; the curves are straight between points, so their
     * rows there are the mean of the two ends. */
    int checked = 0;
    for (int i = 0; i + 1 < n; i++) {
        double m = 0.5 * (num(mu, i) + num(mu, i + 1));
        int px = (int)lround(x0 + (m - lo) / (hi - lo) * w);
        if (px > x0 + w - 320)
            break;
        double row[5], orow;
        for (int k = 0; k < 5; k++) {
            double c = 0.5 * (num(cJSON_GetArrayItem(exp, i), k) +
                              num(cJSON_GetArrayItem(exp, i + 1), k));
            row[k] = y0 + h - c * h;
        }
        orow = y0 + h - 0.5 * (num(obs, i) + num(obs, i + 1)) * h;
        /* Sample the middle of each band: +2..+1 yellow, +1..median green,
         * median..-1 green, -1..-2 yellow (rows grow downwards). */
        const char want[4] = {'Y', 'G', 'G', 'Y'};
        const int from[4] = {4, 3, 2, 1};
        int usable = 1;
        double ys[4];
        for (int b = 0; b < 4; b++) {
            ys[b] = 0.5 * (row[from[b]] + row[from[b] - 1]);
            if (row[from[b] - 1] - row[from[b]] < 10 || fabs(ys[b] - orow) < 6)
                usable = 0;
        }
        if (!usable)
            continue;
        for (int b = 0; b < 4; b++) {
            char c = colour(&im, px, (int)lround(ys[b]));
            if (c != want[b])
                fprintf(stderr, "mu %g band %d: pixel (%d, %d) is '%c'\n", m,
                        b, px, (int)lround(ys[b]), c);
            assert_int_equal(c, want[b]);
        }
        /* Top to bottom the band colours run yellow, green, yellow. */
        char seq[8] = {0};
        int ns = 0;
        for (int y = (int)y0 + 2; y < y0 + h - 2 && ns < 7; y++) {
            char c = colour(&im, px, y);
            if ((c == 'Y' || c == 'G') && (ns == 0 || seq[ns - 1] != c))
                seq[ns++] = c;
        }
        assert_string_equal(seq, "YGY");
        checked++;
    }
    assert_true(checked >= 3);

    /* The 0.05 line, near the right end where nothing else is drawn. */
    int py = (int)lround(y0 + h - 0.05 * h), px = (int)(x0 + w - 12);
    int red = 0;
    for (int dy = -1; dy <= 1; dy++)
        red |= colour(&im, px, py + dy) == 'R';
    assert_true(red);
    cairo_surface_destroy(im.s);
    cJSON_Delete(j);
    result_free(&r);
}

static void test_brazil_vector(void **state)
{
    NEED_BIN();
    char pdf[512], svg[512];
    tmp_path(pdf, "ul.pdf");
    tmp_path(svg, "ul.svg");
    result r = run("plot", "brazil", DEMO_WS, DEMO_PS, "--patch-name",
                   "sig_400", "--poi-min", "0", "--poi-max", "3", "--points",
                   "11", "-o", pdf, NULL);
    cJSON *j = parse_ok(&r);
    assert_file(pdf, "%PDF-", 5, 2000, 500000);
    const cJSON *mu = cJSON_GetObjectItem(j, "mu");
    assert_int_equal(cJSON_GetArraySize(mu), 11);
    assert_true(fabs(num(mu, 10) - 3) < 1e-12);
    cJSON_Delete(j);
    result_free(&r);
    r = run("plot", "brazil", DEMO_WS, DEMO_PS, "--patch-name", "sig_400",
            "--points", "11", "-o", svg, NULL);
    cJSON_Delete(parse_ok(&r));
    assert_file(svg, "<?xml", 5, 2000, 2000000);
    result_free(&r);
}

static void test_plot_errors(void **state)
{
    NEED_BIN();
    char jpg[512], png[512];
    tmp_path(jpg, "ul.jpg");
    tmp_path(png, "nope.png");
    result r = run("plot", "brazil", DEMO_WS, DEMO_PS, "--patch-name",
                   "sig_300", "-o", jpg, NULL);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, ".png, .pdf or .svg"));
    assert_int_equal(access(jpg, F_OK), -1);
    result_free(&r);
    /* The demo patchset has one label: no plane to draw a contour in. */
    r = run("plot", "contour", DEMO_WS, DEMO_PS, "-o", png, NULL);
    assert_int_equal(r.status, 2);
    assert_int_equal(access(png, F_OK), -1);
    result_free(&r);
    r = run("plot", "pie", "-o", png, NULL);
    assert_int_equal(r.status, 2);
    result_free(&r);
}

/* ---------------------------------------------------------------- pulls */

static void test_pulls(void **state)
{
    NEED_BIN();
    char png[512];
    tmp_path(png, "pulls.png");
    result r = run("plot", "pulls", DEMO_WS, DEMO_PS, "--patch-name",
                   "sig_300", "-o", png, NULL);
    cJSON *j = parse_ok(&r);
    assert_file(png, PNG_MAGIC, 8, 5000, 200000);
    const cJSON *names = cJSON_GetObjectItem(j, "parameters");
    const cJSON *pulls = cJSON_GetObjectItem(j, "pulls");
    const cJSON *cons = cJSON_GetObjectItem(j, "constraints");
    int n = cJSON_GetArraySize(names);
    /* JES, lumi, sig_theory, wjets_xsec and five staterror bins; the
     * free normfactors are not pulls. */
    assert_int_equal(n, 9);
    assert_string_equal(cJSON_GetArrayItem(names, 1)->valuestring, "lumi");
    for (int i = 0; i < n; i++) {
        assert_true(fabs(num(pulls, i)) < 3);
        assert_true(num(cons, i) > 0.1 && num(cons, i) < 1.5);
    }
    const cJSON *area = cJSON_GetObjectItem(j, "plot_area");
    const cJSON *range = cJSON_GetObjectItem(j, "plot_range");
    double row = cJSON_GetObjectItem(j, "row_height")->valuedouble;
    image im = load_png(png);
    assert_int_equal(im.w, 800);
    assert_true(im.h > num(area, 1) + n * row);
    /* Each row's dot: black at its pull. */
    for (int i = 0; i < n; i++) {
        double x = num(area, 0) + (num(pulls, i) - num(range, 0)) /
                                      (num(range, 1) - num(range, 0)) *
                                      num(area, 2);
        double y = num(area, 1) + row * (i + 0.5);
        assert_int_equal(colour(&im, (int)lround(x), (int)lround(y)), 'K');
    }
    cairo_surface_destroy(im.s);
    cJSON_Delete(j);
    result_free(&r);
}

/* -------------------------------------------------------------- contour */

static void test_contour_3lrj(void **state)
{
    NEED_SHARED();
    char png[512];
    tmp_path(png, "excl.png");
    result r = run("plot", "contour", RJ "BkgOnly.json", RJ "patchset.json",
                   "--x", "mn2", "--y", "mn1", "-o", png, NULL);
    cJSON *j = parse_ok(&r);
    assert_file(png, PNG_MAGIC, 8, 10000, 300000);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "points")), 64);
    const cJSON *c = cJSON_GetObjectItem(j, "contours");
    const cJSON *obs = cJSON_GetObjectItem(c, "observed");
    assert_true(cJSON_GetArraySize(obs) >= 1);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(c, "expected")) >= 1);
    const cJSON *area = cJSON_GetObjectItem(j, "plot_area");
    const cJSON *range = cJSON_GetObjectItem(j, "plot_range");
    image im = load_png(png);
    /* The observed line is red where the JSON says it runs (checked at the
     * middle of each piece, clear of the legend). */
    int hits = 0, tried = 0;
    cJSON *line;
    cJSON_ArrayForEach(line, obs) {
        const cJSON *pt;
        int k = 0;
        cJSON_ArrayForEach(pt, line) {
            if (k++ % 2)
                continue;
            double x = num(area, 0) + (num(pt, 0) - num(range, 0)) /
                                          (num(range, 1) - num(range, 0)) *
                                          num(area, 2);
            double y = num(area, 1) + num(area, 3) -
                       (num(pt, 1) - num(range, 2)) /
                           (num(range, 3) - num(range, 2)) * num(area, 3);
            if (x > num(area, 0) + num(area, 2) - 270 &&
                y < num(area, 1) + 110)
                continue;
            tried++;
            int red = 0;
            for (int dx = -1; dx <= 1; dx++)
                for (int dy = -1; dy <= 1; dy++)
                    red |= colour(&im, (int)lround(x) + dx,
                                  (int)lround(y) + dy) == 'R';
            hits += red;
        }
    }
    assert_true(tried >= 3);
    /* Where lines cross, a later one may cover a few pixels of it. */
    assert_true(hits >= tried * 8 / 10);
    cairo_surface_destroy(im.s);
    cJSON_Delete(j);
    result_free(&r);
}

/* The grid the issue asks for: 125 points in (m1, m2), as SVG. */
static void test_contour_1lbb(void **state)
{
    NEED_SHARED();
    char svg[512];
    tmp_path(svg, "excl.svg");
    result r = run("plot", "contour", REAL "1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json",
                   REAL "1Lbb_ATLAS-SUSY-2019-08/patchset.json", "--x", "m1",
                   "--y", "m2", "-o", svg, NULL);
    cJSON *j = parse_ok(&r);
    assert_file(svg, "<?xml", 5, 5000, 3000000);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "points")), 125);
    const cJSON *c = cJSON_GetObjectItem(j, "contours");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(c, "observed")) >= 1);
    cJSON_Delete(j);
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_plot") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brazil_png),
        cmocka_unit_test(test_brazil_vector),
        cmocka_unit_test(test_plot_errors),
        cmocka_unit_test(test_pulls),
        cmocka_unit_test(test_contour_3lrj),
        cmocka_unit_test(test_contour_1lbb),
    };
    int rc = cmocka_run_group_tests_name("plot", tests, NULL, NULL);
    run_teardown("test_plot"); /* whatever the tests left behind, too */
    return rc;
}
