/*
 * cls.c - `hf cls` and `hfcls`: asymptotic CLs and upper limits.
 *
 * Mirrors `pyhf cls` (asymptotic calculator, qtilde by default, POI tested
 * at 1) and adds what a limit-setting user asks next: the tail
 * probabilities and the observed and expected upper limits.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "infer/infer.h"

static const char help[] =
    "usage: hf cls WS.json [PATCH.json] [options]\n"
    "       hfcls WS.json [PATCH.json] [options]\n"
    "\n"
    "Asymptotic CLs of the observed data at a POI value, as pyhf cls:\n"
    "  {\"CLs_obs\": x, \"CLs_exp\": [-2, -1, 0, +1, +2 sigma]}\n"
    "With a patchset and no --patch-name, every patch is evaluated (in\n"
    "parallel, --threads N) and one line is printed per patch:\n"
    "  {\"patch\": name, \"values\": [...], \"CLs_obs\": x, \"CLs_exp\": [...]}\n"
    "or {\"patch\": name, ..., \"error\": \"...\"} for a patch that fails.\n"
    "\n"
    "options:\n";

static const char help_end[] =
    "\n"
    "WS.json may be omitted or '-': the workspace is read from standard input.\n";

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* What is wrong with the POI for this line: 0 nothing, 1 the model has
 * none, 2 a value tested (*which: 0 the first, 1 the last) lies outside
 * its bounds (pyhf tests only those; the library's limits may look
 * beyond the upper one). */
static int poi_problem(const hf_model *m, const hf_cli_args *a, int *which)
{
    int poi = hf_model_poi(m);
    if (poi < 0)
        return 1;
    double lo = hf_model_lower(m)[poi], hi = hf_model_upper(m)[poi];
    double want[2] = {a->scan_n ? a->scan_lo : a->test_poi,
                      a->scan_n ? a->scan_hi : a->test_poi};
    /* (bounds that leave no room are the workspace's problem, which the
     * hypotest reports) */
    for (int i = 0; i < 2 && a->ts != HF_TEST_Q0 && lo < hi; i++)
        if (!(want[i] >= lo && want[i] <= hi)) {
            if (which)
                *which = i;
            return 2;
        }
    return 0;
}

/* The model must have a POI, and the values tested lie within its
 * bounds.  An HF_EXIT_* status. */
static int check_poi(const hf_model *m, const hf_cli_args *a)
{
    int i = 0, problem = poi_problem(m, a, &i);
    if (problem == 1) {
        hfcli_msg("%s: the model has no parameter of interest (the "
                   "measurement's config.poi is empty, or is a signal patch "
                   "missing?)", hfmodel_source(m));
        return HF_EXIT_INPUT;
    }
    if (problem == 0)
        return HF_EXIT_OK;
    int poi = hf_model_poi(m);
    double want = i == 0 ? (a->scan_n ? a->scan_lo : a->test_poi)
                         : (a->scan_n ? a->scan_hi : a->test_poi);
    return hfcli_usage_error("%s %g lies outside the bounds [%g, %g] "
                              "of the POI %s (%s: %s); pyhf refuses it "
                              "too", a->scan_n ? "--scan: the POI value"
                              : "--test-poi", want, hf_model_lower(m)[poi],
                              hf_model_upper(m)[poi],
                              hf_model_par_name(m, poi), hfmodel_source(m),
                              hfmodel_params_path(m));
}

/* The asymptotic hypotest, with its fits in *ex (its buffers set by
 * hfcli_explain_begin) for --explain and --asimov-out; it says nothing
 * (hypotest_said does): HF_OK or the library's status with *err. */
static int hypotest(const hf_model *m, const hf_cli_args *a,
                    const hf_fit_options *fo, hf_cls_result *r,
                    hf_hypotest_explain *ex, hf_error *err)
{
    const double *data = hf_model_data(m);
    if (!a->explain && !a->asimov_out)
        return hf_cls_asymptotic(m, data, a->test_poi, a->ts, fo, r, err);
    return hf_cls_asymptotic_explain(m, data, a->test_poi, a->ts, fo, r, ex,
                                     err);
}

/* What the hypotest has to say: its failure (an HF_EXIT_* status) or
 * a warning that its result is ambiguous. */
