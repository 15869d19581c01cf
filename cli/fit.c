/*
 * fit.c - `hf fit`: maximum-likelihood fit of the observed data.
 *
 * Prints pyhf fit --value's fields plus the parabolic uncertainties.  A fit
 * that did not converge is an error (exit 3), never a result: a script
 * reading stdout must not take a half-minimised point for the answer.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const char help[] =
    "usage: hf fit WS.json [PATCH.json] [options]\n"
    "\n"
    "Fits the model to its observed data (or to --data's) and prints\n"
    "  {\"mle_parameters\": {name: [values]}, \"twice_nll\": x,\n"
    "   \"uncertainties\": {name: [values]}, \"converged\": true}\n"
    "with parameter sets in the model's order.  Exits with status 3 and\n"
    "prints nothing on stdout if the fit does not converge.\n"
    "\n"
    "options:\n"
    "  --fix-poi X          fix the parameter of interest to X\n"
    "  --data FILE          fit these data instead of the observed ones: a JSON\n"
    "                       array of the main bins then the auxdata, in pyhf's\n"
    "                       order (what hf cls --asimov-out writes; pyhf's\n"
    "                       model.logpdf takes the same)\n"
    "  --patch-name NAME    the patch to apply when PATCH.json is a patchset\n"
    HF_HELP_NO_VERIFY
    "  -p, --patch FILE     a further patch (RFC 6902 or patchset); repeatable,\n"
    "                       applied in order after PATCH.json\n"
    "  --measurement NAME   measurement to use (default: the first)\n"
    "  --output-file FILE   write the JSON there instead of stdout\n"
    "  --value              accepted for pyhf's command line: \"twice_nll\", the\n"
    "                       fitted -2 log-likelihood, is always printed\n"
    "  --interp normsys=CODE,histosys=CODE\n"
    "                       interpolation codes (pyhf's modifier_settings):\n"
    "                       normsys code0|code1|code2|code4 (default code4),\n"
    "                       histosys code0|code2|code4p (default code4p)\n"
    "  --optconf tolerance=X,maxiter=N\n"
    "                       the minimiser's relative tolerance on the NLL\n"
    "                       (default 1e-10) and its NLL+gradient evaluations\n"
    "                       (default 1000 + 50 per parameter)\n"
    "  -h, --help           this help\n"
    "\n"
    "WS.json may be omitted or '-': the workspace is read from standard input.\n"
    "pyhf's --optimizer and --backend are refused: hf has one minimiser.\n";

/* {parset name: [its values]} in the model's order. */
static cJSON *by_parset(const hf_model *m, const double *v)
{
    cJSON *o = cJSON_CreateObject();
    int n = hf_model_nparsets(m);
    for (int k = 0; o && k < n; k++) {
        hf_parset ps;
        if (hf_model_parset(m, k, &ps) == HF_OK)
            cJSON_AddItemToObject(o, ps.name, hfcore_json_array(v + ps.offset, ps.n));
    }
    return o;
}

/* --data FILE: a JSON array of hf_model_ndata finite numbers, the main
 * bins not negative (Poisson counts), into *out (malloc'd).  An error
 * names the file and the entry. */
static int read_data(const hf_model *m, const char *path, double **out)
{
    hf_error err = {0};
    char *text = NULL;
    size_t len;
    cJSON *a = NULL;
    *out = NULL;
    if (hfcore_file_read(path, &text, &len, &err) != HF_OK ||
        hfcore_json_parse(text, path, &a, &err) != HF_OK) {
        free(text);
        return hfcli_lib_error(&err);
    }
    free(text);
    int nd = hf_model_ndata(m), nmain = hf_model_nmain(m);
    int rc = HF_EXIT_INPUT;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != nd) {
        hfcli_msg("%s: --data: not an array of %d numbers (the model's %d main "
                  "bins then %d auxdata)", path, nd, nmain, nd - nmain);
        goto out;
    }
    double *d = malloc(sizeof *d * (size_t)(nd ? nd : 1));
    if (!d) {
        hfcli_msg("out of memory");
        goto out;
    }
    int i = 0;
    for (const cJSON *v = a->child; v; v = v->next, i++) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
            (i < nmain && v->valuedouble < 0)) {
            hfcli_msg("%s: --data: entry [%d] is not a%s number", path, i,
                      i < nmain ? " non-negative (main bin)" : " finite");
            free(d);
            goto out;
        }
        d[i] = v->valuedouble;
    }
    *out = d;
    rc = HF_EXIT_OK;
