/*
 * test_simplify.c - simplified likelihoods (hf_workspace_simplify).
 *
 * The synthetic workspaces are linear (symmetric histosys, code4p is then
 * exactly linear) and observe exactly the nominal yields, so the fit lands
 * on alpha = 0 and its curvature is known by hand:
 *   d2(-ln L)/d alpha2 = sum_b n_b J_b^2 / b_b^2 + 1,
 * and the post-fit yield covariance is J J^T / that.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "hf.h"

/* Channels in file order SR then CR (pyhf sorts them: CR, SR), so the
 * output must restore the file order.  SR holds bkg 50 +- 5 and "other"
 * 10 (no modifiers); CR bkg 100 +- 10; the histosys "sys" is shared. */
static const char *WS =
    "{\"version\": \"1.0.0\","
    " \"channels\": ["
    "  {\"name\": \"SR\", \"samples\": ["
    "    {\"name\": \"bkg\", \"data\": [50.0], \"modifiers\": ["
    "      {\"name\": \"sys\", \"type\": \"histosys\","
    "       \"data\": {\"hi_data\": [55.0], \"lo_data\": [45.0]}},"
    "      {\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}]},"
    "    {\"name\": \"other\", \"data\": [10.0], \"modifiers\": []}]},"
    "  {\"name\": \"CR\", \"samples\": ["
    "    {\"name\": \"bkg\", \"data\": [100.0], \"modifiers\": ["
    "      {\"name\": \"sys\", \"type\": \"histosys\","
    "       \"data\": {\"hi_data\": [110.0], \"lo_data\": [90.0]}},"
    "      {\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}]}]}],"
    " \"observations\": [{\"name\": \"SR\", \"data\": [%s]},"
    "                    {\"name\": \"CR\", \"data\": [%s]}],"
    " \"measurements\": [{\"name\": \"meas\", \"config\": {\"poi\": \"mu_SIG\","
    "   \"parameters\": ["
    "    {\"name\": \"lumi\", \"auxdata\": [1.0], \"sigmas\": [0.02],"
    "     \"bounds\": [[0.9, 1.1]], \"inits\": [1.0], \"fixed\": true},"
    "    {\"name\": \"sys\", \"bounds\": [[-5.0, 5.0]]},"
    "    {\"name\": \"mu_SIG\", \"bounds\": [[0.0, 5.0]]}]}}]}";

static hf_workspace *load(const char *sr, const char *cr)
{
    char json[8192];
    snprintf(json, sizeof json, WS, sr, cr);
    hf_workspace *ws = NULL;
    hf_error err = {0};
    if (hf_workspace_parse(json, "t.json", &ws, &err) != HF_OK)
        fail_msg("parse: %s", err.msg);
    return ws;
}

static cJSON *simplified(hf_workspace *ws, const hf_simplify_options *o)
{
    hf_workspace *out = NULL;
    hf_error err = {0};
    int rc = hf_workspace_simplify(ws, o, &out, &err);
    if (rc != HF_OK)
        fail_msg("simplify: %s", err.msg);
    char *text = hf_workspace_dump(out, 0);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    hf_workspace_free(out);
    assert_non_null(doc);
    return doc;
}

static const cJSON *path(const cJSON *x, const char *p)
{
    /* "channels/0/samples/1/name": object keys and array indices. */
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", p);
    for (char *t = strtok_r(buf, "/", &save); x && t;
         t = strtok_r(NULL, "/", &save))
        x = cJSON_IsArray(x) ? cJSON_GetArrayItem(x, atoi(t))
                             : cJSON_GetObjectItemCaseSensitive(x, t);
    if (!x)
        fail_msg("no %s", p);
    return x;
}

static double num(const cJSON *x, const char *p)
{
    return path(x, p)->valuedouble;
}

static const char *str(const cJSON *x, const char *p)
{
    return path(x, p)->valuestring;
}

