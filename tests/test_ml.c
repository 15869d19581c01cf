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
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"
#include "run.h"

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

/* Model `file` with preprocessing file prep (NULL: none), failing the
 * test with the loader's message when it cannot be loaded. */
static hf_ml *load_model(const char *file, const char *prep)
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
    return m;
}

/* m's single output on the n events of x (rows of its features), each
 * within rel |want| + abs of want[]; m is freed. */
static void check_outputs(hf_ml *m, const double *x, int n, const double *want, double rel,
                          double abs)
{
    double out[8];
    hf_error err = {0};
    assert_true(n <= 8);
    assert_int_equal(hf_ml_eval(m, x, (size_t)n, out, &err), HF_OK);
    for (int i = 0; i < n; i++) {
        if (!(fabs(out[i] - want[i]) < rel * fabs(want[i]) + abs))
            fprintf(stderr, "event %d: %.9f (want %.9f)\n", i, out[i], want[i]);
        assert_true(fabs(out[i] - want[i]) < rel * fabs(want[i]) + abs);
    }
    hf_ml_free(m);
}

/* Model `file` on the five features of `events` against `expected`. */
static void check_model_on(const char *events, const char *file, const char *prep,
                           const char *expected, int K, double tol)
{
    hf_ml *m = load_model(file, prep);
    hf_error err = {0};
    assert_int_equal(hf_ml_nfeatures(m), 5);
    assert_int_equal(hf_ml_noutputs(m), K);
    size_t n, ne;
    double *x = read_csv(events, 2, 5, &n);
    double *want = read_csv(expected, 0, K, &ne);
    assert_int_equal(n, ne);
    double *out = calloc(n * (size_t)K, sizeof *out);
    assert_int_equal(hf_ml_eval(m, x, n, out, &err), HF_OK);
    double r = max_rel(out, want, n * (size_t)K);
    fprintf(stderr, "%s: largest relative deviation %.3g\n", file, r);
    assert_true(r <= tol);
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

static void check_model(const char *file, const char *prep, const char *expected, int K,
                        double tol)
{
    check_model_on(DIR "events.csv", file, prep, expected, K, tol);
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

/* Depth-6 trees through hf's flat evaluator (ml/forest.c: every level's
 * lookup, the vector path and the one-event path), on 300 events of which
 * 100 sit on split thresholds or one float beside them: XGBoost's
 * predictions to the bit, and the same trees as a TMVA Grad file against
 * tanh of the float64 sum of the leaves python3-xgboost picks (cType 0
 * and 1 mixed: the comparison's direction).  Then depth-8 trees alike
 * (levels 6 and 7 and their leaves take the gathering path). */
static void test_deep_trees(void **state)
{
    (void)state;
    check_model_on(DIR "deep_events.csv", DIR "xgb_deep.json", NULL,
                   DIR "xgb_deep_expected.csv", 1, 0);
    check_model_on(DIR "deep_events.csv", DIR "tmva_deep.xml", NULL,
                   DIR "tmva_deep_expected.csv", 1, 1e-12);
    check_model_on(DIR "deep8_events.csv", DIR "xgb_deep8.json", NULL,
                   DIR "xgb_deep8_expected.csv", 1, 0);
    check_model_on(DIR "deep8_events.csv", DIR "tmva_deep8.xml", NULL,
                   DIR "tmva_deep8_expected.csv", 1, 1e-12);
}

/* A float64 network (double weights and input): hf runs it in float32
 * like the others, so against numpy's float64 about 1e-7 is expected
 * (weights and features rounded to float); a wrong operator is far off. */
static void test_onnx_double(void **state)
{
    (void)state;
    check_model(DIR "mlp64.onnx", DIR "mlp.prep.json", DIR "mlp64_expected.csv", 1, 1e-6);
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
    hf_ml *m = load_model(DIR "mlp.onnx", DIR "mlp.prep.json");
    hf_error err = {0};
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

/* The hand-written TMVA files, worked out by hand.  tmva_grad.xml: tree 0
 * sends x >= 1.5 right, then y >= 0 left (cType 0: right when y < 0),
 * leaves -0.3 | 0.2, 0.5; tree 1 sends y >= 2 right, leaves 0.1 | -0.4;
 * the output is 2/(1+exp(-2 s)) - 1 = tanh(s) of the leaves' sum s.
 * Boundaries: x = 1.5 goes right (>=). */
static void test_tmva_grad(void **state)
{
    (void)state;
    hf_ml *m = load_model(DIR "tmva_grad.xml", NULL);
    assert_string_equal(hf_ml_format(m), "tmva");
    assert_int_equal(hf_ml_nfeatures(m), 2);
    assert_string_equal(hf_ml_feature_name(m, 1), "y");
    const double x[] = {1.0, 3.0, 2.0, -1.0, 1.5, 0.0, 1.4999, 1.9999};
    const double want[] = {tanh(-0.3 - 0.4), tanh(0.5 + 0.1), tanh(0.2 + 0.1),
                           tanh(-0.3 + 0.1)};
    check_outputs(m, x, 4, want, 1e-7, 0);
}

/* tmva_ada.xml: Normalize with the all-classes ranges a in [0, 10], b in
 * [-2, 2] (a' = a/5 - 1, b' = b/2), then trees of boost weight 0.5 (a' >= 0
 * right: +1), 1 (b' >= 0.5 right: +1) and 0.25 (cType 0: a' < -0.5 right:
 * +1), left leaves -1; output sum w nType / sum w (1.75). */
static void test_tmva_ada(void **state)
{
    (void)state;
    const double x[] = {6, 0, 1, 1.5, 9, 1.9};
    const double want[] = {(0.5 - 1 - 0.25) / 1.75, (-0.5 + 1 + 0.25) / 1.75,
                           (0.5 + 1 - 0.25) / 1.75};
    check_outputs(load_model(DIR "tmva_ada.xml", NULL), x, 3, want, 0, 1e-12);
}

/* tmva_xform.xml: Decorrelation with the last (all-classes) matrix,
 * d = (2a + 0.5b, b), then PCA with the last means (1, 2) and
 * eigenvectors E (rows j: (0.6, 0.8), (-0.8, 0.6)), p_i = sum_j (d_j -
 * mean_j) E_ji: p0 = 0.6 (d0 - 1) - 0.8 (d1 - 2), p1 = 0.8 (d0 - 1) + 0.6
 * (d1 - 2); trees p0 >= 0.5 (-0.3 | 0.5) and p1 >= 0 (-0.2 | 0.4).
 *   (1, 2): d (3, 2), p (1.2, 1.6): tanh(0.5 + 0.4)
 *   (0, 0): d (0, 0), p (1.0, -2.0): tanh(0.5 - 0.2)
 *   (1, 4): d (4, 4), p (0.2, 3.6): tanh(-0.3 + 0.4)
 *   (-1, 3): d (-0.5, 3), p (-1.7, -0.6): tanh(-0.3 - 0.2)
 * The decoy matrices of the other classes would give other leaves. */
static void test_tmva_transforms(void **state)
{
    (void)state;
    const double x[] = {1, 2, 0, 0, 1, 4, -1, 3};
    const double want[] = {tanh(0.9), tanh(0.3), tanh(0.1), tanh(-0.5)};
    check_outputs(load_model(DIR "tmva_xform.xml", NULL), x, 4, want, 1e-7, 0);
}

/* tmva_gauss_uniform.xml (TMVA's VariableGaussTransform, the all-classes
 * cls2 distributions; the trees are stumps that bracket the values below):
 * y Uniform, Spline0, bins [0,0.5,1,1.5,2] with cumulants 0.1 0.4 0.8 1:
 * the content of y's bin (clamped to the first/last), kept within
 * [1e-9, 1 - 1e-9], as float:  y = 0.7, -3, 1.9, 1.2 -> 0.4, 0.1, 1, 0.8.
 * x Gauss, Spline1, edges 0 1 3 4, cumulants 0.2 0.7 1 at the centres
 * 0.5, 2, 3.5, joined by straight lines extended beyond the ends:
 *   x = -1:   line value -0.3 -> 1e-12 -> 1e-9 -> 2c - 1 clamped to
 *             -0.99999999 -> 1.414213562 erfinv(-0.99999999) = -5.7307289
 *   x = 1.25: 0.2 + 0.75 / 3 = 0.45 -> sqrt(2) erfinv(-0.1) = -0.1256613
 *   x = 2.75: 0.7 + 0.75 * 0.2 = 0.85 -> sqrt(2) erfinv(0.7) = 1.0364334
 *   x = 10:   2.3 -> 1 - 1e-9 -> 0.99999999 -> 5.7307289
 * (erfinv from Python's statistics.NormalDist: sqrt(2) erfinv(2c - 1) is
 * its inv_cdf(c); 1.414213562 / sqrt(2) = 1 - 2.6e-10).  The x stumps
 * (res 0.01 right of each cut) sit 1e-6 (5e-6 for +-5.73) either side of
 * these values, the y stumps (0.001) 1e-6 either side, so the events pass
 * 1, 3, 5, 7 x cuts and 3, 1, 7, 5 y cuts: sums 0.013, 0.031, 0.057,
 * 0.075, output tanh(sum).  A value off by more than the bracket (a wrong
 * class, bin, clamp or constant) changes the sum by 0.001 or more. */
static void test_tmva_gauss(void **state)
{
    (void)state;
    const double x[] = {-1, 0.7, 1.25, -3, 2.75, 1.9, 10, 1.2};
    const double want[] = {tanh(0.013), tanh(0.031), tanh(0.057), tanh(0.075)};
    /* float leaves */
    check_outputs(load_model(DIR "tmva_gauss_uniform.xml", NULL), x, 4, want, 1e-7, 0);
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
    refused(DIR "tmva_gauss.xml", NULL, HF_ERR_INVALID, "tmva_gauss.xml:15:",
            "no cumulative distribution for input 0");
    refused(DIR "tmva_decorrelate.xml", NULL, HF_ERR_INVALID, "tmva_decorrelate.xml:17:",
            "Decorrelation without <Matrix>");
    refused(DIR "tmva_truncated.xml", NULL, HF_ERR_PARSE, "tmva_truncated.xml:",
            "not a TMVA weight file");
    refused(DIR "mlp.prep.json", NULL, HF_ERR_PARSE, "mlp.prep.json", "not an XGBoost model");
    refused(DIR "mlp.onnx", DIR "xgb_expected.csv", HF_ERR_PARSE, "xgb_expected.csv", NULL);
}


/* ---------------------------------------------------------- the command */

static char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
    return b;
}

/* src with line `line` (1: header) edited by replacing `from` by `to`. */
static const char *edited_file(const char *src, const char *name, int line, const char *from,
                               const char *to)
{
    FILE *f = fopen(src, "r");
    assert_non_null(f);
    char *out = tmp_path(name), l[1024];
    FILE *o = fopen(out, "w");
    for (int i = 1; fgets(l, sizeof l, f); i++) {
        char *p = i == line ? strstr(l, from) : NULL;
        if (p)
            fprintf(o, "%.*s%s%s", (int)(p - l), l, to, p + strlen(from));
        else
            fputs(l, o);
    }
    fclose(f);
    fclose(o);
    return out;
}

static const char *edited_events(const char *name, int line, const char *from, const char *to)
{
    return edited_file(DIR "events.csv", name, line, from, to);
}

/* The five features named a..e in a preprocessing file at `name`, the
 * first one's entry ending with `first` (its "input" and "index"). */
static const char *prep_with(const char *name, const char *first)
{
    char text[512];
    snprintf(text, sizeof text, "{\"features\": [{\"name\": \"a\"%s}, {\"name\": \"b\"}, "
             "{\"name\": \"c\"}, {\"name\": \"d\"}, {\"name\": \"e\"}]}", first);
    run_write_file(tmp_path(name), text);
    return tmp_path(name);
}

/* tmva_gauss_uniform.xml with the last `from` replaced by `to` (the last
 * class's distribution, the one used), refused naming the line and `msg`. */
static void gauss_refused(const char *from, const char *to, const char *msg)
{
    char *text = slurp_path(DIR "tmva_gauss_uniform.xml"), *p = NULL;
    assert_non_null(text);
    for (char *q = strstr(text, from); q; q = strstr(q + 1, from))
        p = q;
    assert_non_null(p);
    size_t n = strlen(text) + strlen(to) + 1;
    char *edited = malloc(n);
    snprintf(edited, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    run_write_file(tmp_path("gauss.xml"), edited);
    refused(tmp_path("gauss.xml"), NULL, HF_ERR_INVALID, "gauss.xml:", msg);
    free(edited);
    free(text);
}

static void test_tmva_gauss_bad(void **state)
{
    (void)state;
    gauss_refused("InterpolMethod=\"1\"", "InterpolMethod=\"2\"", "Spline0 or Spline1");
    gauss_refused("MaxNSmooth=\"0\"", "MaxNSmooth=\"3\"", "smoothed");
    gauss_refused("1.0000000000000000e+00 </Histogram>", "nan </Histogram>", "not finite");
    gauss_refused(">0 1 3 4 <", ">0 1 1 4 <", "bin edges that do not increase");
    gauss_refused(">0 1 3 4 <", ">0 1 3 <", "wrong count of numbers");
    gauss_refused("<Variable VarIndex=\"0\">", "<Variable VarIndex=\"1\">", "bad or repeated");
}

/* tmva_rearrange.xml: Rearrange takes (c, a) and writes them to (a, b)
 * (TMVA's GetInput then SetOutput: all read first), c unchanged; trees
 * a' >= 0.5 (-0.3 | 0.5), b' >= 0 (-0.2 | 0.4), c >= 1 (-0.05 | 0.1):
 *   (1, -5, 2):   a' 2, b' 1, c 2:       0.5 + 0.4 + 0.1  = 1.0
 *   (0, 3, 0):    a' 0, b' 0, c 0:      -0.3 + 0.4 - 0.05 = 0.05
 *   (-2, 7, 0.2): a' 0.2, b' -2, c 0.2: -0.3 - 0.2 - 0.05 = -0.55
 *   (5, 0, 0.6):  a' 0.6, b' 5, c 0.6:   0.5 + 0.4 - 0.05 = 0.85
 * No transformation would give 0.4 for the first; writing while reading
 * (b' = the new a') 0.15 for the third.  Then a Rearrange whose lists
 * differ in length, and one naming an unknown variable, are refused. */
static void test_tmva_rearrange(void **state)
{
    (void)state;
    const double x[] = {1, -5, 2, 0, 3, 0, -2, 7, 0.2, 5, 0, 0.6};
    const double want[] = {tanh(1.0), tanh(0.05), tanh(-0.55), tanh(0.85)};
    /* the leaves are floats: 3e-8 at most; a wrong leaf moves the sum by
     * 0.1 or more */
    check_outputs(load_model(DIR "tmva_rearrange.xml", NULL), x, 4, want, 0, 1e-7);
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(DIR "tmva_rearrange.xml", "r");
    assert_non_null(f);
    assert_int_equal(getdelim(&text, &len, '\0', f) > 0, 1);
    fclose(f);
    char *p = strstr(text, "          <Output Type=\"Variable\" Label=\"b\" Expression=\"b\"/>\n");
    assert_non_null(p);
    memset(p, ' ', strlen("          <Output Type=\"Variable\" Label=\"b\" Expression=\"b\"/>"));
    run_write_file(tmp_path("rearr1.xml"), text);
    refused(tmp_path("rearr1.xml"), NULL, HF_ERR_INVALID, "rearr1.xml:", "unlike counts");
    static const char unknown[] = "<Output Type=\"Variable\" Label=\"q\" Expression=\"q\"/>";
    memcpy(p, unknown, strlen(unknown));
    run_write_file(tmp_path("rearr2.xml"), text);
    refused(tmp_path("rearr2.xml"), NULL, HF_ERR_INVALID, "rearr2.xml:", "not one of the");
    free(text);
}

/* multi.onnx has two graph inputs, 'jet' [N, 1, 3] and 'glob' [N, 2]: a
 * row of features is jet's values then glob's (pt eta phi | met ht, the
 * order of events.csv).  multi.prep.json names them by (input, index),
 * glob's first, so its offsets and scales reach the right values only if
 * that mapping is followed.  Expected outputs: numpy, tests/ml/generate.py. */
static void test_onnx_inputs(void **state)
{
    (void)state;
    check_model(DIR "multi.onnx", DIR "multi.prep.json", DIR "multi_expected.csv", 1, 1e-6);
    hf_ml *m = load_model(DIR "multi.onnx", DIR "multi.prep.json");
    static const char *const names[] = {"pt", "eta", "phi", "met", "ht"};
    for (int j = 0; j < 5; j++)
        assert_string_equal(hf_ml_feature_name(m, j), names[j]);
    hf_ml_free(m);
    /* an input the model lacks, an index past its input, no inputs to name */
    refused(DIR "multi.onnx", prep_with("p1.json", ", \"input\": \"nope\""), HF_ERR_INVALID,
            "/features/0/input:", "has no input 'nope'");
    refused(DIR "multi.onnx", prep_with("p2.json", ", \"input\": \"glob\", \"index\": 2"),
            HF_ERR_INVALID, "/features/0/index:", "[0, 2)");
    refused(DIR "xgb.json", prep_with("p3.json", ", \"input\": \"x\""), HF_ERR_INVALID,
            "/features/0/input:", "no named inputs");
}

/* embed.onnx: Gather(constant table, indices from the int64 graph input
 * 'flav') on axis 0, the embedding of categorical features; its events
 * have categories -5..4 (negative ones count from the end).  Expected
 * outputs: numpy, tests/ml/generate.py.  An index that is out of range or
 * fractional is refused naming the file, the node and the event (counted
 * from 0 over the whole call, here past the first chunk of 256). */
static void embed_refused(hf_ml *m, double *x, size_t n, size_t at, double bad,
                          const char *msg)
{
    double keep = x[at * 5 + 4], *out = calloc(n, sizeof *out);
    hf_error err = {0};
    x[at * 5 + 4] = bad;
    assert_int_equal(hf_ml_eval(m, x, n, out, &err), HF_ERR_NUMERIC);
    fprintf(stderr, "%s\n", err.msg);
    assert_non_null(strstr(err.msg, msg));
    x[at * 5 + 4] = keep;
    free(out);
}

static void test_onnx_embed(void **state)
{
    (void)state;
    check_model_on(DIR "embed_events.csv", DIR "embed.onnx", NULL, DIR "embed_expected.csv", 1,
                   1e-6);
    size_t n, N = 640;
    double *x0 = read_csv(DIR "embed_events.csv", 2, 5, &n), *x = malloc(N * 5 * sizeof *x);
    for (size_t i = 0; i < N; i++)
        memcpy(x + i * 5, x0 + i % n * 5, 5 * sizeof *x);
    hf_ml *m = load_model(DIR "embed.onnx", NULL);
    hf_error err = {0};
    embed_refused(m, x, N, 300, 5, "embed.onnx: node 0 'embed' (Gather): event 300: index 5 "
                  "is out of range [-5, 5)");
    embed_refused(m, x, N, 7, -6, "event 7: index -6 is out of range [-5, 5)");
    embed_refused(m, x, N, 639, 1.5, "event 639: index 1.5 is not a whole number");
    /* the edges of the range are taken */
    x[4] = -5;
    x[9] = 4;
    double out[2];
    assert_int_equal(hf_ml_eval(m, x, 2, out, &err), HF_OK);
    hf_ml_free(m);
    free(x);
    free(x0);
}

static void test_cli_score(void **state)
{
    NEED_BIN();
    /* the preprocessing beside the model (mlp.prep.json) is found alone */
    result r = run("score", "--model", DIR "mlp.onnx", "--features", DIR "events.csv", NULL);
    assert_int_equal(r.status, 0);
    static const char head[] = "channel,weight,p_signal\nSR,0.7887,";
    assert_true(!strncmp(r.out, head, strlen(head)));
    size_t n;
    double *want = read_csv(DIR "mlp_expected.csv", 0, 1, &n);
    char *p = strchr(r.out, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        p = strchr(strchr(p, ',') + 1, ',') + 1;
        double v = strtod(p, &p);
        assert_true(fabs(v - want[i]) < 1e-6 * want[i]);
    }
    free(want);
    result_free(&r);
    r = run("score", "--model", DIR "mlp.onnx", "--check", DIR "mlp_vectors.csv", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"vectors\": 8"));
    result_free(&r);
    /* two graph inputs: multi.prep.json beside the model maps the columns */
    r = run("score", "--model", DIR "multi.onnx", "--features", DIR "events.csv", NULL);
    assert_int_equal(r.status, 0);
    want = read_csv(DIR "multi_expected.csv", 0, 1, &n);
    p = strchr(r.out, '\n') + 1;
    for (size_t i = 0; i < n; i++) {
        p = strchr(strchr(p, ',') + 1, ',') + 1;
        double v = strtod(p, &p);
        assert_true(fabs(v - want[i]) < 1e-6 * want[i]);
    }
    free(want);
    result_free(&r);
}

/* hf signal --model gives the patch hf signal --scores makes from hf
 * score's output, and hfcls takes it. */
static void test_cli_signal(void **state)
{
    NEED_BIN();
    const char *patch = tmp_path("patch.json"), *scores = tmp_path("scores.csv");
    result r = run("signal", "--workspace", RUN_DEMO_WS, "--model", DIR "xgb.json", "--features",
                   DIR "events.csv", "--binning", DIR "binning.json", "-o", patch, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "64 events: 32 in bins"));
    result_free(&r);
    r = run("score", "--model", DIR "xgb.json", "--features", DIR "events.csv", "-o", scores,
            NULL);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = run("signal", "--workspace", RUN_DEMO_WS, "--scores", scores, "--binning",
            DIR "binning.json", NULL);
    assert_int_equal(r.status, 0);
    size_t len;
    FILE *f = fopen(patch, "r");
    char *text = slurp_fd(fileno(f), &len);
    fclose(f);
    assert_string_equal(r.out, text);
    free(text);
    result_free(&r);
    r = run("cls", RUN_DEMO_WS, patch, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "CLs_obs"));
    result_free(&r);
}

