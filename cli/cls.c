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
#include "options.h"

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
    "options:\n"
    "  --patch-name NAME    the patch to apply when PATCH.json is a patchset\n"
    HF_HELP_NO_VERIFY
    "  -p, --patch FILE     a further patch (RFC 6902 or patchset); repeatable,\n"
    "                       applied in order after PATCH.json\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --test-poi X         POI value tested (default 1.0)\n"
    "  --test-stat q|qtilde|q0\n"
    "                       test statistic (default qtilde); q0 is discovery:\n"
    "                       the POI tested at 0 (as pyhf hypotest(0, ...,\n"
    "                       test_stat=\"q0\")), printing the p-value of the\n"
    "                       background-only hypothesis and its significance:\n"
    "                       {\"p0_obs\": x, \"p0_exp\": [5], \"Z_obs\": x,\n"
    "                        \"Z_exp\": [5]}, the expected band at mu = 1 in\n"
    "                       pyhf's order; Z = Phi^-1(1 - p0) (hf significance)"
    "  --tail-probs         also print \"CLsb\" and \"CLb\" (q0: \"CLb\", as pyhf)\n"
    "  --upper-limit        also print \"upper_limit\": {\"obs\": x, \"exp\": [5]}\n"
    "  --cl X               confidence level of the upper limit (default 0.95)\n"
    "  --scan START:STOP:N  CLs at N POI values from START to STOP and the upper\n"
    "                       limits interpolated from them, as pyhf's\n"
    "                       linear_grid_scan: {\"scan\": [...], \"CLs_obs\": [...],\n"
    "                       \"CLs_exp\": [[5]...], \"upper_limit\": {...}}\n"
    "  --output-file FILE   write the JSON there instead of stdout\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes (pyhf's modifier_settings):\n"
    "                       normsys code0|code1|code2|code4 (default code4),\n"
    "                       histosys code0|code2|code4p (default code4p);\n"
    "                       ROOT's HistFactory default is code1/code0\n"
    "  --optconf tolerance=X,maxiter=N\n"
    "                       the minimiser's relative tolerance on the NLL\n"
    "                       (default 1e-10) and its NLL+gradient evaluations\n"
    "                       per fit (default 1000 + 50 per parameter)"
    "  --calctype asymptotics|toybased\n"
    "                       calculator (default asymptotics); toybased: pyhf's\n"
    "                       ToyCalculator, with --ntoys N per hypothesis\n"
    "                       (default 2000), --seed S (default 0) and\n"
    "                       --threads N (default: all cores); the result\n"
    "                       depends on the seed, not on the thread count\n"
    "  --threads N          grid mode and toys: threads (default: all cores)\n"
    "  --explain            also print \"explain\": every fit of the test\n"
    "                       (\"free\", \"fixed_poi\", \"bkg_only\", \"asimov_free\",\n"
    "                       \"asimov_fixed_poi\": twice_nll, poi, converged,\n"
    "                       nevals) and \"q_obs\", \"q_asimov\", to compare\n"
    "                       with pyhf fit by fit\n"
    "  --explain-pars       with --explain: each fit's parameters by name\n"
    "  --asimov-out FILE    write the Asimov data (main bins then auxdata, in\n"
    "                       pyhf's order) as a JSON array, for pyhf's\n"
    "                       model.logpdf at hf's points\n"
    "  --stats              print evaluation counts and times on stderr\n"
    "  -h, --help           this help\n"
    "\n"
    "WS.json may be omitted or '-': the workspace is read from standard input.\n";