/* SR observes 60 = 50 + 10 (J = 5), CR 100 (J = 10). */
#define CURV (60.0 * 25 / 3600 + 100.0 * 100 / 10000 + 1)

#define NEAR(a, b, rel) assert_true(fabs((a) - (b)) <= (rel) * fabs(b) + 1e-12)

/* Hand computation: curvature CURV, so sigma_alpha = 1/sqrt(CURV) and the
 * bin widths are J / sqrt(CURV). */
static void test_simplify_method(void **s)
{
    (void)s;
    hf_workspace *ws = load("60.0", "100.0");
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    cJSON *d = simplified(ws, &o);
    double k = 1 / sqrt(CURV);
    assert_string_equal(str(d, "channels/0/name"), "SR");
    assert_string_equal(str(d, "channels/1/name"), "CR");
    assert_string_equal(str(d, "channels/0/samples/0/name"), "Bkg");
    NEAR(num(d, "channels/0/samples/0/data/0"), 60.0, 1e-6);
    NEAR(num(d, "channels/1/samples/0/data/0"), 100.0, 1e-6);
    assert_string_equal(str(d, "channels/0/samples/0/modifiers/0/name"),
                        "totalError");
    assert_string_equal(str(d, "channels/1/samples/0/modifiers/0/name"),
                        "totalError");
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/hi_data/0"),
         60.0 + 5 * k, 1e-4);
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/lo_data/0"),
         60.0 - 5 * k, 1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/hi_data/0"),
         100.0 + 10 * k, 1e-4);
    /* Padding: SR had two samples, so the patch index 2 stays valid. */
    assert_int_equal(cJSON_GetArraySize(path(d, "channels/0/samples")), 2);
    assert_string_equal(str(d, "channels/0/samples/1/name"),
                        "Bkg_placeholder1");
    NEAR(num(d, "channels/0/samples/1/data/0"), 0.0, 0);
    assert_int_equal(cJSON_GetArraySize(path(d, "channels/1/samples")), 1);
    /* The measurement keeps the POI, lumi and mu_SIG, drops "sys". */
    const cJSON *pars = path(d, "measurements/0/config/parameters");
    assert_int_equal(cJSON_GetArraySize(pars), 2);
    assert_string_equal(str(d, "measurements/0/config/parameters/0/name"),
                        "lumi");
    assert_string_equal(str(d, "measurements/0/config/parameters/1/name"),
                        "mu_SIG");
    assert_string_equal(str(d, "measurements/0/config/poi"), "mu_SIG");
    NEAR(num(d, "observations/0/data/0"), 60.0, 0);
    cJSON_Delete(d);

    /* --no-pad: exactly one sample per channel. */
    o.no_pad = 1;
    d = simplified(ws, &o);
    assert_int_equal(cJSON_GetArraySize(path(d, "channels/0/samples")), 1);
    cJSON_Delete(d);
    hf_workspace_free(ws);
}

/* POSTFIT: the covariance has rank one (one parameter): one eigenvector,
 * along (5, 10) / sqrt(CURV) over (SR, CR). */
static void test_correlated_and_linear(void **s)
{
    (void)s;
    hf_workspace *ws = load("60.0", "100.0");
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    o.method = HF_SIMPLIFY_POSTFIT;
    cJSON *d = simplified(ws, &o);
    double k = 1 / sqrt(CURV);
    assert_int_equal(
        cJSON_GetArraySize(path(d, "channels/0/samples/0/modifiers")), 1);
    assert_string_equal(str(d, "channels/0/samples/0/modifiers/0/name"),
                        "totalError_eig0");
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/hi_data/0"),
         60.0 + 5 * k, 1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/lo_data/0"),
         100.0 - 10 * k, 1e-4);
    cJSON_Delete(d);

    /* LINEAR: the pre-fit width (J = 5, 10) around the yields at the
     * constraint's centre (alpha = 0, the best fit here), folded into an
     * eigenvector. */
    o.method = HF_SIMPLIFY_LINEAR;
    o.keep_named = -1;
    d = simplified(ws, &o);
    NEAR(num(d, "channels/0/samples/0/data/0"), 60.0, 1e-6);
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/hi_data/0"), 65.0,
         1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/hi_data/0"), 110.0,
         1e-4);
    cJSON_Delete(d);

    /* By default "sys" stays itself. */
    o.keep_named = 0;
    d = simplified(ws, &o);
    assert_string_equal(str(d, "channels/1/samples/0/modifiers/0/name"),
                        "sys");
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/lo_data/0"), 90.0,
         1e-4);
    cJSON_Delete(d);
    hf_workspace_free(ws);
}

