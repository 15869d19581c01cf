"""Published classifiers from Python: hf.ml.Classifier wraps hf_ml_load
and hf_ml_eval (ONNX networks, TMVA BDT weight files, XGBoost models).

    clf = hf.ml.Classifier("model.onnx", preprocessing="model.prep.json")
    scores = clf(x)          # x: n rows of clf.features values

x is a numpy array (n, F) or a list of rows; the result is a numpy array
(n, K) when numpy is importable, else a list of rows.  Events run in
parallel over OpenMP threads inside the library.
"""
import ctypes

from . import HFError, _Error, load

_P = ctypes.c_void_p
_E = ctypes.POINTER(_Error)


class _Options(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("format", ctypes.c_char_p),
                ("preprocessing", ctypes.c_char_p), ("threads", ctypes.c_int)]


_SIGS = {
    "hf_ml_options_init": (None, [ctypes.POINTER(_Options)]),
    "hf_ml_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_Options),
                                  ctypes.POINTER(_P), _E]),
    "hf_ml_free": (None, [_P]),
    "hf_ml_format": (ctypes.c_char_p, [_P]),
    "hf_ml_nfeatures": (ctypes.c_int, [_P]),
    "hf_ml_noutputs": (ctypes.c_int, [_P]),
    "hf_ml_feature_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "hf_ml_output_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "hf_ml_eval": (ctypes.c_int, [_P, _P, ctypes.c_size_t, _P, _E]),
}


def _lib():
    lib = load()
    for name, (res, args) in _SIGS.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def _text(b):
    return None if b is None else b.decode("utf-8")


class Classifier:
    """A loaded, immutable model; thread-safe to call."""

    def __init__(self, path, preprocessing=None, format=None, threads=0):
        self._lib = _lib()
        opt = _Options()
        self._lib.hf_ml_options_init(ctypes.byref(opt))
        opt.format = None if format is None else format.encode()
        opt.preprocessing = None if preprocessing is None else str(preprocessing).encode()
        opt.threads = threads
        err, h = _Error(), _P()
        rc = self._lib.hf_ml_load(str(path).encode(), ctypes.byref(opt), ctypes.byref(h),
                                  ctypes.byref(err))
        if rc:
            raise HFError(rc, err.msg.decode("utf-8", "replace"))
        self._h = h
        n, k = self._lib.hf_ml_nfeatures(h), self._lib.hf_ml_noutputs(h)
        self.format = _text(self._lib.hf_ml_format(h))
        self.features = [_text(self._lib.hf_ml_feature_name(h, i)) for i in range(n)]
        self.outputs = [_text(self._lib.hf_ml_output_name(h, i)) for i in range(k)]

    def __del__(self):
        if getattr(self, "_h", None):
            self._lib.hf_ml_free(self._h)
            self._h = None

    def __call__(self, x):
        F, K = len(self.features), len(self.outputs)
        try:
            import numpy as np
        except ImportError:
            np = None
        if np is not None:
            a = np.ascontiguousarray(x, dtype=np.float64)
            if a.ndim == 1:
                a = a.reshape(1, -1)
            if a.ndim != 2 or a.shape[1] != F:
                raise ValueError("expected rows of %d features, got shape %s" % (F, a.shape))
            out = np.empty((a.shape[0], K))
            self._eval(a.ctypes.data, a.shape[0], out.ctypes.data)
            return out
        rows = [list(r) for r in x]
        if any(len(r) != F for r in rows):
            raise ValueError("expected rows of %d features" % F)
        flat = (ctypes.c_double * (len(rows) * F))(*[v for r in rows for v in r])
        out = (ctypes.c_double * (len(rows) * K))()
        self._eval(ctypes.addressof(flat), len(rows), ctypes.addressof(out))
        return [list(out[i * K:(i + 1) * K]) for i in range(len(rows))]

    def _eval(self, x, n, out):
        err = _Error()
        rc = self._lib.hf_ml_eval(self._h, x, n, out, ctypes.byref(err))
        if rc:
            raise HFError(rc, err.msg.decode("utf-8", "replace"))