static int hypotest_said(const hf_model *m, const hf_cli_args *a, int rc,
                         const hf_error *err, const hf_cls_result *r,
                         const hf_hypotest_explain *ex)
{
    if (rc != HF_OK)
        return hfcli_lib_error(err);
    if (!a->explain && !a->asimov_out) {
        if (r->ambiguous)
            hfcli_msg("warning: the result is ambiguous: the free fit to the "
                      "data has two minima within 1e-6 in twice_nll whose %s "
                      "values give CLs_obs differing by more than 1e-4 (hf cls "
                      "--explain shows both)",
                      hf_model_par_name(m, hf_model_poi(m)));
        return HF_EXIT_OK;
    }
    if (ex->ambiguous)
        hfcli_msg("warning: the result is ambiguous: the free fit to the data "
                  "ends as low (within 1e-6 in twice_nll) at %s = %.6g and at "
                  "%.6g, and CLs_obs is %.6g or %.6g by which one is taken",
                  hf_model_par_name(m, hf_model_poi(m)), ex->fit[HF_FIT_FREE].poi,
                  ex->alt_poi, r->cls_obs, ex->alt_cls_obs);
    return HF_EXIT_OK;
}

/* A NaN would print as null and read as a result: refuse it (an HF_EXIT_*
 * status, the message said). */
static int check_finite(const hf_cli_args *a, const hf_cls_result *r,
                        const hf_limit_result *lim)
{
    int finite = isfinite(r->cls_obs) && isfinite(r->clsb) && isfinite(r->clb);
    for (int i = 0; i < 5; i++)
        finite = finite && isfinite(r->cls_exp[i]) &&
                 (!a->upper_limit || isfinite(lim->exp[i]));
    if (finite && (!a->upper_limit || isfinite(lim->obs)))
        return HF_EXIT_OK;
    hfcli_msg("CLs at POI %g is not a finite number (CLs_obs %g, CLsb %g, "
               "CLb %g%s): the likelihood is degenerate here; nothing "
               "printed", a->test_poi, r->cls_obs, r->clsb, r->clb,
               a->upper_limit ? ", or the upper limit" : "");
    return HF_EXIT_INPUT;
}

static cJSON *result_json(const hf_cli_args *a, const hf_cls_result *r,
                          const hf_limit_result *lim)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "CLs_obs", r->cls_obs);
    cJSON_AddItemToObject(out, "CLs_exp", hfcore_json_array(r->cls_exp, 5));
    if (a->tail_probs) {
        cJSON_AddNumberToObject(out, "CLsb", r->clsb);
        cJSON_AddNumberToObject(out, "CLb", r->clb);
    }
    if (a->upper_limit) {
        cJSON *ul = cJSON_AddObjectToObject(out, "upper_limit");
        cJSON_AddNumberToObject(ul, "obs", lim->obs);
        cJSON_AddItemToObject(ul, "exp", hfcore_json_array(lim->exp, 5));
    }
    return out;
}

/* Whether the line computes all it says before saying any of it (the
 * plain asymptotic hypotest, with or without a limit): then its patchset
 * may still be being checked (hfcli_settle) while it computes. */
static int computes_first(const hf_cli_args *a)
{
    return !a->scan_n && !a->toys && a->ts != HF_TEST_Q0 && !a->explain &&
           !a->asimov_out;
}

