/*
 * test_share.c - a grid's shared start (infer/share.c): every patch's free
 * fit starts from the fit of the workspace alone.  It must reach the same
 * minimum as a fit from the inits, and where the workspace's fit sits in
 * the well that is the higher one for a patched model, the fit's guards
 * must still find the lower one; no fit of a grid's test may end higher
 * than the same test from the inits (issue 21's guard, sbottom).
 * Expected values are pyhf's:
 * tests/pyhf/refs.json (twowell, several starting points,
 * tests/pyhf/make_refs.py) and ../shared/reference (3LRJ).
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

#include "internal.h"
#include "refs.h"

/* pyhf (tests/pyhf/refs.json "twowell"): the free fit's lower well, on
 * the other side of shape = 0 from the background-only fit's */
#define TW_FREE 28.00298461044093
#define TW_FREE_SHAPE 0.43638640097425874
#define TW_BKG_SHAPE -0.31548762147965326
#define TW_CLS_OBS 0.5049245553717268
static const double tw_cls_exp[5] = {
    0.00031931052567724273, 0.0026812965652527276, 0.019506103711281364,
    0.1079477036938781, 0.3771225089336943};

/* CLs as test_parity.c compares them with pyhf's: 1e-6 absolute, and
 * 1e-4 relative below 1e-2 */
static void near_cls(double got, double want, const char *what)
{
    double d = fabs(got - want);
    if (!(d <= 1e-6 && (fabs(want) >= 1e-2 || d <= 1e-4 * fabs(want))))
        fail_msg("%s: %.12g, pyhf %.12g", what, got, want);
}

/* Whether sample smp has a normfactor (the POI's, in twowell.json). */
static int has_normfactor(cJSON *smp)
{
    cJSON *mods = cJSON_GetObjectItemCaseSensitive(smp, "modifiers"), *md;
    cJSON_ArrayForEach(md, mods) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(md, "type");
        if (cJSON_IsString(t) && strcmp(t->valuestring, "normfactor") == 0)
            return 1;
    }
    return 0;
}

/* A workspace of tests/pyhf/twowell.json without its signal sample (the
 * one with the POI), into *ws, and the patch that adds it back, into *p. */
static void split_twowell(hf_workspace **ws, hf_patch **p)
{
    char *text = NULL;
    hf_error err = {0};
    assert_int_equal(hfcore_file_read("tests/pyhf/twowell.json", &text, NULL, &err),
                     HF_OK);
    cJSON *doc = cJSON_Parse(text), *ops = cJSON_CreateArray();
    free(text);
    assert_non_null(doc);
    cJSON *chans = cJSON_GetObjectItemCaseSensitive(doc, "channels"), *ch;
    int c = 0;
    cJSON_ArrayForEach(ch, chans) {
        cJSON *samples = cJSON_GetObjectItemCaseSensitive(ch, "samples");
        for (int s = cJSON_GetArraySize(samples) - 1; s >= 0; s--) {
            cJSON *smp = cJSON_GetArrayItem(samples, s);
            if (!has_normfactor(smp))
                continue;
            char path[64];
            snprintf(path, sizeof path, "/channels/%d/samples/%d", c, s);
            cJSON *op = cJSON_CreateObject();
            cJSON_AddStringToObject(op, "op", "add");
            cJSON_AddStringToObject(op, "path", path);
            cJSON_AddItemToObject(op, "value", cJSON_DetachItemFromArray(samples, s));
            cJSON_AddItemToArray(ops, op);
        }
        c++;
    }
    assert_int_equal(cJSON_GetArraySize(ops), 1);
    char *wtext = cJSON_PrintUnformatted(doc), *ptext = cJSON_PrintUnformatted(ops);
    assert_int_equal(hf_workspace_parse(wtext, "twowell-bkg", ws, &err), HF_OK);
    assert_int_equal(hf_patch_parse(ptext, "twowell-signal", p, &err), HF_OK);
    cJSON_free(wtext);
    cJSON_free(ptext);
    cJSON_Delete(doc);
    cJSON_Delete(ops);
}