typedef struct cls_args {
    double test_poi, cl;
    hf_test_stat ts;
    int tail_probs, upper_limit, stats;
    const char *outfile;
    int toys, ntoys, threads;  /* --calctype toybased */
    unsigned long long seed;
    int scan_n;                /* --scan START:STOP:N */
    double scan_lo, scan_hi;
    hf_fit_options fo;         /* --optconf */
    int explain, explain_pars; /* --explain, --explain-pars */
    const char *asimov_out;    /* --asimov-out FILE */
} cls_args;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run(const hf_model *m, const cls_args *a, double t_load)
{
    hf_error err = {0};
    hf_fit_options fo = a->fo;
    const double *data = hf_model_data(m);
    hf_cls_result r;
    hf_limit_result lim;

    if (hf_model_poi(m) < 0) {
        hf_cli_msg("%s: the model has no parameter of interest (the "
                   "measurement's config.poi is empty, or is a signal patch "
                   "missing?)", hf_model_source(m));
        return HF_EXIT_INPUT;
    }
    /* pyhf tests only POI values within the POI's bounds; so does the
     * command (the library's limits may look beyond the upper one) */
    int poi = hf_model_poi(m);
    double lo = hf_model_lower(m)[poi], hi = hf_model_upper(m)[poi];
    double want[2] = {a->scan_n ? a->scan_lo : a->test_poi,
                      a->scan_n ? a->scan_hi : a->test_poi};
    /* (bounds that leave no room are the workspace's problem, which the
     * hypotest reports) */
    for (int i = 0; i < 2 && a->ts != HF_TEST_Q0 && lo < hi; i++)
        if (!(want[i] >= lo && want[i] <= hi))
            return hf_cli_usage_error("%s %g lies outside the bounds [%g, %g] "
                                      "of the POI %s (%s: %s); pyhf refuses it "
                                      "too", a->scan_n ? "--scan: the POI value"
                                      : "--test-poi", want[i], lo, hi,
                                      hf_model_par_name(m, poi),
                                      hf_model_source(m),
                                      hf_model_params_path(m));
    if (a->scan_n)
        return hf_cli_cls_scan(m, a->scan_lo, a->scan_hi, a->scan_n, a->cl, a->ts,
                               a->tail_probs, &fo, a->outfile);
    if (a->toys)
        return hf_cli_cls_toys(m, a->test_poi, a->ts, a->ntoys, a->seed,
                               a->threads, a->tail_probs, a->stats, t_load,
                               &fo, a->outfile);
    if (a->ts == HF_TEST_Q0)
        return hf_cli_significance(m, &fo, a->tail_probs, a->stats, t_load,
                                   a->outfile);
    double t0 = now();
    hf_hypotest_explain ex;
    size_t np = (size_t)hf_model_npars(m), nd = (size_t)hf_model_ndata(m);
    double *xbuf = NULL;
    if (a->explain || a->asimov_out) {
        xbuf = malloc((HF_NFITS * np + nd + 1) * sizeof *xbuf);
        if (!xbuf) {
            hf_cli_msg("out of memory");
            return HF_EXIT_INPUT;
        }
        ex.pars = xbuf;
        ex.asimov_data = xbuf + HF_NFITS * np;
        if (hf_cls_asymptotic_explain(m, data, a->test_poi, a->ts, &fo, &r,
                                      &ex, &err) != HF_OK) {
            free(xbuf);
            return hf_cli_lib_error(&err);
        }
    } else if (hf_cls_asymptotic(m, data, a->test_poi, a->ts, &fo, &r,
                                 &err) != HF_OK)
        return hf_cli_lib_error(&err);
    double t1 = now();
    if (a->upper_limit &&
        hf_upper_limit(m, data, a->cl, a->ts, &fo, &lim, &err) != HF_OK) {
        free(xbuf);
        return hf_cli_lib_error(&err);
    }
    double t2 = now();
    /* A NaN would print as null and read as a result: refuse it. */
    int finite = isfinite(r.cls_obs) && isfinite(r.clsb) && isfinite(r.clb);
    for (int i = 0; i < 5; i++)
        finite = finite && isfinite(r.cls_exp[i]) &&
                 (!a->upper_limit || isfinite(lim.exp[i]));
    if (!finite || (a->upper_limit && !isfinite(lim.obs))) {
        hf_cli_msg("CLs at POI %g is not a finite number (CLs_obs %g, CLsb %g, "
                   "CLb %g%s): the likelihood is degenerate here; nothing "
                   "printed", a->test_poi, r.cls_obs, r.clsb, r.clb,
                   a->upper_limit ? ", or the upper limit" : "");
        free(xbuf);
        return HF_EXIT_INPUT;
    }

    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "CLs_obs", r.cls_obs);
    cJSON_AddItemToObject(out, "CLs_exp", hf_json_array(r.cls_exp, 5));
    if (a->tail_probs) {
        cJSON_AddNumberToObject(out, "CLsb", r.clsb);
        cJSON_AddNumberToObject(out, "CLb", r.clb);
    }
    if (a->upper_limit) {
        cJSON *ul = cJSON_AddObjectToObject(out, "upper_limit");
        cJSON_AddNumberToObject(ul, "obs", lim.obs);
        cJSON_AddItemToObject(ul, "exp", hf_json_array(lim.exp, 5));
    }
    if (a->explain)
        cJSON_AddItemToObject(out, "explain",
                              hf_cli_explain_json(m, &ex, a->explain_pars));
    int rc = HF_EXIT_OK;
    if (a->asimov_out)
        rc = hf_cli_write_asimov(a->asimov_out, ex.asimov_data, (int)nd);
    if (rc == HF_EXIT_OK) {
        rc = hf_cli_emit_json(out, a->outfile);
        /* no result, no Asimov file: nothing partial stays behind */
        if (rc != HF_EXIT_OK && a->asimov_out)
            remove(a->asimov_out);
    }
    cJSON_Delete(out);
    free(xbuf);

    if (rc == HF_EXIT_OK && a->stats) {
        fprintf(stderr, "%s: stats: model built in %.3f ms; hypotest: %d "
                        "NLL+gradient evaluations in %.3f ms",
                hf_cli_prog, 1e3 * t_load, r.nevals, 1e3 * (t1 - t0));
        if (a->upper_limit)
            fprintf(stderr, "; upper limit: %d in %.3f ms", lim.nevals,
                    1e3 * (t2 - t1));
        fputc('\n', stderr);
    }
    return rc;
}

