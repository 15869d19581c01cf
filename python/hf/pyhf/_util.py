"""_util.py - shared plumbing of hf.pyhf: the library, error mapping,
argument checks, and the NotImplementedError for what hf does not provide."""
import ctypes
import math

import numpy as np

import hf as _hf
from hf import _capi
from . import exceptions

HF_OK, HF_ERR_IO, HF_ERR_PARSE, HF_ERR_INVALID, HF_ERR_PATCH, HF_ERR_NOTFOUND, \
    HF_ERR_ARG, HF_ERR_NOMEM, HF_ERR_FIT, HF_ERR_NUMERIC = range(10)

_D = ctypes.POINTER(ctypes.c_double)


def lib():
    return _hf.load()


class NotProvided(NotImplementedError, AttributeError):
    """Raised for pyhf API that hf does not provide.  Also an AttributeError
    so that hasattr() and getattr(x, name, default) keep working."""


def not_provided(what):
    return NotProvided("%s is not provided by hf (hf.pyhf implements pyhf 0.7's "
                       "Workspace, PatchSet, Model, infer and simplemodels)" % what)


def module_getattr(modname):
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise not_provided("%s.%s" % (modname, name))
    return __getattr__


def message(err):
    return err.msg.decode("utf-8", "replace")


def check(rc, err, default=RuntimeError, **by_code):
    """Raises the exception class by_code[HF code name] or `default` for a
    failed libhf call; MemoryError for HF_ERR_NOMEM."""
    if rc == HF_OK:
        return
    if rc == HF_ERR_NOMEM:
        raise MemoryError(message(err))
    names = {HF_ERR_IO: "io", HF_ERR_PARSE: "parse", HF_ERR_INVALID: "invalid",
             HF_ERR_PATCH: "patch", HF_ERR_NOTFOUND: "notfound", HF_ERR_ARG: "arg",
             HF_ERR_FIT: "fit", HF_ERR_NUMERIC: "numeric"}
    cls = by_code.get(names.get(rc, ""), default)
    raise cls(message(err))


def vector(x, n, what, exc, finite=True):
    """x as a contiguous float64 numpy vector of length n, or exc naming
    the problem."""
    try:
        a = np.asarray(x, dtype=np.float64)
        if not a.flags.c_contiguous:
            a = np.ascontiguousarray(a)
    except (TypeError, ValueError) as e:
        raise exc("%s is not a vector of numbers: %s" % (what, e)) from None
    if a.ndim != 1:
        raise exc("%s has shape %s but a vector of length %d was expected"
                  % (what, a.shape, n))
    if a.shape[0] != n:
        raise exc("%s has length %d but %d was expected" % (what, a.shape[0], n))
    if finite and not np.isfinite(a).all():
        i = int(np.flatnonzero(~np.isfinite(a))[0])
        raise exc("%s[%d] is %r, not a finite number" % (what, i, float(a[i])))
    return a


def ptr(a):
    """The address of a contiguous float64 array, for void * arguments.
    The caller keeps the array referenced until the C call returns."""
    return a.ctypes.data


def err():
    return _capi._Error()


def scalar(x):
    """A 0-d float64 array, as pyhf's numpy backend returns numbers."""
    return np.array(float(x))


def isnum(x):
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False