/* The premise: the workspace's own fit (the shared start) sits in the
 * background-only well, the other side from the patched model's lower
 * free minimum. */
static void premise(const hf_workspace *ws)
{
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    hf_model *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_model_build(ws, NULL, 0, &mo, &m, &err), HF_OK);
    hfinfer_share s;
    assert_int_equal(hfinfer_share_init(&s, m, NULL), HF_OK);
    assert_true(s.have);
    assert_int_equal(s.npars, 1);
    assert_true(fabs(s.pars[0] - TW_BKG_SHAPE) < 1e-4);
    hfinfer_share_free(&s);
    hf_model_free(m);
}

/* A grid of the twowell signal (twice: a grid has a shared start from two
 * patches on): each free fit reaches pyhf's lower well, the CLs pyhf's. */
static void test_twowell_grid(void **state)
{
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    split_twowell(&ws, &p);
    premise(ws);
    const hf_patch *list[2] = {p, p};
    hf_batch_options o;
    hf_batch_options_init(&o);
    o.threads = 1;
    o.explain = 1;
    hf_batch_result r;
    hf_error err = {0};
    assert_int_equal(hf_batch_cls_patches(ws, list, 2, &o, &r, &err), HF_OK);
    assert_int_equal(r.nfailed, 0);
    for (int i = 0; i < 2; i++) {
        const hf_batch_item *it = &r.items[i];
        const hf_fit_summary *f = &it->explain.fit[HF_FIT_FREE];
        if (!(fabs(f->twice_nll - TW_FREE) <= 1e-6 * TW_FREE))
            fail_msg("item %d: free fit twice_nll %.12g, pyhf's lower well %.12g",
                     i, f->twice_nll, TW_FREE);
        assert_true(fabs(f->poi - 1.448752186876366) < 1e-4);
        near_cls(it->cls.cls_obs, TW_CLS_OBS, "CLs_obs");
        for (int k = 0; k < 5; k++)
            near_cls(it->cls.cls_exp[k], tw_cls_exp[k], "CLs_exp");
    }
    hf_batch_result_free(&r);
    hf_patch_free(p);
    hf_workspace_free(ws);
}

/* What a shared-start test made, freed. */
static void release(double *buf, hfinfer_share *s, hf_model *m, hf_model *bkg,
                    hf_patch *p, hf_workspace *ws)
{
    free(buf);
    hfinfer_share_free(s);
    hf_model_free(m);
    hf_model_free(bkg);
    hf_patch_free(p);
    hf_workspace_free(ws);
}

/* The same from hfinfer_cls_shared with the shared start itself: the
 * start is in the higher well (shape < 0), the fit ends in the lower. */
static void test_twowell_start(void **state)
{
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    split_twowell(&ws, &p);
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    hf_model *bkg = NULL, *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_model_build(ws, NULL, 0, &mo, &bkg, &err), HF_OK);
    const hf_patch *pp = p;
    assert_int_equal(hf_model_build(ws, &pp, 1, NULL, &m, &err), HF_OK);
    hfinfer_share s;
    assert_int_equal(hfinfer_share_init(&s, bkg, NULL), HF_OK);
    hfinfer_start st;
    double *buf = NULL;
    assert_int_equal(hfinfer_share_start(&s, m, &st, &buf), HF_OK);
    int shape = 1 - hf_model_poi(m);
    assert_true(st.pars[shape] < 0);        /* the other well */
    assert_true(st.pars[hf_model_poi(m)] == 0); /* background only */
    assert_non_null(st.Hinv);
    double pars[HF_NFITS * 2];
    hf_hypotest_explain ex = {0};
    ex.pars = pars;
    hf_cls_result c;
    assert_int_equal(hfinfer_cls_shared(m, hf_model_data(m), 1.0, HF_TEST_QMU_TILDE,
                                        NULL, &c, &ex, &st, &err), HF_OK);
    assert_true(fabs(ex.fit[HF_FIT_FREE].twice_nll - TW_FREE) <= 1e-6 * TW_FREE);
    assert_true(fabs(pars[HF_FIT_FREE * 2 + shape] - TW_FREE_SHAPE) < 1e-4);
    near_cls(c.cls_obs, TW_CLS_OBS, "CLs_obs");
    release(buf, &s, m, bkg, p, ws);
}

