/*
 * bench_recast.c - from scores to limits on a real workspace.
 *
 *   bench_recast BkgOnly.json CHANNEL [NEVENTS] [NSIGNALS] [THREADS]
 *
 * 1. one signal: histogram NEVENTS (score, weight) pairs (default 10
 *    million) into CHANNEL's bins, compile the background with a signal
 *    slot, CLs at mu = 1 - all on one thread;
 * 2. NSIGNALS signals (default 1000), yields scaled from that one, through
 *    hf_signal_cls_batch on THREADS threads (default 2).
 * Prints one JSON line of timings (seconds) and the first CLs.
 */
#include <hf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int fail(const hf_error *err)
{
    fprintf(stderr, "bench_recast: %s\n", err->msg);
    return 1;
}

/* Equal-width bins on [0, 1) for the channel, as many as it has in the
 * workspace; NULL after a message. */
static hf_binning *channel_binning(const hf_workspace *ws, const char *chan, int *nbins)
{
    hf_error err;
    hf_model_options mo;
    hf_model_options_init(&mo);
    mo.poi = "";
    hf_model *bkg = NULL;
    if (hf_model_build(ws, NULL, 0, &mo, &bkg, &err)) {
        fail(&err);
        return NULL;
    }
    int nb = -1;
    for (int c = 0; c < hf_model_nchannels(bkg); c++)
        if (!strcmp(hf_model_channel_name(bkg, c), chan))
            nb = hf_model_channel_nbins(bkg, c);
    hf_model_free(bkg);
    if (nb < 1) {
        fprintf(stderr, "bench_recast: no channel '%s'\n", chan);
        return NULL;
    }
    char bjson[4096];
    size_t used = (size_t)snprintf(bjson, sizeof bjson, "{\"%s\": [", chan);
    for (int i = 0; i <= nb; i++)
        used += (size_t)snprintf(bjson + used, sizeof bjson - used, "%s%.17g", i ? ", " : "",
                                 (double)i / nb);
    snprintf(bjson + used, sizeof bjson - used, "]}");
    hf_binning *bins = NULL;
    if (hf_binning_parse(bjson, "binning", &bins, &err)) {
        fail(&err);
        return NULL;
    }
    *nbins = nb;
    return bins;
}

/* (score, weight) pairs: scores skewed towards 1 (signal-like), weights
 * summing to ~10; a fixed LCG so that every run times the same events. */
static double *make_events(size_t nev)
{
    double *ev = malloc(2 * nev * sizeof *ev);
    unsigned long long x = 42;
    for (size_t i = 0; ev && i < nev; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(x >> 11) / 9007199254740992.0;
        ev[2 * i] = sqrt(u);
        ev[2 * i + 1] = 10.0 / (double)nev;
    }
    return ev;
}

/* Step 1a: the events histogrammed into the channel's bins, with the
 * statistical uncertainty of each bin (sqrt of the summed squared weights). */
static int fill_histogram(const hf_binning *bins, int nb, const double *ev,
                          size_t nev, double *sumw, double *unc)
{
    double *sumw2 = calloc((size_t)nb, sizeof *sumw2);
    if (!sumw2)
        return 1;
    hf_binning_fill(bins, 0, ev, ev + 1, 2, nev, sumw, sumw2);
    for (int b = 0; b < nb; b++)
        unc[b] = sqrt(sumw2[b]);
    free(sumw2);
    return 0;
}

/* Step 1b: the background compiled with a signal slot in the channel. */
static hf_signal *build_signal(const hf_workspace *ws, const char *chan)
{
    const char *channels[] = {chan};
    hf_signal_spec spec;
    hf_signal_spec_init(&spec);
    spec.channels = channels;
    spec.nchannels = 1;
    spec.lumi = 1;
    spec.staterror = 1;
    hf_signal *sig = NULL;
    hf_error err;
    if (hf_signal_build(ws, &spec, NULL, &sig, &err)) {
        fail(&err);
        return NULL;
    }
    return sig;
}

/* Step 2's input: the same shape at strengths from 0.05 to 5, one row of
 * nb yields (ys) and uncertainties (us) per signal. */
