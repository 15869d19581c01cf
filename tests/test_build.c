/*
 * test_build.c - model-level rules that need the whole model (pyhf's model
 * builder, not its schema): parameter name reuse, measurement configs,
 * POI, lumi, staterror masks, interpolation limits; and a hand-computed
 * small model.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"

/* One channel "SR" (2 bins), samples sig and bkg, a measurement with
 * POI mu; %s slots: extra modifiers of bkg, extra parameter configs. */
static const char *BASE =
    "{\"version\": \"1.0.0\","
    " \"channels\": [{\"name\": \"SR\", \"samples\": ["
    "   {\"name\": \"sig\", \"data\": [5.0, 10.0], \"modifiers\": ["
    "     {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
    "   {\"name\": \"bkg\", \"data\": [50.0, 60.0], \"modifiers\": [%s]}]}],"
    " \"observations\": [{\"name\": \"SR\", \"data\": [53.0, 65.0]}],"
    " \"measurements\": [{\"name\": \"meas\", \"config\": {\"poi\": \"%s\", \"parameters\": [%s]}}]}";

static int build(const char *mods, const char *poi, const char *params,
                 const hf_model_options *opt, hf_model **m, hf_error *err)
{
    char json[8192];
    snprintf(json, sizeof json, BASE, mods, poi, params);
    hf_workspace *ws = NULL;
    int rc = hf_workspace_parse(json, "t.json", &ws, err);
    if (rc)
        return rc;
    rc = hf_model_build(ws, NULL, 0, opt, m, err);
    hf_workspace_free(ws);
    return rc;
}

static void expect_error(const char *mods, const char *poi, const char *params,
                         const char *fragment)
{
    hf_model *m = NULL;
    hf_error err = {0, ""};
    int rc = build(mods, poi, params, NULL, &m, &err);
    if (rc == HF_OK || !strstr(err.msg, fragment)) {
        print_error("want error containing \"%s\", got rc=%d \"%s\"\n", fragment, rc, err.msg);
        fail();
    }
    assert_null(m);
    assert_non_null(strstr(err.msg, "t.json: "));
}

static void test_name_reuse(void **s)
{
    (void)s;
    /* normsys and histosys may share a parameter; normfactor may not */
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(build("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
                           "{\"name\": \"a\", \"type\": \"histosys\", \"data\": {\"hi_data\": [51, 61], \"lo_data\": [49, 59]}}",
                           "mu", "", NULL, &m, &err),
                     HF_OK);
    assert_int_equal(hf_model_npars(m), 2);
    hf_model_free(m);
    expect_error("{\"name\": \"mu\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}", "mu", "",
                 "parameter 'mu' is used by a normfactor modifier and by a normsys modifier");
    expect_error("{\"name\": \"st\", \"type\": \"staterror\", \"data\": [1, 1]},"
                 "{\"name\": \"st\", \"type\": \"shapesys\", \"data\": [1, 1]}",
                 "mu", "", "parameter 'st' is used by a shapesys modifier and by a staterror modifier");
    expect_error("{\"name\": \"mu\", \"type\": \"shapefactor\", \"data\": null}", "mu", "",
                 "parameter 'mu' is used by a normfactor modifier and by a shapefactor");
}

static void test_configs(void **s)
{
    (void)s;
    expect_error("", "nope", "", "the POI 'nope' is not a parameter of the model");
    expect_error("{\"name\": \"sf\", \"type\": \"shapefactor\", \"data\": null}", "sf", "",
                 "the POI 'sf' has 2 components");
    expect_error("", "mu", "{\"name\": \"mu\", \"inits\": [1.0, 2.0]}",
                 "parameters[0].inits: 2 values configured for parameter 'mu', which has 1");
    expect_error("", "mu", "{\"name\": \"mu\", \"sigmas\": [1.0]}",
                 "parameters[0].sigmas: parameter 'mu' (normfactor) does not use the sigmas attribute");
    expect_error("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}", "mu",
                 "{\"name\": \"a\", \"auxdata\": [0.0], \"factors\": [2.0]}",
                 "does not use the factors attribute");
    expect_error("{\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}", "mu", "",
                 "has a lumi modifier but the measurement configures no 'lumi' parameter");
    expect_error("{\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}", "mu",
                 "{\"name\": \"lumi\", \"inits\": [1.0], \"bounds\": [[0.5, 1.5]], \"auxdata\": [1.0]}",
                 "the measurement's 'lumi' parameter has no 'sigmas'");
    expect_error("{\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}", "mu",
                 "{\"name\": \"lumi\", \"inits\": [1.0], \"bounds\": [[0.5, 1.5]], \"auxdata\": [1.0], \"sigmas\": [0.0]}",
                 "non-positive constraint width");
    /* a config for a parameter the model lacks is ignored, as in pyhf */
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(build("", "mu", "{\"name\": \"mu_BG\", \"inits\": [2.0]}", NULL, &m, &err), HF_OK);
    hf_model_free(m);
}

