/*
 * test_prep.c - builds from a prepared workspace (hfmodel_prep_new: its
 * samples read once for a whole grid) are the builds without it, bit for
 * bit: every array a model exposes, and its NLL, gradient and expected
 * data at a few points, compared with memcmp.  Over the demo patchset,
 * patches that change samples the workspace shares (which must not be
 * taken from the prepared copy), plain (model-spec) patches, a bad one,
 * and, when ../shared is there, every patch of the shared patchsets.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"
#include "tests/internal.h"

#define DEMO "workspaces/demo/"
#define SHARED "../shared/workspaces/"

static void same_bytes(const void *a, const void *b, size_t n, const char *what,
                       const char *field)
{
    if (n && memcmp(a, b, n) != 0)
        fail_msg("%s: %s differs", what, field);
}

/* The arrays of the parameter sets, names and flags. */
static void same_layout(const hf_model *a, const hf_model *b, const char *what)
{
    int np = hf_model_npars(a), nd = hf_model_ndata(a), na = hf_model_naux(a);
    assert_int_equal(np, hf_model_npars(b));
    assert_int_equal(nd, hf_model_ndata(b));
    assert_int_equal(na, hf_model_naux(b));
    assert_int_equal(hf_model_poi(a), hf_model_poi(b));
    assert_int_equal(hf_model_nparsets(a), hf_model_nparsets(b));
    for (int k = 0; k < hf_model_nparsets(a); k++) {
        hf_parset x, y;
        assert_int_equal(hf_model_parset(a, k, &x), HF_OK);
        assert_int_equal(hf_model_parset(b, k, &y), HF_OK);
        assert_string_equal(x.name, y.name);
        assert_string_equal(x.type, y.type);
        assert_true(x.offset == y.offset && x.n == y.n && x.constrained == y.constrained &&
                    x.aux_offset == y.aux_offset);
    }
    for (int i = 0; i < np; i++)
        assert_string_equal(hf_model_par_name(a, i), hf_model_par_name(b, i));
    size_t d = sizeof(double);
    same_bytes(hf_model_inits(a), hf_model_inits(b), np * d, what, "inits");
    same_bytes(hf_model_lower(a), hf_model_lower(b), np * d, what, "lower");
    same_bytes(hf_model_upper(a), hf_model_upper(b), np * d, what, "upper");
    same_bytes(hf_model_fixed(a), hf_model_fixed(b), np, what, "fixed");
    same_bytes(hf_model_auxdata(a), hf_model_auxdata(b), na * d, what, "auxdata");
    same_bytes(hf_model_sigmas(a), hf_model_sigmas(b), na * d, what, "sigmas");
    same_bytes(hfmodel_factors(a), hfmodel_factors(b), na * d, what, "factors");
    same_bytes(hf_model_data(a), hf_model_data(b), nd * d, what, "data");
    unsigned char *fa = calloc(np + 1, 1), *fb = calloc(np + 1, 1);
    assert_int_equal(hfmodel_twowell(a, fa), hfmodel_twowell(b, fb));
    same_bytes(fa, fb, np, what, "twowell");
    assert_int_equal(hfmodel_kinked(a, fa), hfmodel_kinked(b, fb));
    same_bytes(fa, fb, np, what, "kinked");
    free(fa);
    free(fb);
}

/* Everything the model computes at three points inside the bounds. */
static void same_values(const hf_model *a, const hf_model *b, const char *what)
{
    int np = hf_model_npars(a), nd = hf_model_ndata(a);
    size_t ws = hf_model_work_size(a) > hf_model_work_size(b) ? hf_model_work_size(a)
                                                               : hf_model_work_size(b);
    double *p = malloc(sizeof(double) * (np + 1)), *w = malloc(sizeof(double) * (ws + 1));
    double *ga = malloc(sizeof(double) * (np + 1)), *gb = malloc(sizeof(double) * (np + 1));
    double *ea = malloc(sizeof(double) * (nd + 1)), *eb = malloc(sizeof(double) * (nd + 1));
    for (int pt = 0; pt < 3; pt++) {
        for (int i = 0; i < np; i++) {
            double v = hf_model_inits(a)[i] + 0.1 * pt * ((i % 7) - 3);
            double lo = hf_model_lower(a)[i], hi = hf_model_upper(a)[i];
            p[i] = v < lo ? lo : v > hi ? hi : v;
        }
        double na = hf_model_nll(a, p, hf_model_data(a), ga, w);
        double nb = hf_model_nll(b, p, hf_model_data(b), gb, w);
        same_bytes(&na, &nb, sizeof na, what, "nll");
        same_bytes(ga, gb, np * sizeof(double), what, "gradient");
        hf_model_expected_data(a, p, ea, w);
        hf_model_expected_data(b, p, eb, w);
        same_bytes(ea, eb, nd * sizeof(double), what, "expected data");
    }
    free(p);
    free(w);
    free(ga);
    free(gb);
    free(ea);
    free(eb);
}