static int run(hf_cli_loaded *l, const hf_cli_args *a, double t_load)
{
    hf_error err = {0}, uerr = {0};
    hf_fit_options fo = a->fo;
    hf_cls_result r;
    hf_limit_result lim;
    int rc;
    if ((!computes_first(a) || poi_problem(l->model, a, NULL)) &&
        (rc = hfcli_settle(l)) != HF_EXIT_OK)
        return rc;
    const hf_model *m = l->model;
    if ((rc = check_poi(m, a)) != HF_EXIT_OK)
        return rc;
    if (a->scan_n)
        return hfcli_cls_scan(m, a->scan_lo, a->scan_hi, a->scan_n, a->cl, a->ts,
                               a->tail_probs, &fo, a->outfile);
    if (a->toys)
        return hfcli_cls_toys(m, a->test_poi, a->ts, a->ntoys, a->seed,
                               a->threads, a->tail_probs, a->stats, t_load,
                               &fo, a->outfile, a->toys_out);
    if (a->ts == HF_TEST_Q0)
        return hfcli_significance(m, &fo, a, t_load);
    double t0 = now();
    hf_hypotest_explain ex;
    double *xbuf = NULL;
    if ((a->explain || a->asimov_out) &&
        hfcli_explain_begin(m, &ex, &xbuf) != HF_EXIT_OK)
        return HF_EXIT_INPUT;
    /* with the limit and no fits to show: its first fits are the
     * hypotest's (hfinfer_cls_limit_begin), the same numbers */
    hfinfer_cls_limit *both = NULL;
    int share = a->upper_limit && !a->explain && !a->asimov_out;
    int hrc = share ? hfinfer_cls_limit_begin(m, hf_model_data(m),
                                              a->test_poi, a->ts, &fo, &r,
                                              &both, &err)
                    : hypotest(m, a, &fo, &r, &ex, &err),
        urc = HF_OK;
    double t1 = now();
    if (hrc == HF_OK && share)
        urc = hfinfer_cls_limit_end(both, a->cl, &lim, &uerr);
    else if (hrc == HF_OK && a->upper_limit)
        urc = hf_upper_limit(m, hf_model_data(m), a->cl, a->ts, &fo, &lim, &uerr);
    double t2 = now();
    if ((rc = hfcli_settle(l)) != HF_EXIT_OK || l->redo) {
        free(xbuf);
        l->redo = 0; /* computed from a model now gone: again */
        return rc != HF_EXIT_OK ? rc : run(l, a, t_load);
    }
    rc = hypotest_said(m, a, hrc, &err, &r, &ex);
    if (rc == HF_EXIT_OK && urc != HF_OK)
        rc = hfcli_lib_error(&uerr);
    if (rc == HF_EXIT_OK)
        rc = check_finite(a, &r, &lim);
    if (rc != HF_EXIT_OK) {
        free(xbuf);
        return rc;
    }
    cJSON *out = result_json(a, &r, &lim);
    rc = (a->explain || a->asimov_out) ? hfcli_explain_emit(m, &ex, a, out)
                                       : hfcli_emit_json(out, a->outfile);
    cJSON_Delete(out);
    free(xbuf);
    if (rc == HF_EXIT_OK && a->stats) {
        fprintf(stderr, "%s: stats: model built in %.3f ms; hypotest: %d "
                        "NLL+gradient evaluations in %.3f ms",
                hfcli_prog, 1e3 * t_load, r.nevals, 1e3 * (t1 - t0));
        if (a->upper_limit)
            fprintf(stderr, "; upper limit: %d in %.3f ms", lim.nevals,
                    1e3 * (t2 - t1));
        fputc('\n', stderr);
    }
    return rc;
}

/* Discovery tests mu = 0 against the background-only hypothesis: a
 * tested POI other than 0, limits and scans belong to exclusion. */
static int q0_conflicts(const hf_cli_args *a, int poi_given)
{
    if (poi_given && a->test_poi != 0)
        return hfcli_usage_error("--test-stat q0 tests the POI at 0 (the "
                                  "background-only hypothesis), not at %g: "
                                  "drop --test-poi", a->test_poi);
    if (a->upper_limit || a->scan_n)
        return hfcli_usage_error("--test-stat q0 gives a discovery p-value, "
                                  "not limits: drop %s", a->upper_limit
                                  ? "--upper-limit" : "--scan");
    return HF_EXIT_OK;
}

/* The checks between options of one hypotest (not a grid). */
static int check_combination(const hf_cli_args *a)
{
    int toy_opts = hfcli_given(a, HF_OPT_NTOYS) ||
                   hfcli_given(a, HF_OPT_SEED) ||
                   hfcli_given(a, HF_OPT_THREADS);
    int poi_given = hfcli_given(a, HF_OPT_TEST_POI);
    if (toy_opts && !a->toys)
        return hfcli_usage_error("--ntoys, --seed and --threads need "
                                  "--calctype toybased");
    if (a->scan_n && (a->toys || a->upper_limit))
        return hfcli_usage_error("--scan gives its own upper limits from the "
                                  "scan, asymptotically: drop --upper-limit "
                                  "and --calctype");
    if (a->scan_n && (poi_given || a->stats))
        return hfcli_usage_error("--scan tests the POI values of the scan and "
                                  "prints no --stats: drop %s",
                                  poi_given ? "--test-poi" : "--stats");
    if (hfcli_given(a, HF_OPT_CL) && !a->upper_limit && !a->scan_n)
        return hfcli_usage_error("--cl is the level of the upper limits: give "
                                  "--upper-limit or --scan, or drop --cl");
    if (a->explain_pars && !a->explain)
        return hfcli_usage_error("--explain-pars adds to --explain: give both");
    if ((a->explain || a->asimov_out) && (a->toys || a->scan_n))
        return hfcli_usage_error("--explain and --asimov-out explain one "
                                  "asymptotic hypothesis test: drop %s",
                                  a->toys ? "--calctype toybased" : "--scan");
    if (a->ts == HF_TEST_Q0) {
        int rc = q0_conflicts(a, poi_given);
        if (rc != HF_EXIT_OK)
            return rc;
    }
    if (a->toys && a->upper_limit)
        return hfcli_usage_error("--upper-limit is asymptotic only; drop it "
                                  "or --calctype toybased");
    if ((a->toys_out || a->merge) && !a->toys)
        return hfcli_usage_error("%s needs --calctype toybased",
                                  a->merge ? "--merge" : "--toys-out");
    if (a->merge && (toy_opts || poi_given || a->nextra || a->patch_name ||
                     a->mo.measurement || a->toys_out || a->stats))
        return hfcli_usage_error("--merge takes its model, POI, test "
                                  "statistic and toys from the files: give "
                                  "only toys files, --tail-probs and "
                                  "--output-file");
    return HF_EXIT_OK;
}

