/*
 * args.c - option values: numbers, interpolation codes, the options that
 * say which model a verb builds, getopt's errors; and the exit status a
 * library error maps to.
 *
 * Option values are checked strictly ("1.0x" is an error, not 1.0): a
 * typo in --test-poi must not silently become another hypothesis.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int hfcli_double(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return hfcli_usage_error("%s: '%s' is not a number", opt, text);
    if (errno == ERANGE || !isfinite(v))
        return hfcli_usage_error("%s: '%s' is %s: a double holds 0 and "
                                  "magnitudes from 2.3e-308 to 1.7e308", opt, text, !isfinite(v) || fabs(v) > 1
                                  ? "too large (or not finite)"
                                  : "too small (it underflows a double)");
    *out = v;
    return HF_EXIT_OK;
}

/* The interpolation codes' names, as --interp takes them and hfscan's
 * journal header writes them. */
static const struct {
    const char *name;
    hf_interp code;
} interp_codes[] = {
    {"code0", HF_INTERP_CODE0}, {"code1", HF_INTERP_CODE1},
    {"code2", HF_INTERP_CODE2}, {"code4", HF_INTERP_CODE4},
    {"code4p", HF_INTERP_CODE4P},
};
#define NCODES (sizeof interp_codes / sizeof interp_codes[0])

static int interp_code(const char *s, size_t n, hf_interp *out)
{
    for (size_t i = 0; i < NCODES; i++)
        if (strlen(interp_codes[i].name) == n &&
            strncmp(s, interp_codes[i].name, n) == 0) {
            *out = interp_codes[i].code;
            return 1;
        }
    return 0;
}

const char *hfcli_interp_name(hf_interp code)
{
    for (size_t i = 0; i < NCODES; i++)
        if (interp_codes[i].code == code)
            return interp_codes[i].name;
    return "?";
}

/* "normsys=code1,histosys=code0": either key may be left out. */
int hfcli_interp(const char *text, hf_model_options *mo)
{
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return hfcli_usage_error("--interp: '%.*s' is not TYPE=CODE",
                                      (int)len, p);
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        hf_interp *dst = NULL;
        if (klen == 7 && strncmp(p, "normsys", 7) == 0)
            dst = &mo->normsys_interp;
        else if (klen == 8 && strncmp(p, "histosys", 8) == 0)
            dst = &mo->histosys_interp;
        else
            return hfcli_usage_error("--interp: unknown modifier type "
                                      "'%.*s' (normsys or histosys)",
                                      (int)klen, p);
        /* pyhf's interpolators for each type, as the library builds
         * them (histosys code1/code4 would scale an additive shift) */
        int normsys = dst == &mo->normsys_interp;
        if (!interp_code(eq + 1, vlen, dst) ||
            (!normsys && (*dst == HF_INTERP_CODE1 || *dst == HF_INTERP_CODE4)) ||
            (normsys && *dst == HF_INTERP_CODE4P))
            return hfcli_usage_error("--interp: unknown %s code '%.*s' (%s)",
                                      normsys ? "normsys" : "histosys",
                                      (int)vlen, eq + 1,
                                      normsys ? "code0, code1, code2, code4"
                                              : "code0, code2, code4p");
        p += len;
        if (*p == ',')
            p++;
    }
    return HF_EXIT_OK;
}

/* A whole number in [1, 10^9] for --optconf maxiter. */
static int whole(const char *s, size_t n, int *out)
{
    long v = 0;
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = 10 * v + (s[i] - '0');
    }
    if (v < 1 || v > 1000000000L)
        return 0;
    *out = (int)v;
    return 1;
}

/* "tolerance=1e-8,maxiter=500": pyhf's --optconf keys that mean something
 * for hf's one minimiser; any other key is named and refused. */
