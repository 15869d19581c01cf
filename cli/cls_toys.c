/*
 * cls_toys.c - `hf cls --calctype toybased`: pyhf's toy-based hypotest
 * (hf_cls_toys), printed as `hf cls` prints the asymptotic one.
 */
#include <errno.h>
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

int hfcli_seed_parse(const char *text, unsigned long long *seed)
{
    /* Digits only: strtoull alone would take " -1" as 2^64 - 1 (it skips
     * blanks, then accepts a sign), "010" as octal with base 0. */
    if (!*text || text[strspn(text, "0123456789")] != '\0')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno)
        return 0;
    *seed = v;
    return 1;
}

int hfcli_toy_option(const char *opt, const char *text, int *n,
                      unsigned long long *seed)
{
    if (!n)
        return hfcli_seed_parse(text, seed)
                   ? HF_EXIT_OK
                   : hfcli_usage_error("%s: %s is not a whole number from 0 "
                                        "to 2^64 - 1", opt, text);
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    long max = strcmp(opt, "--threads") == 0 ? 4096 : 1L << 28;
    if (!*text || *end || errno || v < 1 || v > max ||
        text[strspn(text, "0123456789")])
        return hfcli_usage_error("%s: %s is not a whole number from 1 to "
                                  "%ld", opt, text, max);
    *n = (int)v;
    return HF_EXIT_OK;
}

/* The result as JSON: pyhf's keys, then what the toys can be trusted to:
 * "mc_error" (binomial standard errors), "dropped" (toys whose fits failed
 * from every start) and, when some were, "CLs_obs_interval" (CLs_obs with
 * them all counted on either side of q_obs). */
int hfcli_toys_emit(const hf_toys_result *r, hf_test_stat ts, int tail_probs,
                     const char *outfile)
{
    /* CLb_obs = 0 (no background toy as extreme as the data) is a result,
     * not a failure: pyhf returns nan or inf there; JSON has neither, so
     * it prints null and we say why. */
    if (!isfinite(r->cls_obs))
        hfcli_msg("CLs_obs is %g (CLsb %g / CLb %g): no background-only toy "
                   "reached the observed test statistic %g; printed as null, "
                   "more toys needed", r->cls_obs, r->clsb, r->clb,
                   r->test_stat);
    if (r->nfailed_sb || r->nfailed_b)
        hfcli_msg("warning: fits failed from every start in %d of %d "
                   "signal+background and %d of %d background-only toys; "
                   "they are left out (\"dropped\"), and CLs_obs lies in "
                   "[%g, %g] whatever their q (\"CLs_obs_interval\")",
                   r->nfailed_sb, r->ntoys, r->nfailed_b, r->ntoys,
                   r->cls_lo, r->cls_hi);

    cJSON *out = cJSON_CreateObject();
    if (ts == HF_TEST_Q0) {
        /* for q0 hf_cls_toys holds the background-only p-values; a p0 of
         * 0 (no toy as extreme) has an infinite Z, which JSON cannot hold */
        int zero = r->cls_obs == 0;
        for (int i = 0; i < 5; i++)
            zero = zero || r->cls_exp[i] == 0;
        if (zero)
            hfcli_msg("a p0 is 0: no background-only toy reached that q0, "
                       "so its Z is above %.2f (1/%d toys); printed as null, "
                       "more toys needed", hf_p_to_z(1.0 / r->ntoys),
                       r->ntoys);
        hfcli_add_discovery(out, r->cls_obs, r->cls_exp);
    } else {
        cJSON_AddNumberToObject(out, "CLs_obs", r->cls_obs);
        cJSON_AddItemToObject(out, "CLs_exp", hfcore_json_array(r->cls_exp, 5));
    }
    if (tail_probs) {
        if (ts != HF_TEST_Q0)
            cJSON_AddNumberToObject(out, "CLsb", r->clsb);
        cJSON_AddNumberToObject(out, "CLb", r->clb);
    }
    cJSON *e = cJSON_AddObjectToObject(out, "mc_error");
    cJSON_AddNumberToObject(e, "CLs_obs", r->cls_err);
    if (ts != HF_TEST_Q0)
        cJSON_AddNumberToObject(e, "CLsb", r->clsb_err);
    cJSON_AddNumberToObject(e, "CLb", r->clb_err);
    cJSON_AddItemToObject(out, "ntoys", hfcli_json_int(r->ntoys));
    cJSON *d = cJSON_AddObjectToObject(out, "dropped");
    cJSON_AddItemToObject(d, "sb", hfcli_json_int(r->nfailed_sb));
    cJSON_AddItemToObject(d, "b", hfcli_json_int(r->nfailed_b));
    if (r->nfailed_sb || r->nfailed_b) {
        double iv[2] = {r->cls_lo, r->cls_hi};
        cJSON_AddItemToObject(out, "CLs_obs_interval", hfcore_json_array(iv, 2));
    }
    int rc = hfcli_emit_json(out, outfile);
    cJSON_Delete(out);
    return rc;
}

int hfcli_cls_toys(const hf_model *m, double mu, hf_test_stat ts, int ntoys,
                    unsigned long long seed, int threads, int tail_probs,
                    int stats, double t_load, const hf_fit_options *fo,
                    const char *outfile, const char *toys_out)
{
    hf_error err = {0};
    hf_toys_options to;
    hf_toys_result r;
    hf_toys_options_init(&to);
    to.threads = threads;
    double *qs = toys_out ? malloc(2 * (size_t)ntoys * sizeof *qs) : NULL;
    if (toys_out && !qs) {
        hfcli_msg("out of memory");
        return HF_EXIT_INPUT;
    }
    to.sb_stats = qs;
    to.b_stats = qs ? qs + ntoys : NULL;
    to.fit = fo;
    double t0 = now();
    if (hf_cls_toys(m, hf_model_data(m), mu, ts, ntoys, seed, &to, &r, &err)
        != HF_OK) {
        free(qs);
        return hfcli_lib_error(&err);
    }
    double t1 = now();
    int rc = HF_EXIT_OK;
    if (toys_out)
        rc = hfcli_toys_write(toys_out, m, mu, ts, seed, ntoys, r.test_stat,
                               qs, qs + ntoys);
    free(qs);
    if (rc == HF_EXIT_OK) {
        rc = hfcli_toys_emit(&r, ts, tail_probs, outfile);
        if (rc != HF_EXIT_OK && toys_out)
            remove(toys_out); /* no result, no toys file */
    }

    if (rc == HF_EXIT_OK && stats) {
        double dt = t1 - t0 > 0 ? t1 - t0 : 1e-9;
        fprintf(stderr, "%s: stats: model built in %.3f ms; toys: %d s+b and "
                        "%d b-only (seed %llu), %d and %d failed fits "
                        "(%d toys retried); q_obs %.6g; %ld NLL+gradient "
                        "evaluations in %.3f s (%.1f toys/s)\n",
                hfcli_prog, 1e3 * t_load, ntoys, ntoys, seed, r.nfailed_sb,
                r.nfailed_b, r.nretried, r.test_stat, r.nevals, dt,
                2.0 * ntoys / dt);
    }
    return rc;
}
