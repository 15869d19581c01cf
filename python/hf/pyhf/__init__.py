"""hf.pyhf - pyhf 0.7's interface over libhf.

    import hf.pyhf as pyhf

runs pyhf code unchanged for what it provides: Workspace, PatchSet, Patch,
Model (+ config), infer.hypotest (asymptotics and toybased; qtilde, q,
q0), infer.mle.fit / fixed_poi_fit, infer.intervals.upper_limits.
upper_limit, infer.test_statistics, infer.calculators.generate_asimov_data,
simplemodels, set_backend("numpy") / get_backend, exceptions and utils.
digest.  Numbers come back as numpy float64 arrays of pyhf's shapes.
Anything else of pyhf's API raises NotImplementedError naming it (also an
AttributeError, so hasattr() is False).  Fits are always libhf's (a
custom_optimizer is recorded, not used); the only backend is numpy's.
"""
import hf as _hf
from . import exceptions
from ._util import module_getattr as _module_getattr, not_provided as _not_provided
from . import tensor as tensor
from . import optimize as _optimize
from .pdf import Model
from .workspace import Workspace
from .patchset import PatchSet
from . import infer, simplemodels, utils, patchset, pdf, workspace  # noqa: F401

__version__ = "0.7.6"  # the pyhf API level implemented
__all__ = ["Model", "PatchSet", "Workspace", "__version__", "default_backend",
           "exceptions", "get_backend", "infer", "optimizer", "patchset", "pdf",
           "set_backend", "simplemodels", "tensor", "tensorlib", "utils", "workspace"]

optimize = _optimize
_state = {"backend": tensor.numpy_backend(), "optimizer": _optimize.hf_optimizer()}
_default_backend = tensor.numpy_backend()


def __dir__():
    return __all__


def get_backend(default=False):
    """(tensorlib, optimizer): numpy's backend and the recorded optimizer."""
    if default:
        return _default_backend, _state["optimizer"]
    return _state["backend"], _state["optimizer"]


def set_backend(backend, custom_optimizer=None, precision=None, default=False):
    """Accepts "numpy" (or a numpy backend object): hf evaluates in C in
    float64 whatever the backend, so any other backend is refused."""
    name = backend if isinstance(backend, (str, bytes)) else getattr(backend, "name", None)
    if isinstance(name, bytes):
        name = name.decode()
    if name != "numpy":
        raise exceptions.InvalidBackend(
            "hf has its own backend (C, float64, numpy arrays): set_backend accepts "
            "only 'numpy', not %r" % (backend,))
    if precision not in (None, "64b"):
        raise exceptions.Unsupported("hf computes in double precision only "
                                     "(precision='64b'), not %r" % (precision,))
    if custom_optimizer is not None:
        if isinstance(custom_optimizer, (str, bytes)):
            cname = custom_optimizer.decode() if isinstance(custom_optimizer, bytes) \
                else custom_optimizer
            if cname not in ("scipy", "minuit"):
                raise exceptions.InvalidOptimizer("the optimizer %r is not known"
                                                  % cname)
            custom_optimizer = getattr(_optimize, cname + "_optimizer")()
        _state["optimizer"] = custom_optimizer
    if not isinstance(backend, str) and getattr(backend, "name", None) == "numpy" \
            and isinstance(backend, tensor.numpy_backend):
        _state["backend"] = backend


def __getattr__(name):
    if name == "tensorlib":
        return get_backend()[0]
    if name == "optimizer":
        return get_backend()[1]
    if name == "default_backend":
        return get_backend(default=True)[0]
    if name.startswith("__"):
        raise AttributeError(name)
    raise _not_provided("pyhf.%s" % name)