int hfcli_optconf(const char *text, hf_fit_options *fo)
{
    const char *p = text;
    if (!*p)
        return hfcli_usage_error("--optconf: empty (give tolerance=X, "
                                  "maxiter=N or both, comma-separated)");
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return hfcli_usage_error("--optconf: '%.*s' is not KEY=VALUE",
                                      (int)len, p);
        size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
        char val[64];
        if (vlen >= sizeof val)
            vlen = sizeof val - 1;
        memcpy(val, eq + 1, vlen);
        val[vlen] = '\0';
        if (klen == 9 && strncmp(p, "tolerance", 9) == 0) {
            char *end;
            errno = 0;
            double v = strtod(val, &end);
            if (!vlen || *end || errno || !(v > 0 && v < 1))
                return hfcli_usage_error("--optconf: tolerance '%s' is not a "
                                          "number between 0 and 1", val);
            fo->tolerance = v;
        } else if (klen == 7 && strncmp(p, "maxiter", 7) == 0) {
            if (!whole(val, vlen, &fo->max_evals))
                return hfcli_usage_error("--optconf: maxiter '%s' is not a "
                                          "whole number from 1 to 10^9", val);
        } else {
            return hfcli_usage_error("--optconf: '%.*s' is not supported "
                                      "(hf's minimiser takes tolerance and "
                                      "maxiter only)", (int)klen, p);
        }
        p += len;
        if (*p == ',' && !*++p)
            return hfcli_usage_error("--optconf: '%s' ends with a comma", text);
    }
    return HF_EXIT_OK;
}

int hfcli_pyhf_only(const char *opt, const char *value)
{
    if (strcmp(opt, "--backend") == 0)
        return hfcli_usage_error("--backend %s: not supported (hf computes in "
                                  "C in double precision; there are no "
                                  "backends)", value);
    return hfcli_usage_error("--optimizer %s: not supported (hf has one "
                              "minimiser, L-BFGS with analytic gradients; "
                              "--optconf tolerance=X,maxiter=N tunes it)",
                              value);
}

int hfcli_model_args_init(hf_cli_model_args *ma, int argc)
{
    memset(ma, 0, sizeof *ma);
    hf_model_options_init(&ma->mo);
    ma->extra = calloc((size_t)argc + 1, sizeof *ma->extra);
    if (!ma->extra) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    return HF_EXIT_OK;
}

void hfcli_model_args_free(hf_cli_model_args *ma)
{
    free(ma->extra);
    ma->extra = NULL;
}

/* Takes c when it is one of those options: an HF_EXIT_* status, or -1
 * when c is another option. */
static int model_option(hf_cli_model_args *ma, int c, const char *arg)
{
    switch (c) {
    case HF_OPT_NO_VERIFY: ma->no_verify = 1; return HF_EXIT_OK;
    case HF_OPT_PATCH_NAME: ma->patch_name = arg; return HF_EXIT_OK;
    case HF_OPT_PATCH: ma->extra[ma->nextra++] = arg; return HF_EXIT_OK;
    case HF_OPT_MEASUREMENT: ma->mo.measurement = arg; return HF_EXIT_OK;
    case HF_OPT_INTERP: return hfcli_interp(arg, &ma->mo);
    default: return -1;
    }
}

int hfcli_model_getopt(hf_cli_model_args *ma, int c, char **argv)
{
    int rc = model_option(ma, c, optarg);
    return rc >= 0 ? rc : hfcli_getopt_error(c, optopt, argv, optind);
}

int hfcli_model_load(int argc, char **argv, int optind_,
                     const hf_cli_model_args *ma, hf_cli_loaded *l)
{
    return hfcli_load_args(argc, argv, optind_, ma->extra, ma->nextra,
                           ma->patch_name, ma->no_verify, &ma->mo, l);
}

int hfcli_getopt_error(int c, int optopt_, char **argv, int optind_)
{
    const char *arg = optind_ > 0 ? argv[optind_ - 1] : "?";
    if (c == ':') {
        if (optopt_ && optopt_ < 256 && arg[0] == '-' && arg[1] != '-')
            return hfcli_usage_error("option '-%c' needs a value", optopt_);
        return hfcli_usage_error("option '%s' needs a value", arg);
    }
    if (optopt_ && optopt_ < 256)
        return hfcli_usage_error("unknown option '-%c'", optopt_);
    return hfcli_usage_error("unknown option '%s'", arg);
}

int hfcli_lib_error(const hf_error *err)
{
    hfcli_msg("%s", err->msg[0] ? err->msg : hf_status_name(err->code));
    switch (err->code) {
    case HF_ERR_FIT: return HF_EXIT_FIT;
    case HF_ERR_ARG: return HF_EXIT_USAGE;
    default: return HF_EXIT_INPUT;
    }
}
