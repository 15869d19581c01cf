/*
 * recast.c - from classifier scores to CLs with libhf, no JSON in between.
 *
 *   cc recast.c $(pkg-config --cflags --libs hf) -o recast
 *   ./recast workspaces/demo/BkgOnly.json
 *
 * Histograms (score, weight) events into the bins of the signal region
 * "SR", puts them as the signal sample on the compiled background, and
 * prints CLs at mu = 1 and the 95% CL upper limit on mu.  The events here
 * are made up (a fixed pseudo-random sequence); a recasting tool would
 * take them from its simulation.
 */
#include <hf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { NEV = 100000 };

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "workspaces/demo/BkgOnly.json";
    hf_error err;
    hf_workspace *ws = NULL;
    hf_binning *bins = NULL;
    hf_signal *sig = NULL;
    hf_batch_result res = {0, 0, NULL};
    double *ev = malloc(2 * NEV * sizeof *ev);
    int rc = 1;
    if (!ev) {
        fprintf(stderr, "recast: out of memory\n");
        return 1;
    }

    /* interleaved (score, weight) pairs, as in `hf signal --format f64` */
    unsigned long long x = 12345;
    for (int i = 0; i < NEV; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ev[2 * i] = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
        ev[2 * i + 1] = 2e-4;
    }
    if (hf_workspace_read(path, &ws, &err) ||
        hf_binning_parse("{\"SR\": [0.0, 0.4, 0.7, 1.0]}", "binning", &bins, &err))
        goto out;

    double sumw[3] = {0}, sumw2[3] = {0}, unc[3];
    size_t outside = hf_binning_fill(bins, hf_binning_find(bins, "SR"), ev, ev + 1, 2, NEV,
                                     sumw, sumw2);
    for (int b = 0; b < 3; b++)
        unc[b] = sqrt(sumw2[b]);

    /* the background, compiled once with a signal slot in SR */
    const char *channels[] = {"SR"};
    hf_signal_spec spec;
    hf_signal_spec_init(&spec);
    spec.channels = channels;
    spec.nchannels = 1;
    spec.lumi = 1;
    spec.staterror = 1;
    if (hf_signal_build(ws, &spec, NULL, &sig, &err))
        goto out;
    /* the yields are read as the workspace's SR bins: they must match */
    if (hf_signal_nbins(sig) != 3) {
        snprintf(err.msg, sizeof err.msg, "%s: SR has %d bins, the binning 3", path,
                 hf_signal_nbins(sig));
        goto out;
    }

    hf_batch_options opt;
    hf_batch_options_init(&opt);
    opt.upper_limit = 1;
    if (hf_signal_cls_batch(sig, 1, sumw, unc, &opt, &res, &err))
        goto out;
    if (res.items[0].status) {
        err = res.items[0].err;
        goto out;
    }
    printf("events outside the bins: %zu\n", outside);
    printf("signal yields: %.6f %.6f %.6f\n", sumw[0], sumw[1], sumw[2]);
    printf("CLs_obs = %.8f\n", res.items[0].cls.cls_obs);
    printf("upper limit on mu (95%% CL) = %.6f\n", res.items[0].limit.obs);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "recast: %s\n", err.msg);
    hf_batch_result_free(&res);
    hf_signal_free(sig);
    hf_binning_free(bins);
    hf_workspace_free(ws);
    free(ev);
    return rc;
}
