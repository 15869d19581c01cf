"""hf.py - Python bindings of libhf (HistFactory likelihoods in C) by ctypes.

Standard library only; numpy arrays are accepted (and used without a copy
when they are contiguous float64) but never required.

    import hf
    ws = hf.Workspace("BkgOnly.json")
    m = hf.Model(ws, patches=[hf.Patch("patchset.json", name="sig_300")])
    m.cls(1.0)            # {"CLs_obs": ..., "CLs_exp": [...], ...}
    m.upper_limit(0.95)   # {"obs": ..., "exp": [...]}
    m.significance()      # {"p0_obs": ..., "p0_exp": [...], "Z_obs": ..., "Z_exp": [...]}

    sig = hf.Signal(ws, ["SR"], lumi=True)
    sig.cls_batch([[y0, y1, y2], ...], unc=[[u0, u1, u2], ...], threads=2)
    hf.cls_batch_patches(ws, [hf.Patch("patchset.json", name=n) for n in names])

Batch calls for recasting: Signal.cls_batch (K signals' yields, a (K, nbins)
numpy array, against one compiled background) and cls_batch_patches (a list
of signal patches): one C call each, parallel over OpenMP threads.

The library is found through $HF_LIB (a path to libhf.so), then where
`make install` put it (recorded in hf/_config.py), then the system
(ctypes.util.find_library), then the build tree (../../build/libhf.so next
to this file).  Every libhf call goes through ctypes.CDLL, which releases
the GIL while C runs: batch calls from several Python threads run at once.

The pyhf-compatible interface is the subpackage `hf.pyhf`:

    import hf.pyhf as pyhf
Objects own their C handles and release them when garbage collected.
"""
import ctypes
import ctypes.util
import json
import os
import sys
from array import array

from . import _capi, _jsontext
from ._capi import (_Error, _ModelOptions, _ClsResult, _LimitResult, _PROGRESS,
                    _BatchOptions, _BatchItem, _BatchResult, _SignalSpec)


def _json_nan_ok(obj):
    # json.dumps's defaults, as this module always used: NaN becomes text
    # that libhf then refuses with its own message (an HFError)
    return json.dumps(obj).encode()


__all__ = ["HFError", "Workspace", "Patch", "Model", "Binning", "Signal",
           "signal_patch", "cls_batch_patches", "load"]

_TEST_STATS = {"q0": 0, "q": 1, "qtilde": 2}


class HFError(Exception):
    """A libhf failure: .code is the HF_* status, str() its message."""

    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


_lib = None

_P = ctypes.c_void_p
_E = ctypes.POINTER(_Error)
_D = ctypes.POINTER(ctypes.c_double)
_SIGS = {
    "hf_workspace_read": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_P), _E]),
    "hf_workspace_parse": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p,
                                          ctypes.POINTER(_P), _E]),
    "hf_workspace_free": (None, [_P]),
    "hf_patch_read_any": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p,
                                         ctypes.POINTER(_P), _E]),
    "hf_patch_parse": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.POINTER(_P), _E]),
    "hf_patch_free": (None, [_P]),
    "hf_model_options_init": (None, [ctypes.POINTER(_ModelOptions)]),
    "hf_model_build": (ctypes.c_int, [_P, ctypes.POINTER(_P), ctypes.c_int,
                                      ctypes.POINTER(_ModelOptions),
                                      ctypes.POINTER(_P), _E]),
    "hf_model_build_applied": (ctypes.c_int, [_P, ctypes.POINTER(_P), ctypes.c_int,
                                              ctypes.POINTER(_ModelOptions),
                                              ctypes.POINTER(_P), _E]),
    "hf_model_free": (None, [_P]),
    "hf_model_data": (_D, [_P]),
    "hf_model_npars": (ctypes.c_int, [_P]),
    "hf_model_poi": (ctypes.c_int, [_P]),
    "hf_model_par_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "hf_model_nchannels": (ctypes.c_int, [_P]),
    "hf_model_channel_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "hf_model_channel_nbins": (ctypes.c_int, [_P, ctypes.c_int]),
    # data as void *: hf.pyhf passes numpy addresses (ints), hf.Model the
    # model's own data pointer
    "hf_cls_asymptotic": (ctypes.c_int, [_P, _P, ctypes.c_double, ctypes.c_int,
                                         _P, ctypes.POINTER(_ClsResult), _E]),
    "hf_upper_limit": (ctypes.c_int, [_P, _P, ctypes.c_double, ctypes.c_int,
                                      _P, ctypes.POINTER(_LimitResult), _E]),
    "hf_batch_options_init": (None, [ctypes.POINTER(_BatchOptions)]),
    "hf_batch_result_free": (None, [ctypes.POINTER(_BatchResult)]),
    "hf_batch_cls_patches": (ctypes.c_int, [_P, ctypes.POINTER(_P), ctypes.c_int,
                                            ctypes.POINTER(_BatchOptions),
                                            ctypes.POINTER(_BatchResult), _E]),
    "hf_binning_read": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_P), _E]),
    "hf_binning_parse": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p,
                                        ctypes.POINTER(_P), _E]),
    "hf_binning_free": (None, [_P]),
    "hf_binning_find": (ctypes.c_int, [_P, ctypes.c_char_p]),
    "hf_binning_nbins": (ctypes.c_int, [_P, ctypes.c_int]),
    "hf_binning_fill": (ctypes.c_size_t, [_P, ctypes.c_int, _D, _D, ctypes.c_size_t,
                                          ctypes.c_size_t, _D, _D]),
    "hf_signal_spec_init": (None, [ctypes.POINTER(_SignalSpec)]),
    "hf_signal_patch": (ctypes.c_int, [_P, ctypes.POINTER(_SignalSpec), _D, _D,
                                       ctypes.POINTER(ctypes.c_void_p), _E]),
    "hf_signal_build": (ctypes.c_int, [_P, ctypes.POINTER(_SignalSpec),
                                       ctypes.POINTER(_ModelOptions),
                                       ctypes.POINTER(_P), _E]),
    "hf_signal_free": (None, [_P]),
    "hf_signal_nbins": (ctypes.c_int, [_P]),
    "hf_signal_model": (ctypes.c_int, [_P, _D, _D, ctypes.POINTER(_P), _E]),
    "hf_signal_cls_batch": (ctypes.c_int, [_P, ctypes.c_int, _D, _D,
                                           ctypes.POINTER(_BatchOptions),
                                           ctypes.POINTER(_BatchResult), _E]),
}
_SIGS.update(_capi.SIGS)


