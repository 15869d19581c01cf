"""pyhf.pdf: Model and its config, over a compiled libhf model.

The model is built once by libhf (hf_model_build); logpdf, expected data
and fits are single C calls on numpy float64 arrays.  The parameter table
(par_order, slices, inits, bounds, fixed, auxdata) is read from libhf in
pyhf's order."""
import copy
import ctypes
import json

import numpy as np

import hf as _hf
from hf import _capi
from . import exceptions
from ._util import (lib, check, vector, ptr, err, not_provided, module_getattr,
                    NotProvided)

__all__ = ["Model", "_ModelConfig"]
__getattr__ = module_getattr("pyhf.pdf")

_INTERP = {"code0": 0, "code1": 1, "code2": 2, "code4": 4, "code4p": 5}
_DEFAULT_SETTINGS = {"normsys": {"interpcode": "code4"},
                     "histosys": {"interpcode": "code4p"}}


def model_options(measurement, poi_name, modifier_settings):
    """hf_model_options from pyhf's measurement/poi_name/modifier_settings."""
    opt = _capi._ModelOptions()
    lib().hf_model_options_init(ctypes.byref(opt))
    opt.measurement = None if measurement is None else measurement.encode()
    opt.poi = b"" if poi_name is None else poi_name.encode()
    settings = modifier_settings or _DEFAULT_SETTINGS
    if not isinstance(settings, dict) or not all(isinstance(v, dict)
                                                 for v in settings.values()):
        raise exceptions.Unsupported("modifier_settings must be a dict such as "
                                     "{'normsys': {'interpcode': 'code4'}}, not %r"
                                     % (settings,))
    for key, field in (("normsys", "normsys_interp"), ("histosys", "histosys_interp")):
        code = settings.get(key, _DEFAULT_SETTINGS[key]).get("interpcode")
        if code not in _INTERP:
            raise exceptions.InvalidInterpCode(
                "%s interpcode %r: hf supports %s" % (key, code, ", ".join(_INTERP)))
        setattr(opt, field, _INTERP[code])
    for key in settings:
        if key not in _DEFAULT_SETTINGS:
            raise exceptions.Unsupported("modifier_settings[%r]: only normsys and "
                                         "histosys interpolation codes are set" % key)
    return opt


class _ParamSet:
    """pyhf.parameters.paramset as read from libhf."""

    def __init__(self, cfg, ps):
        s = slice(ps.offset, ps.offset + ps.n)
        self.name = ps.name.decode()
        self.n_parameters = ps.n
        self.is_scalar = ps.type.decode() in ("normfactor", "lumi", "normsys",
                                              "histosys") and ps.n == 1
        self.suggested_init = cfg._init[s].tolist()
        self.suggested_bounds = [tuple(b) for b in cfg._bounds[s].tolist()]
        self.suggested_fixed = [bool(f) for f in cfg._fixed[s]]
        self.constrained = ps.constrained != 0
        self.is_shared = True
        if ps.aux_offset >= 0:
            a = slice(ps.aux_offset, ps.aux_offset + ps.n)
            self.auxdata = cfg._aux[a].tolist()
            if ps.constrained == 1:
                self.pdf_type = "normal"
                self.sigmas = cfg._sigmas[a].tolist()
            else:
                self.pdf_type = "poisson"
                self.factors = self.auxdata[:]

    @property
    def suggested_fixed_as_bool(self):
        first = self.suggested_fixed[0]
        if all(x == first for x in self.suggested_fixed):
            return first
        raise RuntimeError("%s is neither all-True nor all-False, so not compressible"
                           % self.suggested_fixed)

    def width(self):
        if getattr(self, "pdf_type", None) == "poisson":
            return np.sqrt(1.0 / np.asarray(self.factors)).tolist()
        return getattr(self, "sigmas", [1.0] * self.n_parameters)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise not_provided("paramset.%s" % name)