/* CORRELATED: LINEAR with all but the 50 largest systematics folded into
 * the eigenvectors of the pre-fit covariance J J^T.  The data (70, 120)
 * pull alpha up to a > 0 (below); the nominal stays at alpha = 0
 * (60, 100) and the eigenvector is J = (5, 10) itself, not the post-fit
 * (5, 10) / sqrt(curvature) around the post-fit yields. */
static void test_correlated_prior(void **s)
{
    (void)s;
    hf_workspace *ws = load("70.0", "120.0");
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    o.method = HF_SIMPLIFY_CORRELATED;
    o.keep_named = -1;
    cJSON *d = simplified(ws, &o);
    assert_int_equal(
        cJSON_GetArraySize(path(d, "channels/0/samples/0/modifiers")), 1);
    assert_string_equal(str(d, "channels/0/samples/0/modifiers/0/name"),
                        "totalError_eig0");
    assert_string_equal(str(d, "channels/1/samples/0/modifiers/0/name"),
                        "totalError_eig0");
    NEAR(num(d, "channels/0/samples/0/data/0"), 60.0, 1e-6);
    NEAR(num(d, "channels/1/samples/0/data/0"), 100.0, 1e-6);
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/hi_data/0"), 65.0,
         1e-4);
    NEAR(num(d, "channels/0/samples/0/modifiers/0/data/lo_data/0"), 55.0,
         1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/hi_data/0"), 110.0,
         1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/lo_data/0"), 90.0,
         1e-4);
    /* "sys" is not a parameter of the output any more. */
    assert_int_equal(
        cJSON_GetArraySize(path(d, "measurements/0/config/parameters")), 2);
    cJSON_Delete(d);

    /* By default (keep_named 0: the 50 largest) the one systematic stays
     * itself, as in LINEAR. */
    o.keep_named = 0;
    d = simplified(ws, &o);
    assert_string_equal(str(d, "channels/0/samples/0/modifiers/0/name"),
                        "sys");
    NEAR(num(d, "channels/0/samples/0/data/0"), 60.0, 1e-6);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/hi_data/0"), 110.0,
         1e-4);
    cJSON_Delete(d);

    /* POSTFIT around the post-fit yields 60 + 5 a, 100 + 10 a: a solves
     * 5 (70 - b1) / b1 + 10 (120 - b2) / b2 = a (bisection), with width
     * 1 / sqrt(70 * 25 / b1^2 + 120 * 100 / b2^2 + 1). */
    double lo = 0, hi = 5, a = 0;
    for (int i = 0; i < 200; i++) {
        a = 0.5 * (lo + hi);
        double b1 = 60 + 5 * a, b2 = 100 + 10 * a;
        if (5 * (70 - b1) / b1 + 10 * (120 - b2) / b2 - a > 0)
            lo = a;
        else
            hi = a;
    }
    double b1 = 60 + 5 * a, b2 = 100 + 10 * a;
    double k = 1 / sqrt(70 * 25 / (b1 * b1) + 120 * 100 / (b2 * b2) + 1);
    o.method = HF_SIMPLIFY_POSTFIT;
    o.keep_named = 0;
    d = simplified(ws, &o);
    assert_true(a > 0.5);
    NEAR(num(d, "channels/0/samples/0/data/0"), b1, 1e-4);
    NEAR(num(d, "channels/1/samples/0/modifiers/0/data/hi_data/0"),
         b2 + 10 * k, 1e-4);
    cJSON_Delete(d);

    /* An unknown method is refused. */
    hf_workspace *out = NULL;
    hf_error err = {0};
    o.method = (hf_simplify_method)4;
    assert_int_equal(hf_workspace_simplify(ws, &o, &out, &err), HF_ERR_ARG);
    assert_null(out);
    hf_workspace_free(ws);
}

