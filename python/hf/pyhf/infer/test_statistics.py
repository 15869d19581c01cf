"""pyhf.infer.test_statistics: pyhf's profile-likelihood test statistics,
composed as pyhf composes them from two libhf fits."""
import logging

import numpy as np

from .. import exceptions
from .._util import scalar, module_getattr
from .mle import fit, fixed_poi_fit

__all__ = ["q0", "qmu", "qmu_tilde", "tmu", "tmu_tilde"]
__getattr__ = module_getattr("pyhf.infer.test_statistics")
log = logging.getLogger(__name__)


def __dir__():
    return __all__


def _tmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
              return_fitted_pars=False):
    mubhathat, fixed_val = fixed_poi_fit(mu, data, pdf, init_pars, par_bounds,
                                         fixed_params, return_fitted_val=True)
    muhatbhat, free_val = fit(data, pdf, init_pars, par_bounds, fixed_params,
                              return_fitted_val=True)
    stat = scalar(np.clip(fixed_val - free_val, 0.0, None))
    if return_fitted_pars:
        return stat, (mubhathat, muhatbhat)
    return stat


def _qmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
              return_fitted_pars=False):
    stat, (mubhathat, muhatbhat) = _tmu_like(mu, data, pdf, init_pars, par_bounds,
                                             fixed_params, return_fitted_pars=True)
    if muhatbhat[pdf.config.poi_index] > mu:
        stat = scalar(0.0)
    if return_fitted_pars:
        return stat, (mubhathat, muhatbhat)
    return stat


def _need_poi(pdf):
    if pdf.config.poi_index is None:
        raise exceptions.UnspecifiedPOI(
            "No POI is defined. A POI is required for profile likelihood based "
            "test statistics.")


def qmu(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    _need_poi(pdf)
    if par_bounds[pdf.config.poi_index][0] == 0:
        log.warning("qmu test statistic used for fit configuration with POI bounded "
                    "at zero.\nUse the qmu_tilde test statistic (pyhf.infer.test_"
                    "statistics.qmu_tilde) instead.")
    return _qmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
                     return_fitted_pars)


def qmu_tilde(mu, data, pdf, init_pars, par_bounds, fixed_params,
              return_fitted_pars=False):
    _need_poi(pdf)
    if par_bounds[pdf.config.poi_index][0] != 0:
        log.warning("qmu_tilde test statistic used for fit configuration with POI "
                    "not bounded at zero.\nUse the qmu test statistic (pyhf.infer."
                    "test_statistics.qmu) instead.")
    return _qmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
                     return_fitted_pars)


def tmu(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    _need_poi(pdf)
    return _tmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
                     return_fitted_pars)


def tmu_tilde(mu, data, pdf, init_pars, par_bounds, fixed_params,
              return_fitted_pars=False):
    _need_poi(pdf)
    return _tmu_like(mu, data, pdf, init_pars, par_bounds, fixed_params,
                     return_fitted_pars)


def q0(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    _need_poi(pdf)
    if mu != 0.0:
        log.warning("q0 test statistic only used for fit configuration with POI set "
                    "to zero. Setting mu=0.")
        mu = 0.0
    stat, (mubhathat, muhatbhat) = _tmu_like(mu, data, pdf, init_pars, par_bounds,
                                             fixed_params, return_fitted_pars=True)
    if muhatbhat[pdf.config.poi_index] < 0:
        stat = scalar(0.0)
    if return_fitted_pars:
        return stat, (mubhathat, muhatbhat)
    return stat