out:
    cJSON_Delete(a);
    return rc;
}

static int run(const hf_model *m, int fix_poi, double poi_value,
               const hf_fit_options *fo, const char *outfile,
               const char *data_path)
{
    int np = hf_model_npars(m), rc = HF_EXIT_INPUT;
    double *pars = malloc(sizeof *pars * (size_t)(np ? np : 1));
    double *unc = malloc(sizeof *unc * (size_t)(np ? np : 1));
    double *own = NULL; /* --data's */
    cJSON *out = NULL;
    hf_error err = {0};
    if (!pars || !unc) {
        hfcli_msg("out of memory");
        goto done;
    }
    if (fix_poi && hf_model_poi(m) < 0) {
        hfcli_msg("--fix-poi: the model has no parameter of interest");
        goto done;
    }
    if (data_path && (rc = read_data(m, data_path, &own)) != HF_EXIT_OK)
        goto done;
    rc = HF_EXIT_INPUT;
    const double *data = own ? own : hf_model_data(m);
    hf_fit_result res;
    if (hf_fit(m, data, NULL, fix_poi, poi_value, fo, pars, &res, &err) !=
        HF_OK) {
        rc = hfcli_lib_error(&err);
        goto done;
    }
    if (hf_fit_uncertainties(m, data, pars, unc, NULL, &err) != HF_OK) {
        /* The fit itself is sound; say what is doubtful about the errors
         * and mark the ones that could not be computed. */
        hfcli_msg("warning: %s", err.msg);
        const unsigned char *fixed = hf_model_fixed(m);
        for (int i = 0; i < np; i++)
            if (!fixed[i] && unc[i] == 0)
                unc[i] = NAN;
    }
    /* The Hessian is taken over the model's free parameters, the POI among
     * them; a POI held fixed in this fit has no uncertainty. */
    if (fix_poi)
        unc[hf_model_poi(m)] = 0;

    out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "mle_parameters", by_parset(m, pars));
    cJSON_AddNumberToObject(out, "twice_nll", res.twice_nll);
    cJSON_AddItemToObject(out, "uncertainties", by_parset(m, unc));
    cJSON_AddBoolToObject(out, "converged", res.converged);
    rc = hfcli_emit_json(out, outfile);
done:
    cJSON_Delete(out);
    free(pars);
    free(unc);
    free(own);
    return rc;
}

int hfcli_cmd_fit(int argc, char **argv)
{
    struct option longopts[HF_CLI_MAX_OPTIONS];
    hfcli_getopt_table(HF_CLI_FIT, longopts);
    hf_cli_model_args ma;
    hf_fit_options fo;
    hf_fit_options_init(&fo);
    const char *outfile = NULL, *data_path = NULL;
    int c, rc = hfcli_model_args_init(&ma, argc), fix_poi = 0;
    double poi_value = 0;
    opterr = 0;
    while (rc == HF_EXIT_OK &&
           (c = getopt_long(argc, argv, ":hp:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(help, stdout); hfcli_model_args_free(&ma); return HF_EXIT_OK;
        case HF_OPT_OUTPUT_FILE: outfile = optarg; break;
        case HF_OPT_VALUE: break;
        case HF_OPT_DATA: data_path = optarg; break;
        case HF_OPT_OPTCONF: rc = hfcli_optconf(optarg, &fo); break;
        case HF_OPT_OPTIMIZER: rc = hfcli_pyhf_only("--optimizer", optarg); break;
        case HF_OPT_BACKEND: rc = hfcli_pyhf_only("--backend", optarg); break;
        case HF_OPT_FIX_POI:
            fix_poi = 1;
            rc = hfcli_double("--fix-poi", optarg, &poi_value);
            break;
        default: rc = hfcli_model_getopt(&ma, c, argv);
        }
    }
    /* A free fit needs no POI; not asking for one lets a background-only
     * workspace be fitted although its measurement names a signal POI. */
    if (!fix_poi)
        ma.mo.poi = "";
    hf_cli_loaded l = {0};
    if (rc == HF_EXIT_OK)
        rc = hfcli_model_load(argc, argv, optind, &ma, &l);
    hfcli_model_args_free(&ma);
    if (rc == HF_EXIT_OK)
        rc = run(l.model, fix_poi, poi_value, &fo, outfile, data_path);
    hfcli_release(&l);
    return rc;
}