static void scaled_signals(const double *sumw, const double *unc, int nb,
                           int nsig, double *ys, double *us)
{
    for (int j = 0; j < nsig; j++) {
        double f = 0.05 * pow(100.0, (double)j / (nsig > 1 ? nsig - 1 : 1));
        for (int b = 0; b < nb; b++) {
            ys[(size_t)j * nb + b] = f * sumw[b];
            us[(size_t)j * nb + b] = sqrt(f) * unc[b];
        }
    }
}

/* Step 2: all signals through the batch runner; its wall time, the mean
 * number of NLL evaluations per signal and the count of failed ones. */
static int time_batch(const hf_signal *sig, int nsig, const double *ys,
                      const double *us, int threads, double *secs,
                      double *nevals_per, int *nfailed)
{
    hf_batch_options opt;
    hf_batch_options_init(&opt);
    opt.threads = threads;
    hf_batch_result res;
    hf_error err;
    double t0 = now();
    if (hf_signal_cls_batch(sig, nsig, ys, us, &opt, &res, &err))
        return fail(&err);
    *secs = now() - t0;
    long nevals = 0;
    for (int j = 0; j < nsig; j++)
        nevals += res.items[j].cls.nevals;
    *nevals_per = (double)nevals / (nsig > 0 ? nsig : 1);
    *nfailed = res.nfailed;
    hf_batch_result_free(&res);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_recast BkgOnly.json CHANNEL [NEVENTS] [NSIGNALS] "
                        "[THREADS]\n");
        return 2;
    }
    const char *chan = argv[2];
    size_t nev = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000000;
    int nsig = argc > 4 ? atoi(argv[4]) : 1000;
    int threads = argc > 5 ? atoi(argv[5]) : 2;
    hf_error err;
    hf_workspace *ws = NULL;
    if (hf_workspace_read(argv[1], &ws, &err))
        return fail(&err);
    int nb = 0;
    hf_binning *bins = channel_binning(ws, chan, &nb);
    double *ev = bins ? make_events(nev) : NULL;
    double *sumw = calloc((size_t)nb, sizeof *sumw), *unc = calloc((size_t)nb, sizeof *unc);
    if (!ev || !sumw || !unc)
        return 1;

    /* 1. one signal, one thread: histogram, template, CLs at mu = 1 */
    double t0 = now();
    if (fill_histogram(bins, nb, ev, nev, sumw, unc))
        return 1;
    double t1 = now();
    hf_signal *sig = build_signal(ws, chan);
    if (!sig)
        return 1;
    double t2 = now();
    hf_batch_options opt;
    hf_batch_options_init(&opt);
    opt.threads = 1;
    hf_batch_result res;
    if (hf_signal_cls_batch(sig, 1, sumw, unc, &opt, &res, &err))
        return fail(&err);
    double t3 = now();
    double cls1 = res.items[0].cls.cls_obs;
    int st1 = res.items[0].status;
    hf_batch_result_free(&res);

    /* 2. many signals on THREADS threads */
    double *ys = malloc(sizeof(double) * (size_t)nb * (size_t)nsig);
    double *us = malloc(sizeof(double) * (size_t)nb * (size_t)nsig);
    if (!ys || !us)
        return 1;
    scaled_signals(sumw, unc, nb, nsig, ys, us);
    double batch_s = 0, nevals_per = 0;
    int nfailed = 0;
    if (time_batch(sig, nsig, ys, us, threads, &batch_s, &nevals_per, &nfailed))
        return 1;
    printf("{\"events\": %zu, \"bins\": %d, \"fill_s\": %.4f, \"template_s\": %.4f, "
           "\"cls_s\": %.4f, \"one_signal_total_s\": %.4f, \"cls_obs\": %.6g, \"status\": %d, "
           "\"signals\": %d, \"threads\": %d, \"batch_s\": %.4f, \"batch_failed\": %d, "
           "\"batch_nevals_per_signal\": %.1f}\n",
           nev, nb, t1 - t0, t2 - t1, t3 - t2, t3 - t0, cls1, st1, nsig, threads, batch_s,
           nfailed, nevals_per);
    hf_signal_free(sig);
    hf_binning_free(bins);
    hf_workspace_free(ws);
    free(ev);
    free(sumw);
    free(unc);
    free(ys);
    free(us);
    return 0;
}