/* Options that only a single hypotest takes: with any of them the line is
 * never a grid. */
static int single_only(const hf_cli_args *a)
{
    static const int keys[] = {HF_OPT_CALCTYPE, HF_OPT_NTOYS, HF_OPT_SEED,
                               HF_OPT_SCAN, HF_OPT_EXPLAIN_PARS, HF_OPT_ASIMOV_OUT,
                               HF_OPT_OPTIMIZER, HF_OPT_BACKEND,
                               HF_OPT_TOYS_OUT, HF_OPT_MERGE};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (hfcli_given(a, keys[k]))
            return 1;
    /* q0 tests the POI at 0 and sets no limits: the single test says so */
    return a->ts == HF_TEST_Q0 &&
           ((hfcli_given(a, HF_OPT_TEST_POI) && a->test_poi != 0) ||
            a->upper_limit);
}

int hfcli_cmd_cls(int argc, char **argv)
{
    return hfcli_cls_seamed(argc, argv, NULL);
}

int hfcli_cls_seamed(int argc, char **argv, const hfcli_cls_seam *seam)
{
    hf_cli_args a;
    hfcli_args_init(&a);
    a.extra = calloc((size_t)argc + 1, sizeof *a.extra);
    if (!a.extra)
        return HF_EXIT_INPUT;
    int rc = hfcli_parse(HF_CLI_CLS | HF_CLI_GRID, argc, argv, &a);
    if (rc == HF_EXIT_OK && a.help) {
        fputs(help, stdout);
        hfcli_options_help(stdout, HF_CLI_CLS | HF_CLI_GRID);
        fputs(help_end, stdout);
        free(a.extra);
        return HF_EXIT_OK;
    }
    if (rc == HF_EXIT_OK && !single_only(&a)) {
        int grid = hfcli_grid(&a, argc - optind, argv + optind);
        if (grid >= 0) { /* a whole patchset */
            free(a.extra);
            return grid;
        }
    }
    if (rc == HF_EXIT_OK)
        rc = check_combination(&a);
    if (a.ts == HF_TEST_Q0)
        a.test_poi = 0; /* pyhf's hypotest(0, ...): toys drawn at mu = 0 */
    if (rc == HF_EXIT_OK && a.merge) {
        free(a.extra);
        return hfcli_toys_merge(argc - optind, argv + optind, a.tail_probs,
                                 a.outfile);
    }
    if (rc != HF_EXIT_OK) {
        free(a.extra);
        return rc;
    }
    hf_cli_loaded l;
    hf_cli_input in;
    double t0 = now();
    memset(&l, 0, sizeof l);
    rc = hfcli_input_init(&in, argc, argv, optind, a.extra, a.nextra,
                          a.patch_name);
    in.no_verify = a.no_verify;
    in.ahead = !(seam && seam->no_ahead); /* run() settles before it says
                                           * anything */
    in.guess_name = seam ? seam->guess_name : NULL;
    if (rc == HF_EXIT_OK)
        rc = hfcli_load(&in, &a.mo, &l);
    free(in.patch_paths);
    free(a.extra);
    if (rc == HF_EXIT_OK) {
        hfcli_drop_inputs(&l); /* run() needs only the model */
        rc = run(&l, &a, now() - t0);
    }
    hfcli_release(&l);
    return rc;
}
