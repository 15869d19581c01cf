/*
 * test_ml.c - published classifiers (ml/): ONNX networks, an XGBoost
 * model and TMVA BDTs evaluated on tests/ml/events.csv against outputs
 * from independent sources (numpy for the networks, python3-xgboost for
 * XGBoost, tests/ml/generate.py makes both; a hand calculation for the
 * TMVA file), then refusals of bad models and inputs.
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

#define DIR "tests/ml/"

/* A numeric CSV (header skipped, the first `skip` columns ignored): rows
 * of ncol values into a malloc'd array; *nrow set. */
static double *read_csv(const char *path, int skip, int ncol, size_t *nrow)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    size_t n = 0, cap = 64;
    double *v = malloc(cap * (size_t)ncol * sizeof *v);
    while (fgets(line, sizeof line, f)) {
        if (n == cap)
            v = realloc(v, (cap *= 2) * (size_t)ncol * sizeof *v);
        char *p = line;
        for (int c = 0; c < skip; c++)
            p = strchr(p, ',') + 1;
        for (int c = 0; c < ncol; c++) {
            v[n * (size_t)ncol + (size_t)c] = strtod(p, &p);
            p++;
        }
        n++;
    }
    fclose(f);
    *nrow = n;
    return v;
}

/* Largest |a - b| / |b| over n values. */
static double max_rel(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double r = fabs(a[i] - b[i]) / fabs(b[i]);
        m = r > m ? r : m;
    }
    return m;
}

/* Model `file` on the five features of events.csv against `expected`. */
static void check_model(const char *file, const char *prep, const char *expected, int K,
                        double tol)
{
    hf_ml_options opt;
    hf_ml_options_init(&opt);
    opt.preprocessing = prep;
    hf_ml *m = NULL;
    hf_error err = {0};
    int rc = hf_ml_load(file, &opt, &m, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, HF_OK);
    assert_int_equal(hf_ml_nfeatures(m), 5);
    assert_int_equal(hf_ml_noutputs(m), K);
    size_t n, ne;
    double *x = read_csv(DIR "events.csv", 2, 5, &n);
    double *want = read_csv(expected, 0, K, &ne);
    assert_int_equal(n, ne);
    double *out = calloc(n * (size_t)K, sizeof *out);
    assert_int_equal(hf_ml_eval(m, x, n, out, &err), HF_OK);
    double r = max_rel(out, want, n * (size_t)K);
    fprintf(stderr, "%s: largest relative deviation %.3g\n", file, r);
    assert_true(r < tol);
    /* one thread or many, one event at a time or all: the same numbers */
    for (size_t i = 0; i < n; i++) {
        double o1[8];
        assert_int_equal(hf_ml_eval(m, x + i * 5, 1, o1, &err), HF_OK);
        for (int k = 0; k < K; k++)
            assert_true(o1[k] == out[i * (size_t)K + (size_t)k]);
    }
    free(x);
    free(want);
    free(out);
    hf_ml_free(m);
}

static void test_onnx_mlp(void **state)
{
    (void)state;
    check_model(DIR "mlp.onnx", DIR "mlp.prep.json", DIR "mlp_expected.csv", 1, 1e-6);
}

static void test_onnx_ops(void **state)
{
    (void)state;
    check_model(DIR "ops.onnx", NULL, DIR "ops_expected.csv", 3, 1e-6);
}

static void test_xgboost(void **state)
{
    (void)state;
    /* XGBoost sums float32 leaf values as python3-xgboost does */
    check_model(DIR "xgb.json", NULL, DIR "xgb_expected.csv", 1, 1e-6);
}

static void test_names(void **state)
{
    (void)state;
    hf_ml_options opt;
    hf_ml_options_init(&opt);
    opt.preprocessing = DIR "mlp.prep.json";
    hf_ml *m = NULL;
    hf_error err = {0};
    assert_int_equal(hf_ml_load(DIR "mlp.onnx", &opt, &m, &err), HF_OK);
    assert_string_equal(hf_ml_format(m), "onnx");
    assert_string_equal(hf_ml_feature_name(m, 3), "met");
    assert_string_equal(hf_ml_output_name(m, 0), "p_signal");
    double x[5] = {100, 0, NAN, 1, 1}, out[1];
    assert_int_equal(hf_ml_eval(m, x, 1, out, &err), HF_ERR_NUMERIC);
    assert_non_null(strstr(err.msg, "event 0: feature 'phi' is nan"));
    hf_ml_free(m);
    assert_int_equal(hf_ml_load(DIR "xgb.json", NULL, &m, &err), HF_OK);
    assert_string_equal(hf_ml_feature_name(m, 0), "pt");
    assert_string_equal(hf_ml_output_name(m, 0), "score");
    hf_ml_free(m);
}

/* Loading `file` fails with code, the message holding each of the strings. */
static void refused(const char *file, const char *prep, int code, const char *s1,
                    const char *s2)
{
    hf_ml_options opt;
    hf_ml_options_init(&opt);
    opt.preprocessing = prep;
    hf_ml *m = (hf_ml *)&opt;
    hf_error err = {0};
    assert_int_equal(hf_ml_load(file, &opt, &m, &err), code);
    assert_null(m);
    fprintf(stderr, "refused as expected: %s\n", err.msg);
    assert_non_null(strstr(err.msg, s1));
    if (s2)
        assert_non_null(strstr(err.msg, s2));
}

static void test_bad_models(void **state)
{
    (void)state;
    refused(DIR "unsupported.onnx", NULL, HF_ERR_INVALID, "node 1 'wave'", "operator 'Sin'");
    refused(DIR "truncated.onnx", NULL, HF_ERR_PARSE, "truncated.onnx", "not an ONNX model");
    refused(DIR "events.csv", NULL, HF_ERR_PARSE, "events.csv", "not an ONNX model");
    refused(DIR "missing.onnx", NULL, HF_ERR_IO, "missing.onnx", "cannot open");
    refused(DIR "events.csv", NULL, HF_ERR_PARSE, "events.csv", NULL);
    refused(DIR "mlp.onnx", DIR "xgb_expected.csv", HF_ERR_PARSE, "xgb_expected.csv", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onnx_mlp),
        cmocka_unit_test(test_onnx_ops),
        cmocka_unit_test(test_xgboost),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bad_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