/* Patch p built with and without prep: the same model, or the same error. */
static void same_build(const hf_workspace *ws, const hfmodel_prep *prep, const hf_patch *p,
                       const hf_model_options *opt)
{
    hf_model *a = NULL, *b = NULL;
    hf_error ea = {0}, eb = {0};
    int ra = hf_model_build_applied(ws, &p, 1, opt, &a, &ea);
    int rb = hfmodel_build_applied_prep(ws, prep, &p, 1, opt, &b, &eb);
    const char *what = p->source ? p->source : "patch";
    if (ra != rb || (ra != HF_OK && strcmp(ea.msg, eb.msg) != 0))
        fail_msg("%s: without prep %d '%s', with %d '%s'", what, ra, ea.msg, rb, eb.msg);
    if (ra == HF_OK) {
        same_layout(a, b, what);
        same_values(a, b, what);
        /* and every compiled array (with prep: from the prepared
         * samples' images at the default codes) */
        const char *d = hfmodel_differs(a, b);
        if (d)
            fail_msg("%s: %s differs", what, d);
    }
    hf_model_free(a);
    hf_model_free(b);
}

static hf_workspace *read_ws(const char *path)
{
    hf_workspace *ws = NULL;
    hf_error err = {0};
    if (hf_workspace_read(path, &ws, &err) != HF_OK)
        fail_msg("%s", err.msg);
    return ws;
}

/* Every patch of a patchset (opt NULL: the defaults). */
static void check_patchset_opt(const char *dir, const hf_model_options *opt)
{
    char wp[512], pp[512];
    snprintf(wp, sizeof wp, "%sBkgOnly.json", dir);
    snprintf(pp, sizeof pp, "%spatchset.json", dir);
    hf_workspace *ws = read_ws(wp);
    hf_patchset *ps = NULL;
    hf_error err = {0};
    if (hf_patchset_read(pp, &ps, &err) != HF_OK)
        fail_msg("%s", err.msg);
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    assert_non_null(prep);
    for (int i = 0; i < hf_patchset_size(ps); i++)
        same_build(ws, prep, hf_patchset_patch(ps, i), opt);
    hfmodel_prep_free(prep);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
}

static void check_patchset(const char *dir)
{
    check_patchset_opt(dir, NULL);
}

/* With the default interpolation codes and others (the prepared normsys
 * factors are code4's). */
static void test_demo_patchset(void **state)
{
    (void)state;
    check_patchset(DEMO);
    hf_model_options opt;
    hf_model_options_init(&opt);
    opt.normsys_interp = HF_INTERP_CODE1;
    opt.histosys_interp = HF_INTERP_CODE0;
    check_patchset_opt(DEMO, &opt);
    opt.normsys_interp = HF_INTERP_CODE2;
    check_patchset_opt(DEMO, &opt);
}

/* The NLL where every parameter is 0.2 above its init (within bounds). */
static double nll_off(const hf_model *m)
{
    int np = hf_model_npars(m);
    double *p = malloc(sizeof(double) * (np + 1));
    double *w = malloc(sizeof(double) * (hf_model_work_size(m) + 1));
    for (int i = 0; i < np; i++) {
        double v = hf_model_inits(m)[i] + 0.2;
        p[i] = v > hf_model_upper(m)[i] ? hf_model_upper(m)[i] : v;
    }
    double nll = hf_model_nll(m, p, hf_model_data(m), NULL, w);
    free(p);
    free(w);
    return nll;
}

/* Patches into samples the workspace shares, each applied to the whole
 * workspace (as a patchset's) and to the model spec (a plain patch):
 * those samples must be read from the patched tree, not the prepared
 * copy.  Each changes the model (its NLL at the inits), so a build that
 * took the prepared sample would differ. */
