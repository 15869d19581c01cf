"""pyhf.tensor: hf computes in C on float64 numpy arrays; the only backend
is numpy's, kept for code that calls pyhf.tensorlib.*."""
import math

import numpy as np

from . import exceptions
from ._util import module_getattr, not_provided

__all__ = ["numpy_backend"]
__getattr__ = module_getattr("pyhf.tensor")


class numpy_backend:
    """The subset of pyhf's numpy_backend that user code calls; other
    names fall through to numpy's functions of that name."""

    __slots__ = ("name", "precision", "dtypemap", "default_do_grad")

    def __init__(self, **kwargs):
        self.name = "numpy"
        self.precision = kwargs.get("precision", "64b")
        if self.precision != "64b":
            raise exceptions.Unsupported("hf computes in double precision only "
                                         "(precision='64b')")
        self.dtypemap = {"float": np.float64, "int": np.int64, "bool": np.bool_}
        self.default_do_grad = False

    def __repr__(self):
        return "<hf.pyhf numpy_backend (float64)>"

    def __eq__(self, other):
        return getattr(other, "name", None) == "numpy"

    __hash__ = object.__hash__

    def astensor(self, tensor_in, dtype="float"):
        try:
            return np.asarray(tensor_in, dtype=self.dtypemap[dtype])
        except KeyError:
            raise KeyError("Invalid dtype: dtype must be float, int, or bool.") from None

    def tolist(self, tensor_in):
        try:
            return tensor_in.tolist()
        except AttributeError:
            if isinstance(tensor_in, list):
                return tensor_in
            raise

    def shape(self, tensor):
        return np.shape(tensor)

    def reshape(self, tensor, newshape):
        return np.reshape(tensor, newshape)

    def normal_cdf(self, x, mu=0, sigma=1):
        z = (np.asarray(x, dtype=np.float64) - mu) / (sigma * math.sqrt(2.0))
        return 0.5 * np.vectorize(math.erfc)(-z)

    def poisson_logpdf(self, n, lam):
        n, lam = np.asarray(n, dtype=np.float64), np.asarray(lam, dtype=np.float64)
        lg = np.vectorize(math.lgamma)(n + 1.0)
        return np.where(lam > 0, n * np.log(np.where(lam > 0, lam, 1.0)) - lam - lg,
                        np.where(n == 0, 0.0, -np.inf))

    def normal_logpdf(self, x, mu, sigma):
        x, mu, sigma = (np.asarray(v, dtype=np.float64) for v in (x, mu, sigma))
        return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)

    def __getattr__(self, name):
        if not name.startswith("_") and hasattr(np, name):
            return getattr(np, name)
        raise not_provided("tensorlib.%s" % name)
