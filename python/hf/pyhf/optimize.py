"""pyhf.optimize: accepted so that set_backend("numpy", custom_optimizer)
runs unchanged, but every fit is libhf's (L-BFGS on the analytic gradient,
its own convergence test): the optimizer object is recorded, not used."""
from ._util import module_getattr

__all__ = ["minuit_optimizer", "scipy_optimizer"]
__getattr__ = module_getattr("pyhf.optimize")


class _Recorded:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.tolerance = kwargs.get("tolerance")
        self.maxiter = kwargs.get("maxiter")

    def __repr__(self):
        return "<hf.pyhf %s (recorded; fits are libhf's)>" % self.name


class scipy_optimizer(_Recorded):
    name = "scipy"


class minuit_optimizer(_Recorded):
    name = "minuit"


class hf_optimizer(_Recorded):
    """What get_backend() reports by default: libhf's minimiser."""
    name = "hf"