class _ModelConfig:
    """pyhf's model.config, read from a built libhf model."""

    def __init__(self, model, modifier_settings):
        L = lib()
        h = model._h
        self._model = model
        self.modifier_settings = modifier_settings or copy.deepcopy(_DEFAULT_SETTINGS)
        self.npars = L.hf_model_npars(h)
        n = self.npars
        self._init = np.ctypeslib.as_array(L.hf_model_inits(h), (n,)).copy() if n else np.zeros(0)
        lo = np.ctypeslib.as_array(L.hf_model_lower(h), (n,)) if n else np.zeros(0)
        hi = np.ctypeslib.as_array(L.hf_model_upper(h), (n,)) if n else np.zeros(0)
        self._bounds = np.stack([lo, hi], axis=1) if n else np.zeros((0, 2))
        fx = L.hf_model_fixed(h)
        self._fixed = [bool(fx[i]) for i in range(n)]
        self.nauxdata = L.hf_model_naux(h)
        na = self.nauxdata
        self._aux = np.ctypeslib.as_array(L.hf_model_auxdata(h), (na,)).copy() if na else np.zeros(0)
        self._sigmas = np.ctypeslib.as_array(L.hf_model_sigmas(h), (na,)).copy() if na else np.zeros(0)
        self.nmaindata = L.hf_model_nmain(h)
        self._par_names = [L.hf_model_par_name(h, i).decode() for i in range(n)]
        self.par_map = {}
        self._par_order = []
        aux_sets = []
        for k in range(L.hf_model_nparsets(h)):
            ps = _capi._Parset()
            L.hf_model_parset(h, k, ctypes.byref(ps))
            p = _ParamSet(self, ps)
            self._par_order.append(p.name)
            self.par_map[p.name] = {"slice": slice(ps.offset, ps.offset + ps.n),
                                    "paramset": p}
            if ps.aux_offset >= 0:
                aux_sets.append((ps.aux_offset, p.name))
        self.auxdata_order = [name for _, name in sorted(aux_sets)]
        self.parameters = sorted(self.par_map)
        poi = L.hf_model_poi(h)
        self._poi_index = None if poi < 0 else poi
        self._poi_name = None
        if poi >= 0:
            self._poi_name = next(k for k, v in self.par_map.items()
                                  if v["slice"].start == poi)
        nch = L.hf_model_nchannels(h)
        self._channels = [L.hf_model_channel_name(h, c).decode() for c in range(nch)]
        self._channel_nbins = {self._channels[c]: L.hf_model_channel_nbins(h, c)
                               for c in range(nch)}
        self._channel_slices = {}
        for c in range(nch):
            o = L.hf_model_channel_offset(h, c)
            self._channel_slices[self._channels[c]] = slice(
                o, o + self._channel_nbins[self._channels[c]])

    # --- pyhf's properties
    par_order = property(lambda self: self._par_order[:])
    poi_name = property(lambda self: self._poi_name)
    poi_index = property(lambda self: self._poi_index)
    auxdata = property(lambda self: self._aux.tolist())
    channels = property(lambda self: self._channels[:])
    channel_nbins = property(lambda self: dict(self._channel_nbins))
    channel_slices = property(lambda self: dict(self._channel_slices))
    par_names = property(lambda self: self._par_names[:])

    @property
    def samples(self):
        return sorted({s["name"] for c in self._model.spec["channels"]
                       for s in c["samples"]})

    @property
    def modifiers(self):
        return sorted({(m["name"], m["type"]) for c in self._model.spec["channels"]
                       for s in c["samples"] for m in s["modifiers"]})

    def suggested_init(self):
        return self._init.tolist()

    def suggested_bounds(self):
        return [tuple(b) for b in self._bounds.tolist()]

    def suggested_fixed(self):
        return self._fixed[:]

    def par_slice(self, name):
        return self.par_map[name]["slice"]

    def param_set(self, name):
        return self.par_map[name]["paramset"]

    def set_poi(self, name):
        """Makes `name` the POI (None: no POI): libhf rebuilds the model."""
        if name is not None:
            if name not in self.par_map:
                raise exceptions.InvalidModel(
                    "The parameter of interest '%s' cannot be fit as it is not declared "
                    "in the model specification." % name)
            if self.param_set(name).n_parameters > 1:
                raise exceptions.InvalidModel(
                    "The parameter '%s' contains multiple components and is not "
                    "currently supported as parameter of interest." % name)
        self._model._rebuild(name)

    def __getattr__(self, name):
        if name.startswith("__") or name.startswith("_"):
            raise AttributeError(name)
        raise not_provided("model.config.%s" % name)


