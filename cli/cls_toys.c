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

int hf_cli_toy_option(const char *opt, const char *text, int *n,
                      unsigned long long *seed)
{
    char *end;
    errno = 0;
    if (!n) {
        /* Any 64-bit seed; no sign, so "-1" is not silently 2^64 - 1;
         * decimal, so "010" is ten, not octal eight. */
        unsigned long long v = strtoull(text, &end, 10);
        if (!*text || *end || errno || text[0] == '-' || text[0] == '+')
            return hf_cli_usage_error("%s: %s is not a whole number from 0 "
                                      "to 2^64 - 1", opt, text);
        *seed = v;
        return HF_EXIT_OK;
    }
    long v = strtol(text, &end, 10);
    long max = strcmp(opt, "--threads") == 0 ? 4096 : 1L << 28;
    if (!*text || *end || errno || v < 1 || v > max)
        return hf_cli_usage_error("%s: %s is not a whole number from 1 to "
                                  "%ld", opt, text, max);
    *n = (int)v;
    return HF_EXIT_OK;
}

int hf_cli_cls_toys(const hf_model *m, double mu, hf_test_stat ts, int ntoys,
                    unsigned long long seed, int threads, int tail_probs,
                    int stats, double t_load, const hf_fit_options *fo,
                    const char *outfile)
{
    hf_error err = {0};
    hf_toys_options to;
    hf_toys_result r;
    hf_toys_options_init(&to);
    to.threads = threads;
    to.fit = fo;
    double t0 = now();
    if (hf_cls_toys(m, hf_model_data(m), mu, ts, ntoys, seed, &to, &r, &err)
        != HF_OK)
        return hf_cli_lib_error(&err);
    double t1 = now();

    /* CLb_obs = 0 (no background toy as extreme as the data) is a result,
     * not a failure: pyhf returns nan or inf there; JSON has neither, so
     * it prints null and we say why. */
    if (!isfinite(r.cls_obs))
        hf_cli_msg("CLs_obs is %g (CLsb %g / CLb %g): no background-only toy "
                   "reached the observed test statistic %g; printed as null, "
                   "more toys needed", r.cls_obs, r.clsb, r.clb, r.test_stat);
    if (r.nfailed_sb || r.nfailed_b)
        hf_cli_msg("warning: fits failed in %d of %d signal+background and "
                   "%d of %d background-only toys; those toys are left out",
                   r.nfailed_sb, ntoys, r.nfailed_b, ntoys);

    cJSON *out = cJSON_CreateObject();
    if (ts == HF_TEST_Q0) {
        /* for q0 hf_cls_toys holds the background-only p-values; a p0 of
         * 0 (no toy as extreme) has an infinite Z, which JSON cannot hold */
        int zero = r.cls_obs == 0;
        for (int i = 0; i < 5; i++)
            zero = zero || r.cls_exp[i] == 0;
        if (zero)
            hf_cli_msg("a p0 is 0: no background-only toy reached that q0, "
                       "so its Z is above %.2f (1/%d toys); printed as null, "
                       "more toys needed", hf_p_to_z(1.0 / ntoys), ntoys);
        hf_cli_add_discovery(out, r.cls_obs, r.cls_exp);
    } else {
        cJSON_AddNumberToObject(out, "CLs_obs", r.cls_obs);
        cJSON_AddItemToObject(out, "CLs_exp", hf_json_array(r.cls_exp, 5));
    }
    if (tail_probs) {
        if (ts != HF_TEST_Q0)
            cJSON_AddNumberToObject(out, "CLsb", r.clsb);
        cJSON_AddNumberToObject(out, "CLb", r.clb);
    }
    int rc = hf_cli_emit_json(out, outfile);
    cJSON_Delete(out);

    if (rc == HF_EXIT_OK && stats) {
        double dt = t1 - t0 > 0 ? t1 - t0 : 1e-9;
        fprintf(stderr, "%s: stats: model built in %.3f ms; toys: %d s+b and "
                        "%d b-only (seed %llu), %d and %d failed fits; "
                        "q_obs %.6g; %ld NLL+gradient evaluations in %.3f s "
                        "(%.1f toys/s)\n",
                hf_cli_prog, 1e3 * t_load, ntoys, ntoys, seed, r.nfailed_sb,
                r.nfailed_b, r.test_stat, r.nevals, dt, 2.0 * ntoys / dt);
    }
    return rc;
}