/* LINEAR moves the nominal to the constraint's centre: data above the
 * expectation pull alpha up, the simplified nominal stays at alpha = 0,
 * and refitting the simplified model gives back the full fit. */
static void test_linear_refit(void **s)
{
    (void)s;
    hf_workspace *ws = load("70.0", "120.0"), *out = NULL;
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    o.method = HF_SIMPLIFY_LINEAR;
    hf_error err = {0};
    assert_int_equal(hf_workspace_simplify(ws, &o, &out, &err), HF_OK);
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    hf_model *fm = NULL, *sm = NULL;
    assert_int_equal(hf_model_build(ws, NULL, 0, &mo, &fm, &err), HF_OK);
    assert_int_equal(hf_model_build(out, NULL, 0, &mo, &sm, &err), HF_OK);
    double pf[8], ps[8], yf[2], ys[2];
    hf_fit_result r;
    double *w1 = malloc(sizeof(double) * hf_model_work_size(fm));
    double *w2 = malloc(sizeof(double) * hf_model_work_size(sm));
    assert_int_equal(hf_fit(fm, hf_model_data(fm), NULL, 0, 0, NULL, pf, &r,
                            &err), HF_OK);
    assert_int_equal(hf_fit(sm, hf_model_data(sm), NULL, 0, 0, NULL, ps, &r,
                            &err), HF_OK);
    hf_model_expected(fm, pf, yf, w1);
    hf_model_expected(sm, ps, ys, w2);
    NEAR(ys[0], yf[0], 1e-4);
    NEAR(ys[1], yf[1], 1e-4);
    free(w1);
    free(w2);
    hf_model_free(fm);
    hf_model_free(sm);
    hf_workspace_free(out);
    hf_workspace_free(ws);
}

/* The original signal patch, adding at index 2 of SR, applies to the
 * padded output, and the model has the POI. */
static void test_patch_applies(void **s)
{
    (void)s;
    hf_workspace *ws = load("60.0", "100.0"), *out = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_simplify(ws, NULL, &out, &err), HF_OK);
    hf_patch *p = NULL;
    assert_int_equal(
        hf_patch_parse("[{\"op\": \"add\", \"path\": \"/channels/0/samples/2\","
                       " \"value\": {\"name\": \"sig\", \"data\": [8.0],"
                       " \"modifiers\": [{\"name\": \"mu_SIG\", \"type\":"
                       " \"normfactor\", \"data\": null}, {\"name\": \"lumi\","
                       " \"type\": \"lumi\", \"data\": null}]}}]",
                       "sig.json", &p, &err),
        HF_OK);
    const hf_patch *pp[] = {p};
    hf_model *m = NULL;
    if (hf_model_build(out, pp, 1, NULL, &m, &err) != HF_OK)
        fail_msg("%s", err.msg);
    assert_true(hf_model_poi(m) >= 0);
    hf_cls_result cls;
    assert_int_equal(hf_cls_asymptotic(m, hf_model_data(m), 1.0,
                                       HF_TEST_QMU_TILDE, NULL, &cls, &err),
                     HF_OK);
    assert_true(cls.cls_obs > 0 && cls.cls_obs < 1);
    hf_model_free(m);
    hf_patch_free(p);
    hf_workspace_free(out);
    hf_workspace_free(ws);
}