static void test_changed_samples(void **state)
{
    (void)state;
    static const char *const ops[] = {
        "[{\"op\": \"replace\", \"path\": \"/channels/0/samples/0/modifiers/2/data/hi\", \"value\": 1.3}]",
        "[{\"op\": \"replace\", \"path\": \"/channels/1/samples/1/data/0\", \"value\": 9.5}]",
        "[{\"op\": \"replace\", \"path\": \"/channels/0/samples/1/modifiers/2/data/hi_data/1\", \"value\": 30.0}]",
        "[{\"op\": \"replace\", \"path\": \"/channels/1/samples/0/modifiers/4/data/2\", \"value\": 1.5}]",
        "[{\"op\": \"remove\", \"path\": \"/channels/0/samples/1/modifiers/1\"}]",
        "[{\"op\": \"move\", \"from\": \"/channels/0/samples/1/modifiers/1\", "
        "\"path\": \"/channels/0/samples/0/modifiers/-\"}]",
    };
    hf_workspace *ws = read_ws(DEMO "BkgOnly.json");
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    assert_non_null(prep);
    hf_model *plain = NULL;
    hf_error err = {0};
    hf_model_options opt; /* no POI: the workspace has no signal */
    hf_model_options_init(&opt);
    opt.poi = "";
    assert_int_equal(hf_model_build(ws, NULL, 0, &opt, &plain, &err), HF_OK);
    double nll0 = nll_off(plain);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        for (int whole = 0; whole < 2; whole++) {
            hf_patch *p = NULL;
            assert_int_equal(hf_patch_parse(ops[k], "patch", &p, &err), HF_OK);
            p->whole = whole;
            same_build(ws, prep, p, &opt);
            hf_model *m = NULL;
            if (hf_model_build_applied(ws, (const hf_patch *const *)&p, 1, &opt, &m, &err))
                fail_msg("patch %zu (whole %d): %s", k, whole, err.msg);
            if (hf_model_npars(m) == hf_model_npars(plain) && nll_off(m) == nll0)
                fail_msg("patch %zu changes nothing", k);
            hf_model_free(m);
            hf_patch_free(p);
        }
    hf_model_free(plain);
    hfmodel_prep_free(prep);
    hf_workspace_free(ws);
}

/* A bad modifier in an added sample: the same message with prep. */
static void test_bad_patch(void **state)
{
    (void)state;
    hf_workspace *ws = read_ws(DEMO "BkgOnly.json");
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    hf_patch *p = NULL;
    hf_error err = {0};
    assert_int_equal(hf_patch_parse("[{\"op\": \"add\", \"path\": \"/channels/0/samples/0/modifiers/0\", "
                                     "\"value\": {\"name\": \"x\", \"type\": \"normsys\", "
                                     "\"data\": {\"hi\": -1.0, \"lo\": 0.9}}}]",
                                     "bad", &p, &err), HF_OK);
    p->whole = 1;
    same_build(ws, prep, p, NULL);
    hf_model *m = NULL;
    assert_int_not_equal(hfmodel_build_applied_prep(ws, prep, (const hf_patch *const *)&p, 1,
                                                    NULL, &m, &err), HF_OK);
    assert_non_null(strstr(err.msg, "normsys 'x' has lo=0.9, hi=-1"));
    hf_patch_free(p);
    hfmodel_prep_free(prep);
    hf_workspace_free(ws);
}

/* A sample added with a new modifier name (v_new) that sorts just before
 * a prepared one (wjets_xsec), listed after it: the build ranks its new
 * names among the prepared ones, and a wrong rank would keep the listed
 * order and put wjets_xsec's parameter first (the added sample "Asig" is
 * the first block of the walk).  And a new sample's normfactor named as
 * the workspace's histosys JES: the type clash is found with prep too. */
static void test_new_names(void **state)
{
    (void)state;
    static const char *const ops[] = {
        "[{\"op\": \"add\", \"path\": \"/channels/0/samples/0\", \"value\": "
        "{\"name\": \"Asig\", \"data\": [1.0, 2.0], \"modifiers\": ["
        "{\"name\": \"wjets_xsec\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0.9}}, "
        "{\"name\": \"v_new\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.8}}]}}]",
        "[{\"op\": \"add\", \"path\": \"/channels/0/samples/0\", \"value\": "
        "{\"name\": \"Asig\", \"data\": [1.0, 2.0], \"modifiers\": ["
        "{\"name\": \"JES\", \"type\": \"normfactor\", \"data\": null}]}}]",
    };
    hf_workspace *ws = read_ws(DEMO "BkgOnly.json");
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    assert_non_null(prep);
    hf_model_options opt; /* no POI: the sample is not the measurement's */
    hf_model_options_init(&opt);
    opt.poi = "";
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        hf_patch *p = NULL;
        hf_error err = {0};
        assert_int_equal(hf_patch_parse(ops[k], "patch", &p, &err), HF_OK);
        p->whole = 1;
        same_build(ws, prep, p, &opt);
        hf_model *m = NULL;
        int rc = hfmodel_build_applied_prep(ws, prep, (const hf_patch *const *)&p, 1, &opt,
                                            &m, &err);
        if (k == 0) {
            hf_parset a, b;
            assert_int_equal(rc, HF_OK);
            /* normsys sets in name order here: v_new, then wjets_xsec */
            int i = 0;
            while (i < hf_model_nparsets(m) && (hf_model_parset(m, i, &a), strcmp(a.name, "v_new")))
                i++;
            assert_int_equal(hf_model_parset(m, i + 1, &b), HF_OK);
            assert_string_equal(b.name, "wjets_xsec");
        } else {
            assert_int_not_equal(rc, HF_OK);
            assert_non_null(strstr(err.msg, "parameter 'JES' is used by a histosys modifier and "
                                            "by a normfactor modifier"));
        }
        hf_model_free(m);
        hf_patch_free(p);
    }
    hfmodel_prep_free(prep);
    hf_workspace_free(ws);
}

