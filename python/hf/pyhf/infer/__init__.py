"""pyhf.infer: hypotest (asymptotic and toy-based calculators of libhf)."""
import ctypes

import numpy as np

from hf import _capi
from .. import exceptions
from .._util import (lib, vector, ptr, err, scalar, not_provided, module_getattr,
                     message, HF_ERR_FIT, HF_ERR_NUMERIC)

__all__ = ["calculators", "hypotest", "intervals", "mle", "test_statistics"]
__getattr__ = module_getattr("pyhf.infer")

TEST_STATS = {"q0": 0, "q": 1, "qtilde": 2}


def __dir__():
    return __all__


def _prerequisites(pdf, data, init_pars, par_bounds, fixed_params, test_stat):
    if pdf.config.poi_index is None:
        raise exceptions.UnspecifiedPOI(
            "No POI is defined. A POI is required to run a hypothesis test.")
    poi = pdf.config.poi_index
    fixed = fixed_params if fixed_params is not None else pdf.config._fixed
    if len(fixed) == pdf._npars and fixed[poi]:
        raise exceptions.InvalidModel(
            "POI at index [%d] is set as fixed, which makes profile likelihood ratio "
            "based inference impossible. Please unfix the POI to continue."
            % poi)
    if test_stat not in TEST_STATS:
        raise exceptions.InvalidTestStatistic(
            "The test statistic %r is not valid (hf supports 'qtilde', 'q', 'q0')"
            % (test_stat,))
    d = vector(data, pdf._ndata, "data", exceptions.InvalidPdfData)
    return d, pdf._view(init_pars, par_bounds, fixed_params)


def _fail(rc, e):
    from .mle import FitResult
    if rc in (HF_ERR_FIT, HF_ERR_NUMERIC):
        raise exceptions.FailedMinimization(
            FitResult(None, None, False, message(e), 0))
    # an argument libhf refuses (a tested POI outside its bounds, ntoys < 1):
    # pyhf raises ValueError for the like (fit inits outside their bounds)
    raise ValueError(message(e))


def _poi(poi_test):
    try:
        mu = float(np.asarray(poi_test, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        raise ValueError("poi_test must be a number, not %r" % (poi_test,)) from None
    if not np.isfinite(mu):
        raise ValueError("poi_test is %r, not a finite number" % mu)
    return mu


def _asymptotic(h, d, mu, ts):
    r = _capi._ClsResult()
    e = err()
    rc = lib().hf_cls_asymptotic(h, ptr(d), mu, ts, None, ctypes.byref(r),
                                 ctypes.byref(e))
    if rc != 0:
        _fail(rc, e)
    return r.cls_obs, r.clsb, r.clb, list(r.cls_exp)


def _toys(h, d, mu, ts, ntoys, seed):
    opt = _capi._ToysOptions()
    lib().hf_toys_options_init(ctypes.byref(opt))
    r = _capi._ToysResult()
    e = err()
    if seed is None:  # follow numpy's global state, as pyhf's toys do
        seed = int(np.random.randint(0, 2**62))
    rc = lib().hf_cls_toys(h, ptr(d), mu, ts, int(ntoys), int(seed) & (2**64 - 1),
                           ctypes.byref(opt), ctypes.byref(r), ctypes.byref(e))
    if rc != 0:
        _fail(rc, e)
    return r.cls_obs, r.clsb, r.clb, list(r.cls_exp)


def hypotest(poi_test, data, pdf, init_pars=None, par_bounds=None, fixed_params=None,
             calctype="asymptotics", return_tail_probs=False, return_expected=False,
             return_expected_set=False, return_calculator=False, **kwargs):
    """pyhf.infer.hypotest.  kwargs: test_stat ("qtilde", "q", "q0"),
    ntoys (toybased, default 2000), seed (hf only: the toys' seed; default
    drawn from numpy's global random state), track_progress (ignored)."""
    if return_calculator:
        raise not_provided("hypotest(return_calculator=True) (libhf runs the "
                           "calculators in C)")
    test_stat = kwargs.pop("test_stat", "qtilde")
    ntoys = kwargs.pop("ntoys", 2000)
    seed = kwargs.pop("seed", None)
    kwargs.pop("track_progress", None)
    kwargs.pop("skip_validation", None)
    if kwargs:
        raise not_provided("hypotest(%s=...)" % sorted(kwargs)[0])
    d, h = _prerequisites(pdf, data, init_pars, par_bounds, fixed_params, test_stat)
    mu = _poi(poi_test)
    ts = TEST_STATS[test_stat]
    if calctype == "asymptotics":
        cls, clsb, clb, exp = _asymptotic(h, d, mu, ts)
    elif calctype == "toybased":
        cls, clsb, clb, exp = _toys(h, d, mu, ts, ntoys, seed)
    else:
        raise exceptions.InvalidModel("calctype must be 'asymptotics' or 'toybased', "
                                      "not %r" % (calctype,))
    is_q0 = test_stat == "q0"
    out = [scalar(clsb if is_q0 else cls)]
    if return_tail_probs:
        out.append([scalar(clb)] if is_q0 else [scalar(clsb), scalar(clb)])
    if return_expected:
        out.append(scalar(exp[2]))
    if return_expected_set:
        out.append([scalar(x) for x in exp])
    return tuple(out) if len(out) > 1 else out[0]


# after the helpers above, which intervals imports
from . import calculators, intervals, mle, test_statistics  # noqa: E402,F401