static void test_measurement_and_interp(void **s)
{
    (void)s;
    hf_model *m = NULL;
    hf_error err = {0, ""};
    hf_model_options opt;
    hf_model_options_init(&opt);
    opt.measurement = "other";
    assert_int_equal(build("", "mu", "", &opt, &m, &err), HF_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no measurement named 'other' (the workspace has 'meas')"));
    assert_null(m);
    /* the same code without an error to fill (it came from err->code) */
    assert_int_equal(build("", "mu", "", &opt, &m, NULL), HF_ERR_NOTFOUND);
    assert_null(m);

    /* codes outside the enum are refused, not run as code4p (histosys)
     * or blamed on lo and hi (normsys) */
    hf_model_options_init(&opt);
    opt.histosys_interp = (hf_interp)3;
    assert_int_equal(build("", "mu", "", &opt, &m, &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "histosys interpolation code 3 is not one of"));
    assert_null(m);
    hf_model_options_init(&opt);
    opt.normsys_interp = (hf_interp)7;
    assert_int_equal(build("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}}",
                           "mu", "", &opt, &m, &err),
                     HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "normsys interpolation code 7 is not one of"));
    assert_null(m);

    hf_model_options_init(&opt);
    opt.histosys_interp = HF_INTERP_CODE1;
    assert_int_equal(build("", "mu", "", &opt, &m, &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "histosys interpolation must be code0, code2 or code4p"));

    expect_error("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.0}}", "mu", "",
                 "normsys 'a' has lo=0, hi=1.1: code1/code4 interpolation needs lo > 0");
    /* ...which code0 accepts: a defined, linear result */
    hf_model_options_init(&opt);
    opt.normsys_interp = HF_INTERP_CODE0;
    assert_int_equal(build("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.0}}",
                           "mu", "", &opt, &m, &err),
                     HF_OK);
    hf_model_free(m);
}

/* A valid workspace whose model pyhf's builder refuses. */
static void expect_model_error(const char *json, const char *fragment)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(hf_workspace_parse(json, "t.json", &ws, &err), HF_OK);
    assert_int_equal(hf_model_build(ws, NULL, 0, NULL, &m, &err), HF_ERR_INVALID);
    assert_null(m);
    if (!strstr(err.msg, fragment)) {
        print_error("want \"%s\", got \"%s\"\n", fragment, err.msg);
        fail();
    }
    hf_workspace_free(ws);
}

static void test_shapesys_not_shared(void **s)
{
    (void)s;
    static const char *json =
        "{\"version\": \"1.0.0\","
        " \"channels\": [{\"name\": \"SR\", \"samples\": ["
        "   {\"name\": \"a\", \"data\": [5.0], \"modifiers\": [{\"name\": \"s\", \"type\": \"shapesys\", \"data\": [1.0]}]},"
        "   {\"name\": \"b\", \"data\": [5.0], \"modifiers\": [{\"name\": \"s\", \"type\": \"shapesys\", \"data\": [1.0]},"
        "      {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]}]}],"
        " \"observations\": [{\"name\": \"SR\", \"data\": [10.0]}],"
        " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", \"parameters\": []}}]}";
    expect_model_error(json, "shapesys 's' on sample 'b' is already used by another sample");
}