/* Patches that change which prepared samples a build has, or their
 * order: a build from prep tests only a prepared sample's fresh modifiers
 * (those whose name and type no sample before it has) when all of them are
 * there in order, and every modifier otherwise.  Removing the CR's ttbar
 * (the first to have mu_ttbar and the normsys JES) would lose both
 * parameters if the SR's ttbar were taken as in order; copying, moving and
 * clashing names (the clash must be reported at the same modifier) too. */
static void test_sample_order(void **state)
{
    (void)state;
#define SIG "{\"op\": \"add\", \"path\": \"/channels/0/samples/2\", \"value\": " \
            "{\"name\": \"sig\", \"data\": [1.0, 2.0], \"modifiers\": [" \
            "{\"name\": \"mu_SIG\", \"type\": \"normfactor\", \"data\": null}]}}"
    static const char *const ops[] = {
        "[" SIG "]",
        "[" SIG ", {\"op\": \"remove\", \"path\": \"/channels/0/samples/0\"}]",
        "[" SIG ", {\"op\": \"remove\", \"path\": \"/channels/1/samples/0\"}]",
        "[" SIG ", {\"op\": \"copy\", \"from\": \"/channels/1/samples/1\", "
        "\"path\": \"/channels/0/samples/0\"}]",
        "[" SIG ", {\"op\": \"move\", \"from\": \"/channels/1/samples/1\", "
        "\"path\": \"/channels/1/samples/0\"}]",
        "[{\"op\": \"add\", \"path\": \"/channels/1/samples/2\", \"value\": "
        "{\"name\": \"b\", \"data\": [1, 2, 3], \"modifiers\": ["
        "{\"name\": \"lumi\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}, "
        "{\"name\": \"mu_SIG\", \"type\": \"normfactor\", \"data\": null}]}}]",
        "[{\"op\": \"add\", \"path\": \"/channels/1/samples/2\", \"value\": "
        "{\"name\": \"zzz\", \"data\": [1, 2, 3], \"modifiers\": ["
        "{\"name\": \"wjets_xsec\", \"type\": \"histosys\", \"data\": "
        "{\"hi_data\": [1.5, 2.5, 3.5], \"lo_data\": [0.5, 1.5, 2.5]}}, "
        "{\"name\": \"mu_SIG\", \"type\": \"normfactor\", \"data\": null}]}}]",
    };
#undef SIG
    hf_workspace *ws = read_ws(DEMO "BkgOnly.json");
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    assert_non_null(prep);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        hf_patch *p = NULL;
        hf_error err = {0};
        assert_int_equal(hf_patch_parse(ops[k], "patch", &p, &err), HF_OK);
        same_build(ws, prep, p, NULL);
        p->whole = 1;
        same_build(ws, prep, p, NULL);
        hf_patch_free(p);
    }
    hfmodel_prep_free(prep);
    hf_workspace_free(ws);
}

static void test_shared_patchsets(void **state)
{
    (void)state;
    static const char *const dirs[] = {
        "real/1Lbb_ATLAS-SUSY-2019-08/", "real/3LRJ_ATLAS-SUSY-2018-06/",
        "synthetic/syn_allmods/", "synthetic/syn_zeros/", "synthetic/syn_medium/"};
    if (access(SHARED, R_OK) != 0)
        skip();
    for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
        char d[512];
        snprintf(d, sizeof d, "%s%s", SHARED, dirs[k]);
        check_patchset(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_patchset),
        cmocka_unit_test(test_changed_samples),
        cmocka_unit_test(test_bad_patch),
        cmocka_unit_test(test_new_names),
        cmocka_unit_test(test_sample_order),
        cmocka_unit_test(test_shared_patchsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
