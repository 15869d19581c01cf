"""pyhf.infer.mle: maximum-likelihood fits by libhf (L-BFGS on the analytic
gradient).  pyhf's init_pars/par_bounds/fixed_params become a libhf view
of the model (hf_model_with_pars)."""
import ctypes

import numpy as np

from hf import _capi
from .. import exceptions
from .._util import lib, vector, ptr, err, scalar, not_provided, module_getattr, \
    HF_ERR_FIT, message

__all__ = ["fit", "fixed_poi_fit", "twice_nll"]
__getattr__ = module_getattr("pyhf.infer.mle")


def __dir__():
    return __all__


class FitResult:
    """What scipy's OptimizeResult carries, for FailedMinimization.result
    and return_result_obj."""

    def __init__(self, x, fun, success, message, nfev, unc=None, corr=None):
        self.x, self.fun, self.success, self.message = x, fun, success, message
        self.nfev, self.unc, self.corr = nfev, unc, corr
        self.status = 0 if success else 1


def twice_nll(pars, data, pdf):
    return -2 * pdf.logpdf(pars, data)


def _validate_fit_inputs(init_pars, par_bounds, fixed_params):
    for par_idx, (value, bound) in enumerate(zip(init_pars, par_bounds)):
        if not (bound[0] <= value <= bound[1]):
            raise ValueError(
                "fit initialization parameter (index: %d, value: %s) lies outside of "
                "its bounds: %s\nTo correct this adjust the initialization parameter "
                "values in the model spec or those given\nas arguments to "
                "pyhf.infer.fit. If this value is intended, adjust the range of the "
                "parameter\nbounds." % (par_idx, value, bound))


_KWARGS = {"return_fitted_val", "return_uncertainties", "return_correlations",
           "return_result_obj", "do_grad", "do_stitch", "maxiter", "tolerance",
           "verbose", "strategy", "disp"}


def fit(data, pdf, init_pars=None, par_bounds=None, fixed_params=None, **kwargs):
    unknown = set(kwargs) - _KWARGS
    if unknown:
        raise not_provided("pyhf.infer.mle.fit(%s=...)" % sorted(unknown)[0])
    init = init_pars if init_pars is not None else pdf.config.suggested_init()
    bounds = par_bounds if par_bounds is not None else pdf.config.suggested_bounds()
    fixed = fixed_params if fixed_params is not None else pdf.config.suggested_fixed()
    h = pdf._view(init_pars, par_bounds, fixed_params)  # checks shapes, NaN
    _validate_fit_inputs(init, bounds, fixed)
    d = vector(data, pdf._ndata, "data", exceptions.InvalidPdfData)
    n = pdf._npars
    pars = np.empty(n)
    res = _capi._FitResult()
    e = err()
    rc = lib().hf_fit(h, ptr(d), None, 0, 0.0, None, ptr(pars), ctypes.byref(res),
                      ctypes.byref(e))
    fun = scalar(res.twice_nll)
    if rc != 0:
        r = FitResult(pars, fun, False, message(e), res.nevals)
        if rc == HF_ERR_FIT or res.nevals:
            raise exceptions.FailedMinimization(r)
        raise exceptions.InvalidPdfParameters(message(e))
    unc = corr = None
    if kwargs.get("return_uncertainties") or kwargs.get("return_correlations"):
        unc = np.empty(n)
        corr = np.empty((n, n))
        rc = lib().hf_fit_uncertainties(h, ptr(d), ptr(pars), ptr(unc),
                                        corr.ctypes.data,
                                        ctypes.byref(e))
        if rc != 0:
            raise exceptions.FailedMinimization(
                FitResult(pars, fun, False, message(e), res.nevals))
    x = np.stack([pars, unc], axis=1) if kwargs.get("return_uncertainties") else pars
    out = [x]
    if kwargs.get("return_correlations"):
        out.append(corr)
    if kwargs.get("return_fitted_val"):
        out.append(fun)
    if kwargs.get("return_result_obj"):
        out.append(FitResult(x, fun, True, "Optimization terminated successfully.",
                             res.nevals, unc, corr))
    return tuple(out) if len(out) > 1 else out[0]


def fixed_poi_fit(poi_val, data, pdf, init_pars=None, par_bounds=None,
                  fixed_params=None, **kwargs):
    if pdf.config.poi_index is None:
        raise exceptions.UnspecifiedPOI(
            "No POI is defined. A POI is required to fit with a fixed POI.")
    init_pars = [*(init_pars if init_pars is not None else pdf.config.suggested_init())]
    fixed_params = [*(fixed_params if fixed_params is not None
                      else pdf.config.suggested_fixed())]
    init_pars[pdf.config.poi_index] = poi_val
    fixed_params[pdf.config.poi_index] = True
    return fit(data, pdf, init_pars, par_bounds, fixed_params, **kwargs)