/* Fails with status 1, stdout empty, `msg` in stderr, -o not created. */
static void fails(const char *msg, const char *a1, const char *a2, const char *a3,
                  const char *a4, const char *a5)
{
    const char *o = tmp_path("never.csv");
    unlink(o);
    result r = run("score", "-o", o, a1, a2, a3, a4, a5, NULL);
    assert_failed_cleanly(&r, 1, msg);
    assert_int_equal(access(o, F_OK), -1);
    result_free(&r);
}

static void test_cli_bad_input(void **state)
{
    NEED_BIN();
    const char *M = "--model", *F = "--features", *ev = DIR "events.csv";
    fails("unsupported.onnx: node 1 'wave': operator 'Sin'", M, DIR "unsupported.onnx", F, ev,
          NULL);
    fails("truncated.onnx: not an ONNX model", M, DIR "truncated.onnx", F, ev, NULL);
    fails(":1: no column 'met' (the model's feature 3)", M, DIR "mlp.onnx", F,
          edited_events("nomet.csv", 1, "met", "MET"), NULL);
    const char *nan = edited_events("nan.csv", 5, "0.8566", "nan");
    fails("nan.csv:5: feature 'eta' is nan", M, DIR "mlp.onnx", F, nan, NULL);
    fails("inf.csv:3: feature 'pt' is inf", M, DIR "xgb.json", F,
          edited_events("inf.csv", 3, "25.6999", "inf"), NULL);
    /* skipped and counted when asked */
    result r = run("score", M, DIR "mlp.onnx", F, nan, "--skip-nonfinite", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "1 events skipped for a NaN or infinite feature (the first "
                               "at line 5)"));
    size_t lines = 0;
    for (const char *p = r.out; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 64); /* header + 63 */
    result_free(&r);
    /* a model with 5 inputs and a preprocessing file naming 4 */
    run_write_file(tmp_path("four.json"), "{\"features\": [{\"name\": \"pt\"}, {\"name\": "
               "\"eta\"}, {\"name\": \"phi\"}, {\"name\": \"met\"}]}");
    fails("four.json: /features: 4 features but the model", M, DIR "mlp.onnx",
          "--preprocessing", tmp_path("four.json"), "--features=" DIR "events.csv");
    /* test vectors that disagree: the file, the line, the output */
    FILE *f = fopen(DIR "mlp_vectors.csv", "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *last = strrchr(buf, ',');
    memcpy(last + 1, "0.9", 3);
    run_write_file(tmp_path("vectors.csv"), buf);
    fails("vectors.csv:9: output 'p_signal' is", M, DIR "mlp.onnx", "--check",
          tmp_path("vectors.csv"), NULL);
    /* raw rows: not a whole number of events */
    run_write_file(tmp_path("raw.f64"), "0123456789abcdef01234567");
    char raw[600];
    snprintf(raw, sizeof raw, "--features=%s", tmp_path("raw.f64"));
    fails("raw.f64: 24 bytes after 0 whole events", M, DIR "mlp.onnx", "--format", "f64", raw);
    /* an embedding's index out of range (the last event's flav2) */
    FILE *e = fopen(DIR "embed_events.csv", "r");
    n = fread(buf, 1, sizeof buf - 1, e);
    fclose(e);
    buf[n] = '\0';
    last = strrchr(buf, ',');
    memcpy(last + 1, "7.0\n", 5);
    run_write_file(tmp_path("embed_bad.csv"), buf);
    fails("embed.onnx: node 0 'embed' (Gather): event 63: index 7 is out of range", M,
          DIR "embed.onnx", F, tmp_path("embed_bad.csv"), NULL);
}