/* The POI starts at 0 (the background-only value at which the shared
 * fit describes a patched model) even where the workspace alone has a
 * parameter of the POI's name: here a background normfactor "mu" that
 * the workspace alone fits to 2 (twice the expected count observed, by
 * hand), which as the POI's start would put the patched model's free
 * fit at mu = 2 instead of the background-only point. */
static void test_poi_named_in_workspace(void **state)
{
    static const char ws_text[] =
        "{\"channels\": [{\"name\": \"SR\", \"samples\": [{\"name\": \"bkg\","
        " \"data\": [50.0, 50.0], \"modifiers\": [{\"name\": \"mu\","
        " \"type\": \"normfactor\", \"data\": null}]}]}],"
        " \"observations\": [{\"name\": \"SR\", \"data\": [100.0, 100.0]}],"
        " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\","
        " \"parameters\": []}}], \"version\": \"1.0.0\"}";
    static const char patch_text[] =
        "[{\"op\": \"add\", \"path\": \"/channels/0/samples/1\", \"value\":"
        " {\"name\": \"signal\", \"data\": [5.0, 10.0], \"modifiers\":"
        " [{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]}}]";
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(ws_text, "poi-named", &ws, &err), HF_OK);
    assert_int_equal(hf_patch_parse(patch_text, "poi-named-signal", &p, &err), HF_OK);
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    hf_model *bkg = NULL, *m = NULL;
    assert_int_equal(hf_model_build(ws, NULL, 0, &mo, &bkg, &err), HF_OK);
    const hf_patch *pp = p;
    assert_int_equal(hf_model_build_applied(ws, &pp, 1, NULL, &m, &err), HF_OK);
    hfinfer_share s;
    assert_int_equal(hfinfer_share_init(&s, bkg, NULL), HF_OK);
    assert_true(s.have);
    int k = hfcore_strmap_get(&s.map, "mu");
    assert_true(k >= 0 && fabs(s.pars[k] - 2.0) < 1e-4); /* the premise */
    hfinfer_start st;
    double *buf = NULL;
    assert_int_equal(hfinfer_share_start(&s, m, &st, &buf), HF_OK);
    assert_true(st.pars[hf_model_poi(m)] == 0);
    release(buf, &s, m, bkg, p, ws);
}

#define LRJ REF_SHARED "/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"
static const char *const lrj[2] = {"ERJR_100p0_20p0", "ERJR_250p0_100p0"};

/* twice_nll of pyhf's hypotest_fits.free in r */
static double pyhf_free(const ref *r)
{
    cJSON *h = cJSON_GetObjectItemCaseSensitive(r->json, "hypotest_fits");
    cJSON *f = cJSON_GetObjectItemCaseSensitive(h, "free");
    cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "twice_nll");
    assert_true(cJSON_IsNumber(t));
    return t->valuedouble;
}

/* The patch alone, as hf_batch_cls builds it (hf_model_build_applied):
 * its model into *m (the caller frees it), its explained hypotest at
 * mu = 1 from the inits into c and ex. */
static void alone(const hf_workspace *ws, const hf_patch *p, hf_model **m,
                  hf_cls_result *c, hf_hypotest_explain *ex)
{
    hf_error err = {0};
    assert_int_equal(hf_model_build_applied(ws, &p, 1, NULL, m, &err), HF_OK);
    assert_int_equal(hf_cls_asymptotic_explain(*m, hf_model_data(*m), 1.0,
                                               HF_TEST_QMU_TILDE, NULL, c, ex,
                                               &err), HF_OK);
}

/* One 3LRJ patch of the grid against its fit from the inits (the same
 * minimum, CLs within the 1e-6, fewer evaluations: the start was
 * used) and pyhf's reference. */