def _ws_of_model_spec(spec, poi_name):
    """A workspace document for a bare model spec (pyhf.Model(spec)):
    libhf builds models from workspaces, so add zero observations and a
    measurement holding the spec's parameter configs."""
    try:
        chans = spec["channels"]
        obs = [{"name": c["name"], "data": [0.0] * len(c["samples"][0]["data"])}
               for c in chans]
    except (KeyError, IndexError, TypeError) as e:
        raise exceptions.InvalidSpecification(
            "model spec: channels must be a list of channels with samples (%s: %s)"
            % (type(e).__name__, e)) from None
    return {"channels": chans, "observations": obs, "version": "1.0.0",
            "measurements": [{"name": "hf_model", "config": {
                "poi": poi_name or "", "parameters": spec.get("parameters", [])}}]}


class Model:
    """pyhf.Model: Model(spec, poi_name=None, modifier_settings=None, validate=True)."""

    def __init__(self, spec, modifier_set=None, batch_size=None, validate=True,
                 clip_sample_data=None, clip_bin_data=None, **config_kwargs):
        if modifier_set is not None:
            raise not_provided("Model(modifier_set=...) (custom modifiers)")
        if batch_size is not None:
            raise not_provided("Model(batch_size=...) (use hf.Signal.cls_batch)")
        if clip_sample_data is not None or clip_bin_data is not None:
            raise not_provided("Model(clip_sample_data/clip_bin_data)")
        config_kwargs.pop("schema", None)
        config_kwargs.pop("version", None)
        poi_name = config_kwargs.pop("poi_name", None)
        poi_name = None if poi_name == "" else poi_name
        settings = config_kwargs.pop("modifier_settings", None)
        if config_kwargs:
            raise exceptions.Unsupported("Unsupported options were passed in: %s."
                                         % list(config_kwargs))
        from .workspace import Workspace
        ws = Workspace(_ws_of_model_spec(spec, poi_name))
        self._init_from(ws, (), None, poi_name, settings)
        self._spec = copy.deepcopy(spec)

    @classmethod
    def _build(cls, ws, patches, measurement, poi_name, settings):
        self = cls.__new__(cls)
        self._init_from(ws, patches, measurement, poi_name, settings)
        return self

    def _rebuild(self, poi_name):
        ws, patches, measurement, settings = self._args
        old = self._config
        self._free()
        self._init_from(ws, patches, measurement, poi_name, settings)
        old.__dict__.update(self._config.__dict__)  # config objects held stay current
        self._config = old

    def _init_from(self, ws, patches, measurement, poi_name, settings):
        L = lib()
        self._args = (ws, patches, measurement, settings)
        opt = model_options(measurement, poi_name, settings)
        self._ws = ws
        self._patches = list(patches)
        self._spec = None
        arr = (ctypes.c_void_p * max(1, len(self._patches)))(
            *[p._handle() for p in self._patches])
        self._h = ctypes.c_void_p()
        e = err()
        rc = L.hf_model_build(ws._handle(), arr, len(self._patches), ctypes.byref(opt),
                              ctypes.byref(self._h), ctypes.byref(e))
        if rc != 0:
            self._h = None
            msg = e.msg.decode("utf-8", "replace")
            if "poi" in msg.lower() or "parameter of interest" in msg.lower():
                raise exceptions.InvalidModel(msg)
            check(rc, e, exceptions.InvalidModel, patch=exceptions.InvalidPatchSet,
                  notfound=exceptions.InvalidModel)
        self.batch_size = None
        self.schema = "model.json"
        self.version = None
        self._npars = L.hf_model_npars(self._h)
        self._ndata = L.hf_model_ndata(self._h)
        self._nmain = L.hf_model_nmain(self._h)
        self._work_size = max(1, L.hf_model_work_size(self._h))
        self._config = _ModelConfig(self, settings)
        self._views = {}

    def _free(self):
        h = getattr(self, "_h", None)
        if h:
            for v in getattr(self, "_views", {}).values():
                lib().hf_model_free(v)
            self._views = {}
            lib().hf_model_free(h)
            self._h = None

    def __del__(self):
        self._free()

    @property
    def config(self):
        return self._config

    @property
    def spec(self):
        """The model spec ({"channels", "parameters"}) after the patches."""
        if self._spec is None:
            ws = self._ws
            for p in self._patches:
                ws = p._apply_ws(ws)
            m = ws.get_measurement(measurement_name=getattr(self, "_measurement", None))
            self._spec = {"channels": ws["channels"],
                          "parameters": m["config"]["parameters"]}
        return self._spec

    # --- evaluation
    def _pars(self, pars):
        return vector(pars, self._npars, "pars", exceptions.InvalidPdfParameters)

    def _work(self):
        return np.empty(self._work_size)

    def logpdf(self, pars, data):
        """log-likelihood of data at pars, shape (1,) as pyhf's."""
        p = self._pars(pars)
        d = vector(data, self._ndata, "data", exceptions.InvalidPdfData)
        w = self._work()  # kept referenced: C gets its address only
        v = lib().hf_model_logpdf(self._h, ptr(p), ptr(d), ptr(w))
        return np.array([v])

    def pdf(self, pars, data):
        return np.exp(self.logpdf(pars, data))

    def expected_data(self, pars, include_auxdata=True):
        p = self._pars(pars)
        if not include_auxdata:
            return self.expected_actualdata(p)
        out = np.empty(self._ndata)
        w = self._work()
        lib().hf_model_expected_data(self._h, ptr(p), ptr(out), ptr(w))
        return out

    def expected_actualdata(self, pars):
        p = self._pars(pars)
        out = np.empty(self._nmain)
        w = self._work()
        lib().hf_model_expected(self._h, ptr(p), ptr(out), ptr(w))
        return out

    def expected_auxdata(self, pars):
        return self.expected_data(pars)[self._nmain:]

    def mainlogpdf(self, maindata, pars):
        raise not_provided("Model.mainlogpdf (use Model.logpdf)")

    def constraint_logpdf(self, auxdata, pars):
        raise not_provided("Model.constraint_logpdf (use Model.logpdf)")

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_provided("Model.%s" % name)

    # --- views with other inits/bounds/fixed (hf_model_with_pars)
    def _view(self, init_pars, par_bounds, fixed_params):
        """The libhf model handle honouring pyhf's init_pars, par_bounds and
        fixed_params (None: the model's own)."""
        if init_pars is None and par_bounds is None and fixed_params is None:
            return self._h
        n = self._npars
        init = None if init_pars is None else vector(
            init_pars, n, "init_pars", exceptions.InvalidPdfParameters)
        lo = hi = None
        if par_bounds is not None:
            try:
                b = np.asarray(par_bounds, dtype=np.float64)
            except (TypeError, ValueError) as e:
                raise exceptions.InvalidPdfParameters("par_bounds: %s" % e) from None
            if b.shape != (n, 2):
                raise exceptions.InvalidPdfParameters(
                    "par_bounds has shape %s but (%d, 2) was expected" % (b.shape, n))
            lo = np.ascontiguousarray(b[:, 0])
            hi = np.ascontiguousarray(b[:, 1])
        fx = None
        if fixed_params is not None:
            f = list(fixed_params)
            if len(f) != n:
                raise exceptions.InvalidPdfParameters(
                    "fixed_params has length %d but %d was expected" % (len(f), n))
            fx = (ctypes.c_ubyte * n)(*[1 if x else 0 for x in f])
        key = (None if init is None else init.tobytes(),
               None if lo is None else lo.tobytes() + hi.tobytes(),
               None if fx is None else bytes(fx))
        v = self._views.get(key)
        if v is None:
            v = ctypes.c_void_p()
            e = err()
            rc = lib().hf_model_with_pars(
                self._h, None if init is None else ptr(init),
                None if lo is None else ptr(lo), None if hi is None else ptr(hi),
                fx, ctypes.byref(v), ctypes.byref(e))
            check(rc, e, exceptions.InvalidPdfParameters)
            if len(self._views) > 64:  # a scan over many inits must not grow without end
                for old in self._views.values():
                    lib().hf_model_free(old)
                self._views.clear()
            self._views[key] = v
        return v
