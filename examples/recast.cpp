// recast.cpp - recast.c in C++: the same numbers, with RAII owners of the
// libhf handles.
//
//   c++ recast.cpp $(pkg-config --cflags --libs hf) -o recast
//   ./recast workspaces/demo/BkgOnly.json
#include <hf.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Free {
    void operator()(hf_workspace *p) const { hf_workspace_free(p); }
    void operator()(hf_binning *p) const { hf_binning_free(p); }
    void operator()(hf_signal *p) const { hf_signal_free(p); }
};

void check(int rc, const hf_error &err)
{
    if (rc != HF_OK)
        throw std::runtime_error(err.msg);
}

}  // namespace

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "workspaces/demo/BkgOnly.json";
    const int nev = 100000;
    try {
        hf_error err;
        hf_workspace *w = nullptr;
        check(hf_workspace_read(path, &w, &err), err);
        std::unique_ptr<hf_workspace, Free> ws(w);
        hf_binning *b = nullptr;
        check(hf_binning_parse("{\"SR\": [0.0, 0.4, 0.7, 1.0]}", "binning", &b, &err), err);
        std::unique_ptr<hf_binning, Free> bins(b);

        std::vector<double> ev(2 * nev);
        unsigned long long x = 12345;
        for (int i = 0; i < nev; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            ev[2 * i] = static_cast<double>(x >> 11) / 9007199254740992.0;
            ev[2 * i + 1] = 2e-4;
        }
        std::vector<double> sumw(3), sumw2(3), unc(3);
        size_t outside = hf_binning_fill(bins.get(), hf_binning_find(bins.get(), "SR"),
                                         ev.data(), ev.data() + 1, 2, nev, sumw.data(),
                                         sumw2.data());
        for (int i = 0; i < 3; i++)
            unc[i] = std::sqrt(sumw2[i]);

        const char *channels[] = {"SR"};
        hf_signal_spec spec;
        hf_signal_spec_init(&spec);
        spec.channels = channels;
        spec.nchannels = 1;
        spec.lumi = 1;
        spec.staterror = 1;
        hf_signal *s = nullptr;
        check(hf_signal_build(ws.get(), &spec, nullptr, &s, &err), err);
        std::unique_ptr<hf_signal, Free> sig(s);
        // the yields are read as the workspace's SR bins: they must match
        if (hf_signal_nbins(sig.get()) != 3)
            throw std::runtime_error(std::string(path) + ": SR has " +
                                     std::to_string(hf_signal_nbins(sig.get())) +
                                     " bins, the binning 3");

        hf_batch_options opt;
        hf_batch_options_init(&opt);
        opt.upper_limit = 1;
        hf_batch_result res;
        check(hf_signal_cls_batch(sig.get(), 1, sumw.data(), unc.data(), &opt, &res, &err),
              err);
        std::unique_ptr<hf_batch_result, void (*)(hf_batch_result *)> hold(
            &res, hf_batch_result_free);
        check(res.items[0].status, res.items[0].err);
        std::printf("events outside the bins: %zu\n", outside);
        std::printf("signal yields: %.6f %.6f %.6f\n", sumw[0], sumw[1], sumw[2]);
        std::printf("CLs_obs = %.8f\n", res.items[0].cls.cls_obs);
        std::printf("upper limit on mu (95%% CL) = %.6f\n", res.items[0].limit.obs);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "recast: %s\n", e.what());
        return 1;
    }
    return 0;
}
