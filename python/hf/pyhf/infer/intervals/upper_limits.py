"""pyhf.infer.intervals.upper_limits: upper_limit and linear_grid_scan by
libhf (hf_upper_limit: bracketing then Brent to 1e-6 relative, where pyhf
uses toms748 to rtol 1e-4; hf_upper_limit_scan: pyhf's interpolation)."""
import ctypes

import numpy as np

from hf import _capi
from ... import exceptions
from ..._util import lib, ptr, err, scalar, not_provided, module_getattr
from .. import TEST_STATS, _prerequisites, _fail

__all__ = ["linear_grid_scan", "toms748_scan", "upper_limit"]
__getattr__ = module_getattr("pyhf.infer.intervals.upper_limits")


def __dir__():
    return __all__


def _setup(data, model, level, kw):
    kw = dict(kw)
    if kw.pop("calctype", "asymptotics") != "asymptotics":
        raise not_provided("upper_limit with calctype='toybased'")
    tail = kw.pop("return_tail_probs", False)
    test_stat = kw.pop("test_stat", "qtilde")
    init, bounds, fixed = (kw.pop("init_pars", None), kw.pop("par_bounds", None),
                           kw.pop("fixed_params", None))
    for k in ("return_expected", "return_expected_set"):
        kw.pop(k, None)
    if kw:
        raise not_provided("upper_limit(%s=...)" % sorted(kw)[0])
    if not 0 < level < 1:
        raise ValueError("level must lie in (0, 1), not %r" % (level,))
    d, h = _prerequisites(model, data, init, bounds, fixed, test_stat)
    return d, h, TEST_STATS[test_stat], tail


def _result(c, tail):
    """A hypotest(..., return_expected_set=True) tuple from hf_cls_result."""
    exp = [scalar(x) for x in c.cls_exp]
    if tail:
        return (scalar(c.cls_obs), [scalar(c.clsb), scalar(c.clb)], exp)
    return (scalar(c.cls_obs), exp)


def _scan(h, d, mu, level, ts):
    mu = np.ascontiguousarray(np.asarray(mu, dtype=np.float64).ravel())
    if mu.size == 0 or not np.all(np.isfinite(mu)):
        raise ValueError("scan must be a non-empty list of finite POI values")
    res = (_capi._ClsResult * mu.size)()
    lim = _capi._LimitResult()
    e = err()
    rc = lib().hf_upper_limit_scan(h, ptr(d), ptr(mu), mu.size, 1.0 - level, ts, None,
                                   res, ctypes.byref(lim), ctypes.byref(e))
    if rc != 0:
        _fail(rc, e)
    return mu, res, lim


def linear_grid_scan(data, model, scan, level=0.05, return_results=False,
                     **hypotest_kwargs):
    d, h, ts, tail = _setup(data, model, level, hypotest_kwargs)
    mu, res, lim = _scan(h, d, scan, level, ts)
    obs, exp = scalar(lim.obs), [scalar(x) for x in lim.exp]
    if return_results:
        return obs, exp, (scan, [_result(r, tail) for r in res])
    return obs, exp


def toms748_scan(*args, **kwargs):
    raise not_provided("toms748_scan (upper_limit(scan=None) finds the limits in C)")


def upper_limit(data, model, scan=None, level=0.05, return_results=False,
                **hypotest_kwargs):
    if scan is not None:
        return linear_grid_scan(data, model, scan, level, return_results,
                                **hypotest_kwargs)
    d, h, ts, tail = _setup(data, model, level, hypotest_kwargs)
    lim = _capi._LimitResult()
    e = err()
    rc = lib().hf_upper_limit(h, ptr(d), 1.0 - level, ts, None, ctypes.byref(lim),
                              ctypes.byref(e))
    if rc != 0:
        _fail(rc, e)
    obs, exp = scalar(lim.obs), [scalar(x) for x in lim.exp]
    if return_results:
        # pyhf returns the points its root finder visited; hf returns the
        # hypotest results at the limits found
        pts = [lim.obs] + list(lim.exp)
        _, res, _ = _scan(h, d, pts, level, ts)
        return obs, exp, (pts, [_result(r, tail) for r in res])
    return obs, exp