static void test_staterror_channels(void **s)
{
    (void)s;
    /* sample a carries "st" in both channels, sample b only in one: pyhf
     * asserts equal masks */
    static const char *json =
        "{\"version\": \"1.0.0\","
        " \"channels\": ["
        "  {\"name\": \"A\", \"samples\": ["
        "   {\"name\": \"a\", \"data\": [5.0], \"modifiers\": [{\"name\": \"st\", \"type\": \"staterror\", \"data\": [1.0]}]},"
        "   {\"name\": \"b\", \"data\": [5.0], \"modifiers\": [{\"name\": \"st\", \"type\": \"staterror\", \"data\": [1.0]},"
        "      {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]}]},"
        "  {\"name\": \"B\", \"samples\": ["
        "   {\"name\": \"a\", \"data\": [5.0], \"modifiers\": [{\"name\": \"st\", \"type\": \"staterror\", \"data\": [1.0]}]}]}],"
        " \"observations\": [{\"name\": \"A\", \"data\": [10.0]}, {\"name\": \"B\", \"data\": [10.0]}],"
        " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", \"parameters\": []}}]}";
    expect_model_error(json, "staterror 'st' is on sample 'b' in 1 of the 2 channels");
}

/* A model small enough to compute by hand: check yields and logpdf. */
static void test_hand_computed(void **s)
{
    (void)s;
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(build("{\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0.9}},"
                           "{\"name\": \"st\", \"type\": \"staterror\", \"data\": [3.0, 4.0]}",
                           "mu", "", NULL, &m, &err),
                     HF_OK);
    /* pyhf order: normfactor mu, normsys a, staterror st[0], st[1] */
    assert_int_equal(hf_model_npars(m), 4);
    assert_string_equal(hf_model_par_name(m, 0), "mu");
    assert_string_equal(hf_model_par_name(m, 1), "a");
    assert_string_equal(hf_model_par_name(m, 2), "st[0]");
    assert_int_equal(hf_model_naux(m), 3);
    /* staterror width: 3/50 and 4/60 (only bkg carries it) */
    assert_true(fabs(hf_model_sigmas(m)[1] - 3.0 / 50) < 1e-15);
    assert_true(fabs(hf_model_sigmas(m)[2] - 4.0 / 60) < 1e-15);

    double pars[4] = {2.0, 2.0, 1.1, 0.9}, exp[2];
    double *work = malloc(sizeof(double) * hf_model_work_size(m));
    hf_model_expected(m, pars, exp, work);
    /* alpha = 2 >= 1: code4 gives hi^alpha */
    double f = pow(1.2, 2.0);
    assert_true(fabs(exp[0] - (2 * 5 + f * 1.1 * 50)) < 1e-12);
    assert_true(fabs(exp[1] - (2 * 10 + f * 0.9 * 60)) < 1e-12);
    double lp = hf_model_logpdf(m, pars, hf_model_data(m), work);
    double want = 0;
    const double obs[2] = {53, 65};
    for (int i = 0; i < 2; i++)
        want += obs[i] * log(exp[i]) - exp[i] - lgamma(obs[i] + 1);
    double sg[3] = {1.0, 3.0 / 50, 4.0 / 60}, x[3] = {2.0, 1.1, 0.9}, a[3] = {0, 1, 1};
    for (int i = 0; i < 3; i++)
        want += -0.5 * pow((a[i] - x[i]) / sg[i], 2) - log(sg[i]) - 0.5 * log(2 * M_PI);
    assert_true(fabs(lp - want) < 1e-10 * fabs(want));
    free(work);
    hf_model_free(m);
}

/* At mu = 0 a block's factor product is zero and the gradient takes the
 * prefix/suffix path: check it against central differences. */
