/*
 * test_modelflags.c - the kinked flags the fits ask the model for
 * (hfmodel_kinked), which the build finds once and keeps: by hand on a
 * model whose modifiers are smooth or kinked at 0, on the model built
 * with ROOT's code1 and on its smooth copy (whose codes differ from the
 * model's: a flag kept for the model and shared with the copy would be
 * wrong there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hf.h"
#include "hf/hfmodel.h"

/* sym: normsys hi = lo (even about 0); asym: normsys hi != lo; hsym:
 * histosys hi_data = lo_data != nominal; hasym: histosys with a slope at
 * 0; mu: normfactor.  Only the normsys take code1 (kinked); histosys
 * stay code4p (smooth) whatever their templates. */
static const char WS[] =
    "{\"channels\": [{\"name\": \"c\", \"samples\": ["
    "{\"name\": \"s\", \"data\": [5.0, 6.0], \"modifiers\": ["
    "{\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null}]},"
    "{\"name\": \"b\", \"data\": [50.0, 40.0], \"modifiers\": ["
    "{\"name\": \"sym\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 1.1}},"
    "{\"name\": \"asym\", \"type\": \"normsys\", \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
    "{\"name\": \"hsym\", \"type\": \"histosys\", \"data\": "
    "{\"hi_data\": [52.0, 43.0], \"lo_data\": [52.0, 43.0]}},"
    "{\"name\": \"hasym\", \"type\": \"histosys\", \"data\": "
    "{\"hi_data\": [55.0, 41.0], \"lo_data\": [45.0, 39.0]}}]}]}],"
    "\"observations\": [{\"name\": \"c\", \"data\": [57, 45]}],"
    "\"measurements\": [{\"name\": \"m\", \"config\": {\"poi\": \"mu\", "
    "\"parameters\": []}}], \"version\": \"1.0.0\"}";

static hf_model *build(hf_interp normsys)
{
    hf_workspace *ws = NULL;
    hf_model *m = NULL;
    hf_error err = {0};
    hf_model_options opt;
    hf_model_options_init(&opt);
    opt.normsys_interp = normsys;
    if (hf_workspace_parse(WS, "inline", &ws, &err) != HF_OK ||
        hf_model_build(ws, NULL, 0, &opt, &m, &err) != HF_OK)
        fail_msg("model: %s", err.msg);
    hf_workspace_free(ws);
    return m;
}

/* The flags of the parameters named in `on` are 1, all others 0. */
static void expect_flags(const hf_model *m, const unsigned char *flag,
                         const char *const *on, int non)
{
    for (int i = 0; i < hf_model_npars(m); i++) {
        int want = 0;
        for (int k = 0; k < non; k++)
            want |= !strcmp(hf_model_par_name(m, i), on[k]);
        if (flag[i] != want)
            fail_msg("%s: flag %d, expected %d", hf_model_par_name(m, i),
                     flag[i], want);
    }
}

static void test_default_codes(void **state)
{
    (void)state;
    hf_model *m = build(HF_INTERP_CODE4);
    unsigned char flag[8];
    assert_int_equal(hf_model_npars(m), 5);
    assert_int_equal(hfmodel_kinked(m, flag), 0);
    expect_flags(m, flag, NULL, 0);
    hf_model_free(m);
}

static void test_code1_and_its_smooth_copy(void **state)
{
    (void)state;
    hf_model *m = build(HF_INTERP_CODE1);
    unsigned char flag[8];
    /* code1 is kinked at 0, with hi = lo or not */
    const char *kinked[] = {"sym", "asym"};
    assert_int_equal(hfmodel_kinked(m, flag), 2);
    expect_flags(m, flag, kinked, 2);
    /* the smooth copy's normsys are code4: nothing kinked there */
    hf_model *t = hfmodel_smooth(m);
    assert_non_null(t);
    assert_int_equal(hfmodel_kinked(t, flag), 0);
    expect_flags(t, flag, NULL, 0);
    hfmodel_smooth_free(t);
    /* and the model's own flags are unchanged by the copy */
    assert_int_equal(hfmodel_kinked(m, flag), 2);
    expect_flags(m, flag, kinked, 2);
    hf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_codes),
        cmocka_unit_test(test_code1_and_its_smooth_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