class _SignificanceResult(ctypes.Structure):
    _fields_ = [("p0_obs", ctypes.c_double), ("p0_exp", ctypes.c_double * 5),
                ("z_obs", ctypes.c_double), ("z_exp", ctypes.c_double * 5),
                ("q0_obs", ctypes.c_double), ("q0_asimov", ctypes.c_double),
                ("clb", ctypes.c_double), ("nevals", ctypes.c_int)]


_SIGS["hf_significance"] = (ctypes.c_int, [_P, _P, _P,
                                           ctypes.POINTER(_SignificanceResult), _E])


def load(path=None):
    """Loads libhf (see the module doc for where it looks) and returns it."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    cands = [path] if path else []
    if not path:
        if os.environ.get("HF_LIB"):
            cands.append(os.environ["HF_LIB"])
        here = os.path.dirname(os.path.abspath(__file__))
        try:
            from . import _config
            cands.append(os.path.join(_config.LIBDIR, "libhf.so"))
        except ImportError:
            pass
        found = ctypes.util.find_library("hf")
        if found:
            cands.append(found)
        for d in ("/usr/local/lib", os.path.join(sys.prefix, "lib")):
            cands.append(os.path.join(d, "libhf.so"))
        cands.append(os.path.join(here, "..", "..", "build", "libhf.so"))
    last = None
    for c in cands:
        try:
            lib = ctypes.CDLL(c)
            break
        except OSError as e:
            last = e
    else:
        raise OSError("hf: cannot load libhf.so (tried %s; set HF_LIB to its "
                      "path): %s" % (", ".join(cands), last))
    for name, (res, args) in _SIGS.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    # what the library allocates for us goes back through its own free
    lib.free = lib.hf_free
    lib.free.restype = None
    lib.free.argtypes = [ctypes.c_void_p]
    _lib = lib
    return lib


def _check(rc, err):
    if rc != 0:
        raise HFError(rc, err.msg.decode("utf-8", "replace"))


def _b(s):
    return None if s is None else s.encode("utf-8")


def _doubles(x, n=None):
    """(ctypes double pointer, keep-alive object, length) for a flat
    sequence or a numpy array (no copy when contiguous float64)."""
    if hasattr(x, "__array_interface__"):
        try:
            import numpy as np
            a = np.ascontiguousarray(x, dtype=np.float64).ravel()
            return a.ctypes.data_as(_D), a, a.size
        except ImportError:
            pass
    a = array("d", x)
    addr, length = a.buffer_info()
    return ctypes.cast(addr, _D), a, length


def _flatten(rows):
    if hasattr(rows, "__array_interface__"):
        return rows
    out = []
    for r in rows:
        out.extend(r)
    return out


class Workspace:
    """A validated HistFactory workspace: a file path, a JSON string or a dict."""

    def __init__(self, src):
        lib = load()
        self._h = _P()
        err = _Error()
        if isinstance(src, dict):
            rc = lib.hf_workspace_parse(_jsontext.text(src, _json_nan_ok), b"<dict>",
                                        ctypes.byref(self._h), ctypes.byref(err))
        elif isinstance(src, str) and src.lstrip().startswith("{"):
            rc = lib.hf_workspace_parse(src.encode(), b"<string>",
                                        ctypes.byref(self._h), ctypes.byref(err))
        else:
            rc = lib.hf_workspace_read(os.fsencode(src), ctypes.byref(self._h),
                                       ctypes.byref(err))
        _check(rc, err)

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hf_workspace_free(self._h)
            self._h = None


class Patch:
    """An RFC 6902 patch: a file (a plain patch, or a patchset with `name`),
    or a list of operations."""

    def __init__(self, src, name=None):
        lib = load()
        self._h = _P()
        err = _Error()
        if isinstance(src, (list, tuple)):
            rc = lib.hf_patch_parse(_jsontext.text(list(src), _json_nan_ok), b"<patch>",
                                    ctypes.byref(self._h), ctypes.byref(err))
        else:
            rc = lib.hf_patch_read_any(os.fsencode(src), _b(name),
                                       ctypes.byref(self._h), ctypes.byref(err))
        _check(rc, err)

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hf_patch_free(self._h)
            self._h = None


def _cls_dict(c):
    return {"CLs_obs": c.cls_obs, "CLs_exp": list(c.cls_exp), "CLsb": c.clsb,
            "CLb": c.clb}


def _limit_dict(r):
    return {"obs": r.obs, "exp": list(r.exp)}


_INTERP = {"code0": 0, "code1": 1, "code2": 2, "code4": 4, "code4p": 5}


def _set_interp(opt, settings):
    """pyhf's modifier_settings into hf_model_options; libhf refuses the
    codes it does not implement for a type (histosys code1/code4)."""
    for key, value in (settings or {}).items():
        if key not in ("normsys", "histosys"):
            raise ValueError("modifier_settings: %r has no interpolation code "
                             "(normsys, histosys)" % key)
        code = value.get("interpcode") if isinstance(value, dict) else None
        if code not in _INTERP:
            raise ValueError("modifier_settings[%r]: interpcode %r is not one of %s"
                             % (key, code, ", ".join(_INTERP)))
        setattr(opt, key + "_interp", _INTERP[code])


class Model:
    """The compiled model of a workspace with patches applied in order.
    Thread-safe: a built model is immutable in libhf."""

    def __init__(self, ws, patches=(), measurement=None, poi=None, _handle=None,
                 modifier_settings=None):
        """modifier_settings as pyhf's: {"normsys": {"interpcode": "code1"},
        "histosys": {"interpcode": "code0"}} (defaults code4 / code4p)."""
        lib = load()
        self._ws = ws  # the model may not outlive its workspace's patches
        self._h = _P()
        if _handle is not None:
            self._h = _handle
            return
        self._patches = list(patches)
        arr = (_P * max(1, len(self._patches)))(*[p._h for p in self._patches])
        opt = _ModelOptions()
        lib.hf_model_options_init(ctypes.byref(opt))
        opt.measurement = _b(measurement)
        opt.poi = _b(poi)
        _set_interp(opt, modifier_settings)
        err = _Error()
        _check(lib.hf_model_build_applied(ws._h, arr, len(self._patches), ctypes.byref(opt),
                                  ctypes.byref(self._h), ctypes.byref(err)), err)

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hf_model_free(self._h)
            self._h = None

    @property
    def par_names(self):
        n = _lib.hf_model_npars(self._h)
        return [_lib.hf_model_par_name(self._h, i).decode() for i in range(n)]

    def cls(self, mu=1.0, test_stat="qtilde"):
        """Asymptotic CLs at POI value mu on the observed data."""
        res = _ClsResult()
        err = _Error()
        _check(_lib.hf_cls_asymptotic(self._h, _lib.hf_model_data(self._h), mu,
                                      _TEST_STATS[test_stat], None, ctypes.byref(res),
                                      ctypes.byref(err)), err)
        return _cls_dict(res)

    def significance(self):
        """Discovery, as pyhf's hypotest(0, test_stat="q0"): the p-value p0
        of the background-only hypothesis, its expected band at mu = 1
        (pyhf's order) and the significances Z = norm.isf(p0)."""
        res = _SignificanceResult()
        err = _Error()
        _check(_lib.hf_significance(self._h, _lib.hf_model_data(self._h), None,
                                    ctypes.byref(res), ctypes.byref(err)), err)
        return {"p0_obs": res.p0_obs, "p0_exp": list(res.p0_exp),
                "Z_obs": res.z_obs, "Z_exp": list(res.z_exp)}

    def upper_limit(self, cl=0.95, test_stat="qtilde"):
        """Observed and expected upper limits on the POI."""
        res = _LimitResult()
        err = _Error()
        _check(_lib.hf_upper_limit(self._h, _lib.hf_model_data(self._h), cl,
                                   _TEST_STATS[test_stat], None, ctypes.byref(res),
                                   ctypes.byref(err)), err)
        return _limit_dict(res)


class Binning:
    """Bin edges per channel: a file path or a dict {"SR": [e0, ..., eN]}."""

    def __init__(self, src):
        lib = load()
        self._h = _P()
        err = _Error()
        if isinstance(src, dict):
            rc = lib.hf_binning_parse(json.dumps(src).encode(), b"<binning>",
                                      ctypes.byref(self._h), ctypes.byref(err))
        else:
            rc = lib.hf_binning_read(os.fsencode(src), ctypes.byref(self._h),
                                     ctypes.byref(err))
        _check(rc, err)

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hf_binning_free(self._h)
            self._h = None

    def fill(self, channel, scores, weights=None):
        """Histograms events of one channel: (sumw, sumw2, outside)."""
        i = _lib.hf_binning_find(self._h, channel.encode())
        if i < 0:
            raise HFError(5, "binning: no channel '%s'" % channel)
        nb = _lib.hf_binning_nbins(self._h, i)
        sp, skeep, n = _doubles(scores)
        wp, wkeep = None, None
        if weights is not None:
            wp, wkeep, nw = _doubles(weights)
            if nw != n:
                raise HFError(6, "binning: %d scores but %d weights" % (n, nw))
        sumw = (ctypes.c_double * nb)()
        sumw2 = (ctypes.c_double * nb)()
        out = _lib.hf_binning_fill(self._h, i, sp, wp, 1, n, sumw, sumw2)
        return list(sumw), list(sumw2), out


class _Spec:
    def __init__(self, channels, sample, poi, lumi, staterror):
        self.names = [c.encode() for c in channels]
        self.arr = (ctypes.c_char_p * len(self.names))(*self.names)
        self.s = _SignalSpec()
        load().hf_signal_spec_init(ctypes.byref(self.s))
        self.s.channels = self.arr
        self.s.nchannels = len(self.names)
        self.s.sample = _b(sample)
        self.s.poi = _b(poi)
        self.s.lumi = int(bool(lumi))
        self.s.staterror = int(bool(staterror))


def signal_patch(ws, channels, yields, unc=None, sample=None, poi=None, lumi=False,
                 staterror=True):
    """The RFC 6902 patch (a list) adding a signal sample to `channels`;
    yields/unc concatenated channel after channel."""
    lib = load()
    spec = _Spec(channels, sample, poi, lumi, staterror)
    yp, ykeep, n = _doubles(yields)
    up, ukeep = (None, None)
    if unc is not None:
        up, ukeep, nu = _doubles(unc)
    # libhf reads as many values as the channels have bins: check the
    # lengths here (an unknown channel is left to libhf to report)
    if not hasattr(ws, "_nbins"):
        m = Model(ws, poi="")
        ws._nbins = {lib.hf_model_channel_name(m._h, c).decode():
                     lib.hf_model_channel_nbins(m._h, c)
                     for c in range(lib.hf_model_nchannels(m._h))}
    need = sum(ws._nbins.get(c, 0) for c in channels)
    known = all(c in ws._nbins for c in channels)
    for what, k in (("yields", n), ("uncertainties", None if unc is None else nu)):
        if k is not None and (k < need or (known and k != need)):
            raise HFError(6, "signal_patch: %d %s for the %d bins of %s"
                          % (k, what, need, ", ".join(channels)))
    text = ctypes.c_void_p()
    err = _Error()
    _check(lib.hf_signal_patch(ws._h, ctypes.byref(spec.s), yp, up, ctypes.byref(text),
                               ctypes.byref(err)), err)
    try:
        return json.loads(ctypes.string_at(text).decode("utf-8"))
    finally:
        lib.free(text)


class Signal:
    """A compiled background with a signal slot in `channels` (hf_signal):
    built once, then any number of signals evaluated with no JSON."""

    def __init__(self, ws, channels, sample=None, poi=None, lumi=False, staterror=True,
                 measurement=None):
        lib = load()
        self._ws = ws  # libhf keeps a pointer to it
        spec = _Spec(channels, sample, poi, lumi, staterror)
        opt = _ModelOptions()
        lib.hf_model_options_init(ctypes.byref(opt))
        opt.measurement = _b(measurement)
        self._h = _P()
        err = _Error()
        _check(lib.hf_signal_build(ws._h, ctypes.byref(spec.s), ctypes.byref(opt),
                                   ctypes.byref(self._h), ctypes.byref(err)), err)
        self.nbins = lib.hf_signal_nbins(self._h)

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hf_signal_free(self._h)
            self._h = None

    def model(self, yields, unc=None):
        """A stand-alone Model with these yields."""
        yp, ykeep, n = _doubles(yields)
        if n != self.nbins:
            raise HFError(6, "signal: %d yields for %d bins" % (n, self.nbins))
        up, ukeep = (None, None)
        if unc is not None:
            up, ukeep, nu = _doubles(unc)
            if nu != n:
                raise HFError(6, "signal: %d uncertainties for %d bins" % (nu, n))
        h = _P()
        err = _Error()
        _check(_lib.hf_signal_model(self._h, yp, up, ctypes.byref(h), ctypes.byref(err)),
               err)
        return Model(self._ws, _handle=h)

    def cls_batch(self, yields, unc=None, mu=1.0, test_stat="qtilde", upper_limit=False,
                  cl=0.95, threads=0):
        """CLs (and limits) for K signals: yields is K rows of nbins (a list
        of lists or a (K, nbins) array).  One dict per signal; a failed
        signal has "error" instead of numbers."""
        flat = _flatten(yields)
        yp, ykeep, n = _doubles(flat)
        if self.nbins == 0 or n % self.nbins:
            raise HFError(6, "signal: %d yields is not a multiple of %d bins"
                          % (n, self.nbins))
        k = n // self.nbins
        up, ukeep = (None, None)
        if unc is not None:
            up, ukeep, nu = _doubles(_flatten(unc))
            if nu != n:
                raise HFError(6, "signal: %d uncertainties for %d yields" % (nu, n))
        opt = _batch_options(mu, test_stat, upper_limit, cl, threads)
        res = _BatchResult()
        err = _Error()
        _check(_lib.hf_signal_cls_batch(self._h, k, yp, up, ctypes.byref(opt),
                                        ctypes.byref(res), ctypes.byref(err)), err)
        return _batch_items(res, upper_limit)


def _batch_options(mu, test_stat, upper_limit, cl, threads):
    if test_stat not in _TEST_STATS:
        raise HFError(6, "test_stat must be one of %s, not %r"
                      % (", ".join(_TEST_STATS), test_stat))
    opt = _BatchOptions()
    _lib.hf_batch_options_init(ctypes.byref(opt))
    opt.test_poi = mu
    opt.ts = _TEST_STATS[test_stat]
    opt.upper_limit = int(bool(upper_limit))
    opt.cl = cl
    opt.threads = threads
    return opt


def _batch_items(res, upper_limit):
    """One dict per item of an hf_batch_result, which it then frees."""
    try:
        out = []
        for j in range(res.n):
            it = res.items[j]
            if it.status != 0:
                out.append({"error": it.err.msg.decode("utf-8", "replace")})
                continue
            d = _cls_dict(it.cls)
            if upper_limit:
                d["upper_limit"] = _limit_dict(it.limit)
            out.append(d)
        return out
    finally:
        _lib.hf_batch_result_free(ctypes.byref(res))


def cls_batch_patches(ws, patches, mu=1.0, test_stat="qtilde", upper_limit=False,
                      cl=0.95, threads=0):
    """CLs (and limits) of many signal patches (hf.Patch objects) each
    applied alone to workspace ws, in one call (hf_batch_cls_patches: the
    patches run in parallel over `threads` OpenMP threads, 0 for all
    cores, with the GIL released).  One dict per patch, as
    Signal.cls_batch."""
    load()
    patches = list(patches)
    arr = (_P * max(1, len(patches)))(*[p._h for p in patches])
    opt = _batch_options(mu, test_stat, upper_limit, cl, threads)
    res = _BatchResult()
    err = _Error()
    _check(_lib.hf_batch_cls_patches(ws._h, arr, len(patches), ctypes.byref(opt),
                                     ctypes.byref(res), ctypes.byref(err)), err)
    return _batch_items(res, upper_limit)
