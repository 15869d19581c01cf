/*
 * significance.c - discovery: `hf cls --test-stat q0` and its shortcut
 * `hf significance WS [PATCH]`, printing pyhf's q0 hypotest as p-values
 * and significances:
 *
 *   {"p0_obs": x, "p0_exp": [5], "Z_obs": x, "Z_exp": [5]}
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void hfcli_add_discovery(cJSON *o, double p0, const double p0_exp[5])
{
    double z_exp[5];
    for (int i = 0; i < 5; i++)
        z_exp[i] = hf_p_to_z(p0_exp[i]);
    char num[32];
    hfcli_json_number(num, p0);
    cJSON_AddItemToObject(o, "p0_obs", cJSON_CreateRaw(num));
    cJSON_AddItemToObject(o, "p0_exp", hfcore_json_array(p0_exp, 5));
    hfcli_json_number(num, hf_p_to_z(p0));
    cJSON_AddItemToObject(o, "Z_obs", cJSON_CreateRaw(num));
    cJSON_AddItemToObject(o, "Z_exp", hfcore_json_array(z_exp, 5));
}

int hfcli_significance(const hf_model *m, const hf_fit_options *fo,
                        const hf_cli_args *a, double t_load)
{
    hf_error err = {0};
    hf_significance_result r;
    hf_hypotest_explain ex;
    double *xbuf = NULL;
    int explain = a->explain || a->asimov_out;
    if (explain && hfcli_explain_begin(m, &ex, &xbuf) != HF_EXIT_OK)
        return HF_EXIT_INPUT;
    double t0 = now();
    if ((explain ? hf_significance_explain(m, hf_model_data(m), fo, &r, &ex, &err)
                 : hf_significance(m, hf_model_data(m), fo, &r, &err)) != HF_OK) {
        free(xbuf);
        return hfcli_lib_error(&err);
    }
    double t1 = now();
    /* p-values are finite whenever the fits are; Z may be +-inf only when
     * p0 underflows to 0 or 1, which JSON cannot hold: say so */
    int finite = isfinite(r.p0_obs) && isfinite(r.z_obs);
    for (int i = 0; i < 5; i++)
        finite = finite && isfinite(r.p0_exp[i]) && isfinite(r.z_exp[i]);
    if (!finite) {
        hfcli_msg("p0 = %g (Z = %g) or its expected band is not a finite "
                   "number: the likelihood is degenerate here; nothing "
                   "printed", r.p0_obs, r.z_obs);
        free(xbuf);
        return HF_EXIT_INPUT;
    }
    cJSON *out = cJSON_CreateObject();
    hfcli_add_discovery(out, r.p0_obs, r.p0_exp);
    if (a->tail_probs)
        cJSON_AddNumberToObject(out, "CLb", r.clb);
    int rc = explain ? hfcli_explain_emit(m, &ex, a, out)
                     : hfcli_emit_json(out, a->outfile);
    cJSON_Delete(out);
    free(xbuf);
    if (rc == HF_EXIT_OK && a->stats)
        fprintf(stderr, "%s: stats: model built in %.3f ms; q0 %.6g, q0 "
                        "(Asimov, mu = 1) %.6g; %d NLL+gradient evaluations "
                        "in %.3f ms\n", hfcli_prog, 1e3 * t_load, r.q0_obs,
                r.q0_asimov, r.nevals, 1e3 * (t1 - t0));
    return rc;
}

static const char help[] =
    "usage: hf significance [WS.json] [PATCH.json] [options]\n"
    "\n"
    "The discovery significance of the observed data: the same as\n"
    "hf cls --test-stat q0 (pyhf hypotest(0, ..., test_stat=\"q0\")):\n"
    "  {\"p0_obs\": x, \"p0_exp\": [5], \"Z_obs\": x, \"Z_exp\": [5]}\n"
    "p0 is the p-value of the background-only hypothesis, Z = Phi^-1(1 - p0)\n"
    "its significance in standard deviations; the expected values are at\n"
    "mu = 1, from -2 to +2 sigma in pyhf's order.  With a patchset and no\n"
    "--patch-name, one line per patch.  Takes hf cls's options (--patch-name,\n"
    "-p, --measurement, --interp, --optconf, --calctype, --output-file, ...)\n"
    "but --test-stat, --test-poi, --upper-limit and --scan.\n"
    "WS.json may be omitted or '-': the workspace is read from standard input.\n";

int hfcli_cmd_significance(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return HF_EXIT_OK;
        }
        if (strncmp(argv[i], "--test-stat", 11) == 0)
            return hfcli_usage_error("--test-stat: hf significance is q0 "
                                      "(for q or qtilde use hf cls)");
    }
    /* hf cls --test-stat q0 with the rest of the line as given */
    char **av = malloc(((size_t)argc + 3) * sizeof *av);
    if (!av) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    av[0] = argv[0];
    av[1] = "--test-stat";
    av[2] = "q0";
    memcpy(av + 3, argv + 1, (size_t)argc * sizeof *av); /* with argv[argc] */
    int rc = hfcli_cmd_cls(argc + 2, av);
    free(av);
    return rc;
}