static void test_errors(void **s)
{
    (void)s;
    hf_workspace *ws = load("60.0", "100.0"), *out = NULL;
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    hf_error err = {0};
    const char *ex[] = {"nope"};
    o.exclude = ex;
    o.nexclude = 1;
    assert_int_equal(hf_workspace_simplify(ws, &o, &out, &err),
                     HF_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "'nope'"));
    assert_null(out);

    /* Excluding "other" leaves SR's Bkg at the bkg sample alone. */
    const char *ex2[] = {"other"};
    o.exclude = ex2;
    cJSON *d = simplified(ws, &o);
    NEAR(num(d, "channels/0/samples/0/data/0"), 50.0, 1e-6);
    cJSON_Delete(d);

    /* --fix of an unknown parameter; --fix sys=1 moves the yields. */
    hf_simplify_options_init(&o);
    const char *fn[] = {"nosuch"};
    double fv[] = {1.0};
    o.fix_names = fn;
    o.fix_values = fv;
    o.nfix = 1;
    assert_int_equal(hf_workspace_simplify(ws, &o, &out, &err),
                     HF_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "'nosuch'"));
    const char *fn2[] = {"sys"};
    o.fix_names = fn2;
    d = simplified(ws, &o);
    NEAR(num(d, "channels/1/samples/0/data/0"), 110.0, 1e-9);
    /* Nothing left free: no uncertainty, so no modifier. */
    assert_int_equal(
        cJSON_GetArraySize(path(d, "channels/1/samples/0/modifiers")), 0);
    cJSON_Delete(d);
    hf_workspace_free(ws);

    /* A fit that cannot converge in one evaluation is reported. */
    ws = load("90.0", "150.0");
    hf_simplify_options_init(&o);
    hf_fit_options fo;
    hf_fit_options_init(&fo);
    fo.max_evals = 1;
    o.fit = &fo;
    assert_int_equal(hf_workspace_simplify(ws, &o, &out, &err), HF_ERR_FIT);
    assert_non_null(strstr(err.msg, "did not converge"));
    assert_null(out);
    hf_workspace_free(ws);
}

/* The shared simplified 1Lbb, made by the simplify tool: same channels,
 * yields within 0.5%, totalError widths within 5% (we take every
 * correlation into account; the tool skips staterror pairs). */
static void test_shared_1lbb(void **s)
{
    (void)s;
    const char *full = "../shared/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/"
                       "BkgOnly.json";
    const char *ref = "../shared/workspaces/real/"
                      "simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json";
    if (access(full, R_OK) != 0 || access(ref, R_OK) != 0)
        skip();
    hf_workspace *ws = NULL, *rw = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(full, &ws, &err), HF_OK);
    assert_int_equal(hf_workspace_read(ref, &rw, &err), HF_OK);
    hf_simplify_options o;
    hf_simplify_options_init(&o);
    o.no_pad = 1;
    cJSON *d = simplified(ws, &o);
    char *rt = hf_workspace_dump(rw, 0);
    cJSON *r = cJSON_Parse(rt);
    free(rt);
    int nc = cJSON_GetArraySize(path(r, "channels"));
    assert_int_equal(cJSON_GetArraySize(path(d, "channels")), nc);
    double maxy = 0, maxw = 0;
    for (int c = 0; c < nc; c++) {
        char p[128];
        snprintf(p, sizeof p, "channels/%d/name", c);
        assert_string_equal(str(d, p), str(r, p));
        snprintf(p, sizeof p, "channels/%d/samples/0/data", c);
        int nb = cJSON_GetArraySize(path(r, p));
        for (int b = 0; b < nb; b++) {
            char q[160];
            snprintf(q, sizeof q, "channels/%d/samples/0/data/%d", c, b);
            double y = num(d, q), yr = num(r, q);
            snprintf(q, sizeof q,
                     "channels/%d/samples/0/modifiers/0/data/hi_data/%d", c,
                     b);
            double w = num(d, q) - y, wr = num(r, q) - yr;
            maxy = fmax(maxy, fabs(y / yr - 1));
            maxw = fmax(maxw, fabs(w / wr - 1));
        }
    }
    print_message("max relative difference: yields %.2g, widths %.2g\n",
                  maxy, maxw);
    assert_true(maxy < 0.005);
    assert_true(maxw < 0.05);
    cJSON_Delete(d);
    cJSON_Delete(r);
    hf_workspace_free(ws);
    hf_workspace_free(rw);
}