/* Discovery tests mu = 0 against the background-only hypothesis: a
 * tested POI other than 0, limits and scans belong to exclusion. */
static int q0_conflicts(const cls_args *a, int poi_given)
{
    if (poi_given && a->test_poi != 0)
        return hf_cli_usage_error("--test-stat q0 tests the POI at 0 (the "
                                  "background-only hypothesis), not at %g: "
                                  "drop --test-poi", a->test_poi);
    if (a->explain || a->asimov_out)
        return hf_cli_usage_error("--explain and --asimov-out are for q and "
                                  "qtilde, not --test-stat q0");
    if (a->upper_limit || a->scan_n)
        return hf_cli_usage_error("--test-stat q0 gives a discovery p-value, "
                                  "not limits: drop %s", a->upper_limit
                                  ? "--upper-limit" : "--scan");
    return HF_EXIT_OK;
}

int hf_cmd_cls(int argc, char **argv)
{
    struct option longopts[HF_CLI_MAX_OPTIONS];
    hf_cli_getopt_table(hf_cli_cls_options, longopts);
    hf_model_options mo;
    hf_model_options_init(&mo);
    cls_args a = {.test_poi = 1.0, .cl = 0.95, .ts = HF_TEST_QMU_TILDE,
                  .ntoys = 2000};
    hf_fit_options_init(&a.fo);
    int toy_opts = 0, poi_given = 0, cl_given = 0;
    int grid = hf_cli_grid(argc, argv); /* a whole patchset? */
    if (grid >= 0)
        return grid;
    int no_verify = 0;
    const char *pname = NULL;
    const char **extra = calloc((size_t)argc + 1, sizeof *extra);
    int nextra = 0, c, rc = HF_EXIT_OK;
    if (!extra)
        return HF_EXIT_INPUT;

    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":hp:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); free(extra); return HF_EXIT_OK;
        case 'p': extra[nextra++] = optarg; break;
        case HF_OPT_NO_VERIFY: no_verify = 1; break;
        case O_PNAME: pname = optarg; break;
        case O_MEAS: mo.measurement = optarg; break;
        case O_OUT: a.outfile = optarg; break;
        case O_TAIL: a.tail_probs = 1; break;
        case O_UL: a.upper_limit = 1; break;
        case O_SCAN:
            rc = hf_cli_parse_scan(optarg, &a.scan_lo, &a.scan_hi, &a.scan_n);
            break;
        case O_STATS: a.stats = 1; break;
        case O_EXPLAIN: a.explain = 1; break;
        case O_EXPLAIN_PARS: a.explain_pars = 1; break;
        case O_ASIMOV_OUT: a.asimov_out = optarg; break;
        case O_POI:
            poi_given = 1;
            rc = hf_cli_double("--test-poi", optarg, &a.test_poi);
            break;
        case O_CL:
            cl_given = 1;
            rc = hf_cli_double("--cl", optarg, &a.cl);
            if (rc == HF_EXIT_OK && !(a.cl > 0 && a.cl < 1))
                rc = hf_cli_usage_error("--cl: %s is not between 0 and 1",
                                        optarg);
            break;
        case O_TS:
            if (strcmp(optarg, "qtilde") == 0)
                a.ts = HF_TEST_QMU_TILDE;
            else if (strcmp(optarg, "q") == 0)
                a.ts = HF_TEST_QMU;
            else if (strcmp(optarg, "q0") == 0)
                a.ts = HF_TEST_Q0;
            else
                rc = hf_cli_usage_error("--test-stat: '%s' is not q, qtilde "
                                        "or q0", optarg);
            break;
        case O_CALC:
            if (strcmp(optarg, "toybased") == 0)
                a.toys = 1;
            else if (strcmp(optarg, "asymptotics") != 0)
                rc = hf_cli_usage_error("--calctype: '%s' is not asymptotics "
                                        "or toybased", optarg);
            break;
        case O_INTERP: rc = hf_cli_interp(optarg, &mo); break;
        case O_OPTCONF: rc = hf_cli_optconf(optarg, &a.fo); break;
        case O_OPTIMIZER: rc = hf_cli_pyhf_only("--optimizer", optarg); break;
        case O_BACKEND: rc = hf_cli_pyhf_only("--backend", optarg); break;
        case O_NTOYS:
        case O_SEED:
        case O_THREADS:
            toy_opts = 1;
            rc = hf_cli_toy_option(c == O_NTOYS ? "--ntoys" : c == O_SEED
                                   ? "--seed" : "--threads", optarg,
                                   c == O_NTOYS ? &a.ntoys : c == O_SEED
                                   ? NULL : &a.threads, &a.seed);
            break;
        default:
            rc = hf_cli_getopt_error(c, optopt, argv, optind);
        }
    }
    if (rc == HF_EXIT_OK && toy_opts && !a.toys)
        rc = hf_cli_usage_error("--ntoys, --seed and --threads need "
                                "--calctype toybased");
    if (rc == HF_EXIT_OK && a.scan_n && (a.toys || a.upper_limit))
        rc = hf_cli_usage_error("--scan gives its own upper limits from the scan, "
                                "asymptotically: drop --upper-limit and --calctype");
    if (rc == HF_EXIT_OK && a.scan_n && (poi_given || a.stats))
        rc = hf_cli_usage_error("--scan tests the POI values of the scan and "
                                "prints no --stats: drop %s",
                                poi_given ? "--test-poi" : "--stats");
    if (rc == HF_EXIT_OK && cl_given && !a.upper_limit && !a.scan_n)
        rc = hf_cli_usage_error("--cl is the level of the upper limits: give "
                                "--upper-limit or --scan, or drop --cl");
    if (rc == HF_EXIT_OK && a.explain_pars && !a.explain)
        rc = hf_cli_usage_error("--explain-pars adds to --explain: give both");
    if (rc == HF_EXIT_OK && (a.explain || a.asimov_out) && (a.toys || a.scan_n))
        rc = hf_cli_usage_error("--explain and --asimov-out explain one "
                                "asymptotic hypothesis test: drop %s",
                                a.toys ? "--calctype toybased" : "--scan");
    if (rc == HF_EXIT_OK && a.ts == HF_TEST_Q0) {
        rc = q0_conflicts(&a, poi_given);
        a.test_poi = 0; /* pyhf's hypotest(0, ...): toys drawn at mu = 0 */
    }
    if (rc == HF_EXIT_OK && a.toys && a.upper_limit)
        rc = hf_cli_usage_error("--upper-limit is asymptotic only; drop it "
                                "or --calctype toybased");
    if (rc != HF_EXIT_OK) {
        free(extra);
        return rc;
    }
    hf_cli_loaded l;
    double t0 = now();
    rc = hf_cli_load_args(argc, argv, optind, extra, nextra, pname, no_verify, &mo, &l);
    free(extra);
    if (rc == HF_EXIT_OK)
        rc = run(l.model, &a, now() - t0);
    hf_cli_release(&l);
    return rc;
}