static void lrj_item(const hf_workspace *ws, const hf_patch *p, const char *name,
                     const hf_batch_item *it)
{
    char path[512];
    ref r;
    snprintf(path, sizeof path, REF_DIR "/3LRJ_ATLAS-SUSY-2018-06__%s.json", name);
    assert_int_equal(ref_load(path, &r), 0);
    hf_model *m = NULL;
    hf_cls_result c;
    hf_hypotest_explain ex = {0};
    alone(ws, p, &m, &c, &ex);
    const hf_fit_summary *g = &it->explain.fit[HF_FIT_FREE], *f = &ex.fit[HF_FIT_FREE];
    if (!(fabs(g->twice_nll - f->twice_nll) <= 1e-6 &&
          g->twice_nll <= pyhf_free(&r) + 1e-6))
        fail_msg("%s: shared start's free fit %.12g, from the inits %.12g, pyhf %.12g",
                 name, g->twice_nll, f->twice_nll, pyhf_free(&r));
    if (!(g->nevals < f->nevals))
        fail_msg("%s: the shared start took %d evaluations, the inits %d", name,
                 g->nevals, f->nevals);
    /* pyhf's CLs where its free fit reached the same minimum (on
     * ERJR_100p0_20p0 it stopped at 313.05, hf's is 267.46: test_cls.c) */
    int same = fabs(g->twice_nll - pyhf_free(&r)) <= 1e-6 * fabs(pyhf_free(&r));
    assert_true(fabs(it->cls.cls_obs - c.cls_obs) <= 1e-6);
    if (same)
        near_cls(it->cls.cls_obs, r.hypotest.cls_obs, "CLs_obs");
    for (int k = 0; k < 5; k++) {
        assert_true(fabs(it->cls.cls_exp[k] - c.cls_exp[k]) <= 1e-6);
        if (same)
            near_cls(it->cls.cls_exp[k], r.hypotest.cls_exp[k], "CLs_exp");
    }
    hf_model_free(m);
    ref_free(&r);
}

/* Two 3LRJ patches as a grid (each once first: the start is the
 * workspace's, whatever the order) on two threads. */
static void test_3lrj_grid(void **state)
{
    if (access(LRJ "/patchset.json", R_OK) != 0 || access(REF_DIR, R_OK) != 0) {
        printf("SKIP: %s or %s not found\n", LRJ, REF_DIR);
        skip();
    }
    hf_workspace *ws = NULL;
    hf_patchset *ps = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(LRJ "/BkgOnly.json", &ws, &err), HF_OK);
    assert_int_equal(hf_patchset_read(LRJ "/patchset.json", &ps, &err), HF_OK);
    const hf_patch *list[2];
    for (int i = 0; i < 2; i++) {
        int k = hf_patchset_find(ps, lrj[i]);
        assert_true(k >= 0);
        list[i] = hf_patchset_patch(ps, k);
    }
    hf_batch_options o;
    hf_batch_options_init(&o);
    o.threads = 2;
    o.explain = 1;
    hf_batch_result r;
    assert_int_equal(hf_batch_cls_patches(ws, list, 2, &o, &r, &err), HF_OK);
    assert_int_equal(r.nfailed, 0);
    for (int i = 0; i < 2; i++)
        lrj_item(ws, list[i], lrj[i], &r.items[i]);
    hf_batch_result_free(&r);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
}

#define SBOTTOM REF_SHARED "/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA"

/* The height of fit k above the fit it is compared with: the Asimov
 * fixed-POI fit's above the Asimov free fit (each run makes its Asimov
 * data from its own background-only fit), the others' twice_nll. */
static double height(const hf_hypotest_explain *e, int k)
{
    return e->fit[k].twice_nll -
           (k == HF_FIT_ASIMOV_FIXED_POI ? e->fit[HF_FIT_ASIMOV_FREE].twice_nll : 0);
}

/* sbottom 600_500_60 in a grid: its Asimov fit at mu = 1 has wells at
 * twice_nll 269.268 and 269.972, and the probe from the inits with the
 * metric a shared start leaves finds only the higher (asymptotic.c,
 * asimov_cold).  No fit of the grid's test may end higher than the
 * patch's test alone (issue 21's guard: 1e-6), its expected CLs (1e-39
 * to 1e-28 there) within 1e-4 relative of the patch alone's. */