/* `hf simplify` as a user meets it: a result file that loads, exit 1 and
 * the sample's name for a bad --exclude, nothing written then. */
static void test_cli(void **s)
{
    (void)s;
    const char *bin = getenv("HF_BIN");
    if (!bin || access(bin, X_OK) != 0)
        skip();
    char dir[] = "/tmp/test_simplify.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char ws[300], out[300], err[300], cmd[2048];
    snprintf(ws, sizeof ws, "%s/ws.json", dir);
    snprintf(out, sizeof out, "%s/out.json", dir);
    snprintf(err, sizeof err, "%s/err.txt", dir);
    char json[8192];
    snprintf(json, sizeof json, WS, "60.0", "100.0");
    FILE *f = fopen(ws, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);

    snprintf(cmd, sizeof cmd, "'%s' simplify '%s' --method linear -o '%s'",
             bin, ws, out);
    assert_int_equal(system(cmd), 0);
    hf_workspace *w = NULL;
    hf_error e = {0};
    assert_int_equal(hf_workspace_read(out, &w, &e), HF_OK);
    hf_workspace_free(w);
    remove(out);

    snprintf(cmd, sizeof cmd,
             "'%s' simplify '%s' --exclude nope -o '%s' 2>'%s'", bin, ws, out,
             err);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    assert_int_not_equal(access(out, F_OK), 0);
    char msg[1024] = "";
    f = fopen(err, "r");
    assert_non_null(f);
    size_t n = fread(msg, 1, sizeof msg - 1, f);
    msg[n] = 0;
    fclose(f);
    assert_non_null(strstr(msg, "'nope'"));

    snprintf(cmd, sizeof cmd, "'%s' simplify '%s' --method nope 2>/dev/null",
             bin, ws);
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    /* --keep-named is linear's and correlated's: refused, not ignored,
     * with another method */
    snprintf(cmd, sizeof cmd, "'%s' simplify '%s' --keep-named 1 -o '%s' 2>/dev/null",
             bin, ws, out);
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    assert_int_not_equal(access(out, F_OK), 0);
    snprintf(cmd, sizeof cmd,
             "'%s' simplify '%s' --method postfit --keep-named 1 -o '%s' "
             "2>/dev/null", bin, ws, out);
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    assert_int_not_equal(access(out, F_OK), 0);

    /* correlated --keep-named none: the one systematic folded. */
    snprintf(cmd, sizeof cmd,
             "'%s' simplify '%s' --method correlated --keep-named none "
             "-o '%s'", bin, ws, out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(hf_workspace_read(out, &w, &e), HF_OK);
    char *txt = hf_workspace_dump(w, 0);
    assert_non_null(strstr(txt, "totalError_eig0"));
    assert_null(strstr(txt, "\"sys\""));
    free(txt);
    hf_workspace_free(w);
    remove(out);
    snprintf(cmd, sizeof cmd,
             "'%s' simplify '%s' --method postfit -o '%s'", bin, ws, out);
    assert_int_equal(system(cmd), 0);
    remove(out);
    remove(ws);
    remove(err);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simplify_method),
        cmocka_unit_test(test_correlated_and_linear),
        cmocka_unit_test(test_correlated_prior),
        cmocka_unit_test(test_linear_refit),
        cmocka_unit_test(test_patch_applies),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shared_1lbb),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