static void test_gradient_at_zero_factor(void **s)
{
    (void)s;
    static const char *json =
        "{\"version\": \"1.0.0\","
        " \"channels\": [{\"name\": \"SR\", \"samples\": ["
        "   {\"name\": \"sig\", \"data\": [5.0, 10.0], \"modifiers\": ["
        "     {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null},"
        "     {\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.3, \"lo\": 0.8}},"
        "     {\"name\": \"b\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.95}}]},"
        "   {\"name\": \"bkg\", \"data\": [50.0, 60.0], \"modifiers\": ["
        "     {\"name\": \"a\", \"type\": \"normsys\", \"data\": {\"hi\": 1.05, \"lo\": 0.97}}]}]}],"
        " \"observations\": [{\"name\": \"SR\", \"data\": [53.0, 65.0]}],"
        " \"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", \"parameters\": []}}]}";
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(hf_workspace_parse(json, "t.json", &ws, &err), HF_OK);
    assert_int_equal(hf_model_build(ws, NULL, 0, NULL, &m, &err), HF_OK);
    int np = hf_model_npars(m);
    assert_int_equal(np, 3);
    double *work = malloc(sizeof(double) * hf_model_work_size(m)), g[3];
    const double *data = hf_model_data(m);
    int poi = hf_model_poi(m);
    for (int trial = 0; trial < 2; trial++) {
        double pars[3];
        pars[hf_model_find_parset(m, "a")] = 0.3;
        pars[hf_model_find_parset(m, "b")] = -0.4;
        pars[poi] = trial == 0 ? 0.0 : 0.5;
        hf_model_nll(m, pars, data, g, work);
        for (int i = 0; i < np; i++) {
            double h = 1e-6, x0 = pars[i];
            pars[i] = x0 + h;
            double fp = hf_model_nll(m, pars, data, NULL, work);
            pars[i] = x0 - h;
            double fm = hf_model_nll(m, pars, data, NULL, work);
            pars[i] = x0;
            double fd = (fp - fm) / (2 * h);
            if (fabs(fd - g[i]) > 1e-6 * fmax(1.0, fabs(fd))) {
                print_error("mu=%g: d nll/d %s analytic %.12g, differences %.12g\n", pars[poi],
                            hf_model_par_name(m, i), g[i], fd);
                fail();
            }
        }
    }
    free(work);
    hf_model_free(m);
    hf_workspace_free(ws);
}

/* Every parameter fixed: the uncertainties are zero, not a crash (GSL
 * aborts on zero-length matrices if asked to decompose one). */
static void test_uncertainties_all_fixed(void **s)
{
    (void)s;
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(build("", "mu", "{\"name\": \"mu\", \"fixed\": true}", NULL, &m, &err), HF_OK);
    assert_int_equal(hf_model_npars(m), 1);
    double unc[1] = {-1}, corr[1] = {-1};
    assert_int_equal(hf_fit_uncertainties(m, hf_model_data(m), hf_model_inits(m), unc, corr, &err),
                     HF_OK);
    assert_true(unc[0] == 0);
    hf_model_free(m);
}

/* pyhf orders parameter sets by type (histosys, lumi, normfactor, normsys,
 * shapefactor, shapesys, staterror), within a type by first appearance
 * walking samples and modifiers sorted by name (Python's str order: code
 * points, so 'B' before 'a'), not by their order in the file. */
static void test_parameter_order(void **s)
{
    (void)s;
    hf_model *m = NULL;
    hf_error err;
    assert_int_equal(build("{\"name\": \"zeta\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
                           "{\"name\": \"stat_b\", \"type\": \"staterror\", \"data\": [1, 1]},"
                           "{\"name\": \"alpha\", \"type\": \"normsys\", \"data\": {\"hi\": 1.2, \"lo\": 0.8}},"
                           "{\"name\": \"Zsys\", \"type\": \"shapesys\", \"data\": [2, 3]},"
                           "{\"name\": \"Beta\", \"type\": \"normsys\", \"data\": {\"hi\": 1.3, \"lo\": 0.7}},"
                           "{\"name\": \"alpha\", \"type\": \"histosys\", \"data\": {\"hi_data\": [51, 61], \"lo_data\": [49, 59]}}",
                           "mu", "", NULL, &m, &err),
                     HF_OK);
    static const char *const want[][2] = {
        {"alpha", "histosys"}, {"mu", "normfactor"}, {"Beta", "normsys"},
        {"zeta", "normsys"},   {"Zsys", "shapesys"}, {"stat_b", "staterror"}};
    assert_int_equal(hf_model_nparsets(m), 6);
    for (int k = 0; k < 6; k++) {
        hf_parset ps;
        assert_int_equal(hf_model_parset(m, k, &ps), HF_OK);
        assert_string_equal(ps.name, want[k][0]);
        assert_string_equal(ps.type, want[k][1]);
    }
    assert_int_equal(hf_model_npars(m), 8);
    assert_string_equal(hf_model_par_name(m, 4), "Zsys[0]");
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_reuse),
        cmocka_unit_test(test_configs),
        cmocka_unit_test(test_measurement_and_interp),
        cmocka_unit_test(test_shapesys_not_shared),
        cmocka_unit_test(test_staterror_channels),
        cmocka_unit_test(test_hand_computed),
        cmocka_unit_test(test_gradient_at_zero_factor),
        cmocka_unit_test(test_uncertainties_all_fixed),
        cmocka_unit_test(test_parameter_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