static void test_sbottom_wells(void **state)
{
    static const char *const names[2] = {"patch.sbottom_600_500_60.json",
                                         "patch.sbottom_1000_131_1.json"};
    if (access(SBOTTOM "/BkgOnly.json", R_OK) != 0) {
        printf("SKIP: %s not found\n", SBOTTOM);
        skip();
    }
    hf_workspace *ws = NULL;
    hf_patch *p[2];
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(SBOTTOM "/BkgOnly.json", &ws, &err), HF_OK);
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SBOTTOM, names[i]);
        assert_int_equal(hf_patch_read(path, &p[i], &err), HF_OK);
    }
    hf_batch_options o;
    hf_batch_options_init(&o);
    o.threads = 1;
    o.explain = 1;
    hf_batch_result r;
    assert_int_equal(hf_batch_cls_patches(ws, (const hf_patch *const *)p, 2, &o,
                                          &r, &err), HF_OK);
    assert_int_equal(r.nfailed, 0);
    hf_model *m = NULL;
    hf_cls_result c;
    hf_hypotest_explain ex = {0};
    alone(ws, p[0], &m, &c, &ex);
    const hf_hypotest_explain *g = &r.items[0].explain;
    /* the Asimov fixed-POI fit's height to 1e-6 relative: the two Asimov
     * data sets come from background-only fits that agree to their
     * tolerance, and q_A moves with them (fit/warm.c's NEWTON_TOL: 1e-7
     * relative; here 1.3e-8); the two wells differ by 4e-3 */
    for (int k = 0; k < HF_NFITS; k++)
        if (!(height(g, k) <= height(&ex, k) +
                                   (k == HF_FIT_ASIMOV_FIXED_POI
                                        ? 1e-6 * height(&ex, k)
                                        : 1e-6)))
            fail_msg("fit %d: %.9g in the grid, %.9g alone", k, height(g, k),
                     height(&ex, k));
    for (int k = 0; k < 5; k++)
        assert_true(fabs(r.items[0].cls.cls_exp[k] - c.cls_exp[k]) <=
                    1e-4 * c.cls_exp[k]);
    hf_model_free(m);
    hf_batch_result_free(&r);
    for (int i = 0; i < 2; i++)
        hf_patch_free(p[i]);
    hf_workspace_free(ws);
}

/* sbottom 450_445_60 alone: its Asimov fit at mu = 1 has wells at
 * twice_nll 184.629 and 184.781.  The data's fit at mu = 1 there takes
 * hffit_ex's path (a predicted q of 815), and from its point the Asimov
 * fit ended in the higher well (asymptotic.c: asimov_data_start starts
 * only from a data fit that ended fit/'s BFGS). */
static void test_sbottom_asimov_well(void **state)
{
    if (access(SBOTTOM "/BkgOnly.json", R_OK) != 0) {
        printf("SKIP: %s not found\n", SBOTTOM);
        skip();
    }
    hf_workspace *ws = NULL;
    hf_patch *p = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(SBOTTOM "/BkgOnly.json", &ws, &err), HF_OK);
    assert_int_equal(hf_patch_read(SBOTTOM "/patch.sbottom_450_445_60.json", &p,
                                   &err), HF_OK);
    hf_model *m = NULL;
    hf_cls_result c;
    hf_hypotest_explain ex = {0};
    alone(ws, p, &m, &c, &ex);
    double t = ex.fit[HF_FIT_ASIMOV_FIXED_POI].twice_nll;
    if (!(t < 184.7))
        fail_msg("the Asimov fixed-POI fit ended at %.9g, the lower well is 184.629",
                 t);
    hf_model_free(m);
    hf_patch_free(p);
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twowell_grid),
        cmocka_unit_test(test_twowell_start),
        cmocka_unit_test(test_poi_named_in_workspace),
        cmocka_unit_test(test_3lrj_grid),
        cmocka_unit_test(test_sbottom_wells),
        cmocka_unit_test(test_sbottom_asimov_well),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
