/*
 * eval.c - `hf eval`: the likelihood at a given parameter point.
 *
 * This is the verb for checking hf against pyhf number by number: it
 * prints logpdf (all constants kept, as pyhf's Model.logpdf) and the
 * expected main-bin yields at exactly the parameters given, no fitting.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: hf eval WS.json [PATCH.json] [options]\n"
    "\n"
    "Evaluates the model at a parameter point (no fit) and prints\n"
    "  {\"parameters\": [names], \"logpdf\": x, \"twice_nll\": y,\n"
    "   \"expected_main\": [main-bin yields]}\n"
    "for the model's observed data.  Parameters not named in --pars take\n"
    "their initial values.  A non-finite logpdf prints as null.\n"
    "\n"
    "options:\n"
    "  --pars JSON          {\"name\": [values...], \"mu\": 1.0, ...}: values of\n"
    "                       parameter sets (a one-parameter set may be a number)\n"
    "  --patch-name NAME    the patch to apply when PATCH.json is a patchset\n"
    HF_HELP_NO_VERIFY
    "  -p, --patch FILE     a further patch (RFC 6902 or patchset); repeatable,\n"
    "                       applied in order after PATCH.json\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes: code0, code1, code2, code4,\n"
    "                       code4p (pyhf's defaults: normsys=code4,\n"
    "                       histosys=code4p)\n"
    "  --output-file FILE   write the JSON there instead of stdout\n"
    "  -h, --help           this help\n";

/* What a JSON value is, for messages. */
static const char *json_kind(const cJSON *v)
{
    return cJSON_IsString(v) ? "a string" : cJSON_IsBool(v) ? "a boolean"
           : cJSON_IsNull(v) ? "null" : cJSON_IsObject(v) ? "an object"
           : cJSON_IsArray(v) ? "a list" : "a number";
}

/* One --pars entry into pars[ps->offset ..]; an HF_EXIT_* status (every
 * --pars problem is one of the command line). */
static int set_par(const cJSON *it, const hf_parset *ps, double *pars)
{
    if (cJSON_IsNumber(it) && ps->n == 1) {
        if (!isfinite(it->valuedouble))
            return hfcli_usage_error("--pars: '%s' is not a finite number",
                                      it->string);
        pars[ps->offset] = it->valuedouble;
        return HF_EXIT_OK;
    }
    if (!cJSON_IsArray(it) && ps->n == 1)
        return hfcli_usage_error("--pars: '%s': expected a number, got %s",
                                  it->string, json_kind(it));
    if (!cJSON_IsArray(it))
        return hfcli_usage_error("--pars: '%s': expected a list of %d "
                                  "numbers, got %s", it->string, ps->n,
                                  json_kind(it));
    if (cJSON_GetArraySize(it) != ps->n)
        return hfcli_usage_error("--pars: '%s' has %d component%s, got a "
                                  "list of %d", it->string, ps->n,
                                  ps->n == 1 ? "" : "s",
                                  cJSON_GetArraySize(it));
    int j = 0;
    for (const cJSON *v = it->child; v; v = v->next, j++) {
        if (!cJSON_IsNumber(v))
            return hfcli_usage_error("--pars: '%s'[%d]: expected a number, "
                                      "got %s", it->string, j, json_kind(v));
        if (!isfinite(v->valuedouble))
            return hfcli_usage_error("--pars: '%s'[%d] is not a finite "
                                      "number", it->string, j);
        pars[ps->offset + j] = v->valuedouble;
    }
    return HF_EXIT_OK;
}

/* Applies --pars to the parameter vector; an HF_EXIT_* status. */
static int set_pars(const hf_model *m, const char *json, double *pars)
{
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return hfcli_usage_error("--pars: not a JSON object: %s", json);
    }
    int rc = HF_EXIT_OK;
    for (cJSON *it = root->child; it && rc == HF_EXIT_OK; it = it->next) {
        int k = hf_model_find_parset(m, it->string);
        hf_parset ps;
        if (k < 0 || hf_model_parset(m, k, &ps) != HF_OK)
            rc = hfcli_usage_error("--pars: the model has no parameter '%s'",
                                    it->string);
        else
            rc = set_par(it, &ps, pars);
    }
    cJSON_Delete(root);
    return rc;
}

static int run(hf_cli_loaded *l, const char *pars_json, const char *outfile)
{
    const hf_model *m = l->model;
    int np = hf_model_npars(m), nmain = hf_model_nmain(m);
    double *pars = malloc(sizeof *pars * (size_t)(np ? np : 1));
    double *expd = malloc(sizeof *expd * (size_t)(nmain ? nmain : 1));
    double *work = malloc(sizeof *work * (hf_model_work_size(m) + 1));
    cJSON *out = NULL;
    int rc = HF_EXIT_INPUT;
    if (!pars || !expd || !work) {
        hfcli_msg("out of memory");
        goto done;
    }
    memcpy(pars, hf_model_inits(m), sizeof *pars * (size_t)np);
    if (pars_json && (rc = set_pars(m, pars_json, pars)) != HF_EXIT_OK)
        goto done;
    rc = HF_EXIT_INPUT;

    const double *data = hf_model_data(m);
    double logpdf = hf_model_logpdf(m, pars, data, work);
    hf_model_expected(m, pars, expd, work);

    out = cJSON_CreateObject();
    cJSON *names = cJSON_AddArrayToObject(out, "parameters");
    for (int i = 0; names && i < np; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(hf_model_par_name(m, i)));
    cJSON_AddNumberToObject(out, "logpdf", logpdf);
    /* pyhf's twice_nll is -2 logpdf, constants included. */
    cJSON_AddNumberToObject(out, "twice_nll", -2 * logpdf);
    cJSON_AddItemToObject(out, "expected_main", hfcore_json_array(expd, nmain));
    rc = hfcli_emit_json(out, outfile);
done:
    cJSON_Delete(out);
    free(pars);
    free(expd);
    free(work);
    return rc;
}

int hfcli_cmd_eval(int argc, char **argv)
{
    enum { O_PARS = HF_OPT_VERB_FIRST, O_OUT };
    static const struct option longopts[] = {
        {"pars", required_argument, NULL, O_PARS},
        HF_CLI_PATCH_LONGOPTS,
        HF_CLI_MODEL_LONGOPTS,
        {"output-file", required_argument, NULL, O_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hf_cli_model_args ma;
    const char *pars_json = NULL, *outfile = NULL;
    int c, rc = hfcli_model_args_init(&ma, argc);
    /* The POI plays no part in evaluating the likelihood; not asking for
     * one lets eval work on background-only workspaces whose measurement
     * names a POI that only the signal patches add. */
    ma.mo.poi = "";
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":hp:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); hfcli_model_args_free(&ma); return HF_EXIT_OK;
        case O_PARS: pars_json = optarg; break;
        case O_OUT: outfile = optarg; break;
        default: rc = hfcli_model_getopt(&ma, c, argv);
        }
    }
    hf_cli_loaded l = {0};
    if (rc == HF_EXIT_OK)
        rc = hfcli_model_load(argc, argv, optind, &ma, &l);
    hfcli_model_args_free(&ma);
    if (rc == HF_EXIT_OK)
        rc = run(&l, pars_json, outfile);
    hfcli_release(&l);
    return rc;
}