/* --check reads CSV whatever --format says: a skipped event is counted by
 * its CSV line, as for --features FILE.csv. */
static void test_cli_check_skipped_line(void **state)
{
    NEED_BIN();
    const char *nanvec = edited_file(DIR "mlp_vectors.csv", "nanvec.csv", 5, "0.8566", "nan");
    result r = run("score", "--model", DIR "mlp.onnx", "--check", nanvec, "--format", "f32",
                   "--skip-nonfinite", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "nanvec.csv: 1 events skipped for a NaN or infinite feature "
                               "(the first at line 5)"));
    result_free(&r);
}

/* A file that is not an XGBoost model, given as one: our reason naming
 * the file, not libxgboost's C++ exception text; nothing written. */
static void test_cli_not_xgboost(void **state)
{
    NEED_BIN();
    const char *M = "--model", *F = "--features", *ev = DIR "events.csv", *X = "--model-format";
    const char *XF = "--model-format=xgboost", *FE = "--features=" DIR "events.csv";
    const char *want = "mlp.onnx: not an XGBoost model (JSON, UBJSON or binary, as libxgboost "
                       "reads them)";
    fails(want, M, DIR "mlp.onnx", XF, FE, NULL);
    fails("events.csv: not an XGBoost model (", M, ev, XF, FE, NULL);
    /* JSON by its first byte, so libxgboost reads it: its reason after ours */
    run_write_file(tmp_path("brace.model"), "{nope");
    fails("brace.model: not an XGBoost model (JSON, UBJSON or binary, as libxgboost reads "
          "them): libxgboost: ", M, tmp_path("brace.model"), XF, FE, NULL);
    const char *sig = tmp_path("never.json");
    unlink(sig);
    result r = run("signal", "--workspace", RUN_DEMO_WS, M, DIR "mlp.onnx", X, "xgboost", F, ev,
                   "--binning", DIR "binning.json", "-o", sig, NULL);
    assert_failed_cleanly(&r, 1, want);
    assert_null(strstr(r.err, "basic_string"));
    assert_int_equal(access(sig, F_OK), -1);
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_ml") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onnx_mlp),
        cmocka_unit_test(test_onnx_ops),
        cmocka_unit_test(test_onnx_double),
        cmocka_unit_test(test_xgboost),
        cmocka_unit_test(test_deep_trees),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_tmva_grad),
        cmocka_unit_test(test_tmva_ada),
        cmocka_unit_test(test_tmva_transforms),
        cmocka_unit_test(test_tmva_gauss),
        cmocka_unit_test(test_bad_models),
        cmocka_unit_test(test_onnx_inputs),
        cmocka_unit_test(test_onnx_embed),
        cmocka_unit_test(test_tmva_gauss_bad),
        cmocka_unit_test(test_tmva_rearrange),
        cmocka_unit_test(test_cli_score),
        cmocka_unit_test(test_cli_signal),
        cmocka_unit_test(test_cli_bad_input),
        cmocka_unit_test(test_cli_check_skipped_line),
        cmocka_unit_test(test_cli_not_xgboost),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    run_teardown("test_ml");
    return rc;
}
