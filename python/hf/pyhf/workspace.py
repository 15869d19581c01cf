"""pyhf.workspace: Workspace, a dict of the spec backed by a libhf
workspace (validated once; models built from it in C, patches applied in
C).  The operations pyhf does in Python (sorted, prune, rename, combine,
digest) are libhf's implementations of pyhf's."""
import ctypes
import json
import os

from hf import _capi, _jsontext
from . import exceptions
from ._util import lib, check, err, not_provided, module_getattr

__all__ = ["Workspace"]
__getattr__ = module_getattr("pyhf.workspace")


def _dump(h):
    """The document of a libhf workspace handle, as a dict."""
    L = lib()
    text = L.hf_workspace_dump(h, 0)
    if not text:
        raise MemoryError("hf: out of memory dumping a workspace")
    try:
        return json.loads(ctypes.string_at(text).decode("utf-8"))
    finally:
        _libc_free(text)


def _libc_free(p):
    lib().free(p)


# The text of the last spec dict made into a Workspace, kept for the next
# Workspace of the same dict: recasting code (spey, SModelS) builds
# pyhf.Workspace(background) again for every signal, and json.dumps of a
# large spec (even with ujson) costs about as much as libhf's parse and
# build together.  (spec, snapshot, text): the text is reused only for the
# same dict object still equal to the snapshot (json.loads of the text, taken the second time
# the dict is seen, so a single use pays nothing), so a change made in
# place is seen.  Python's == takes 1 and 1.0 as equal: a value replaced
# in place by an equal one of another type keeps the old text (the same
# numbers).  One tuple, read and replaced whole, so threads see a
# consistent entry.
_last_spec = (None, None, None)


def _spec_text(spec):
    last = _last_spec
    if last[0] is spec and last[1] is not None and spec == last[1]:
        return last[2]
    text = _jsontext.text(spec)
    globals()["_last_spec"] = (spec, json.loads(text) if last[0] is spec else None,
                               text)
    return text


def parse_workspace(spec, name=b"<workspace>"):
    """A libhf workspace handle of a spec dict; InvalidSpecification."""
    try:
        text = _spec_text(spec)
    except (TypeError, ValueError) as e:
        raise exceptions.InvalidSpecification("workspace is not JSON: %s" % e) from None
    h = ctypes.c_void_p()
    e = err()
    rc = lib().hf_workspace_parse(text, name, ctypes.byref(h), ctypes.byref(e))
    check(rc, e, exceptions.InvalidSpecification)
    return h


class Workspace(dict):
    """pyhf.Workspace(spec, validate=True)."""

    def __init__(self, spec, validate=True, **config_kwargs):
        self.schema = config_kwargs.pop("schema", "workspace.json")
        if not isinstance(spec, dict):
            raise exceptions.InvalidSpecification(
                "workspace spec must be a dict, not %s" % type(spec).__name__)
        self.version = config_kwargs.pop("version", spec.get("version", None))
        if config_kwargs:
            raise exceptions.Unsupported("Unsupported options were passed in: %s."
                                         % list(config_kwargs))
        super().__init__(spec)
        self._h = parse_workspace(spec) 
        self._summary = None

    @classmethod
    def _from_handle(cls, h):
        self = dict.__new__(cls)
        dict.__init__(self, _dump(h))
        self.schema = "workspace.json"
        self.version = self.get("version")
        self._h = h
        self._summary = None
        return self

    def _handle(self):
        return self._h

    def __del__(self):
        h = getattr(self, "_h", None)
        if h:
            lib().hf_workspace_free(h)
            self._h = None

    __hash__ = None

    def __eq__(self, other):
        return isinstance(other, Workspace) and dict(self) == dict(other)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return object.__repr__(self)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_provided("Workspace.%s" % name)

    # --- summaries (pyhf's _ChannelSummaryMixin and observations)
    @property
    def measurement_names(self):
        return [m["name"] for m in self.get("measurements", [])]

    @property
    def observations(self):
        return {o["name"]: o["data"] for o in self["observations"]}

    @property
    def channels(self):
        return sorted({c["name"] for c in self["channels"]})

    @property
    def samples(self):
        return sorted({s["name"] for c in self["channels"] for s in c["samples"]})

    @property
    def modifiers(self):
        return sorted({(m["name"], m["type"]) for c in self["channels"]
                       for s in c["samples"] for m in s["modifiers"]})

    @property
    def parameters(self):
        return sorted({m["name"] for c in self["channels"]
                       for s in c["samples"] for m in s["modifiers"]})

    @property
    def channel_nbins(self):
        nb = {c["name"]: len(c["samples"][0]["data"]) for c in self["channels"]}
        return {c: nb[c] for c in sorted(nb)}

    @property
    def channel_slices(self):
        out, begin = {}, 0
        for c, n in self.channel_nbins.items():
            out[c] = slice(begin, begin + n)
            begin += n
        return out

    # --- models and data
    def get_measurement(self, measurement_name=None, measurement_index=None):
        names = self.measurement_names
        if not names:
            raise exceptions.InvalidMeasurement("No measurements have been defined.")
        if measurement_name is not None:
            if measurement_name not in names:
                raise exceptions.InvalidMeasurement(
                    "no measurement by name '%s' was found in the workspace, pick "
                    "from one of the valid ones above" % measurement_name)
            return self["measurements"][names.index(measurement_name)]
        idx = 0 if measurement_index is None else measurement_index
        try:
            return self["measurements"][idx]
        except (IndexError, TypeError):
            raise exceptions.InvalidMeasurement(
                "The measurement index %s is out of bounds as only %d measurement(s) "
                "have been defined." % (idx, len(names))) from None

    def model(self, measurement_name=None, measurement_index=None, patches=None,
              **config_kwargs):
        """The Model of a measurement with patches (Patch objects or lists
        of RFC 6902 operations) applied to {"channels", "parameters"}."""
        from .pdf import Model
        from .patchset import as_patch
        meas = self.get_measurement(measurement_name=measurement_name,
                                    measurement_index=measurement_index)
        poi_name = config_kwargs.pop("poi_name", meas["config"]["poi"])
        poi_name = None if poi_name == "" else poi_name
        settings = config_kwargs.pop("modifier_settings", None)
        for k in ("batch_size", "modifier_set", "clip_sample_data", "clip_bin_data"):
            if config_kwargs.get(k) is not None:
                raise not_provided("Workspace.model(%s=...)" % k)
            config_kwargs.pop(k, None)
        config_kwargs.pop("validate", None)
        if config_kwargs:
            raise exceptions.Unsupported("Unsupported options were passed in: %s."
                                         % list(config_kwargs))
        ps = [as_patch(p) for p in (patches or [])]
        m = Model._build(self, ps, meas["name"], poi_name, settings)
        m._measurement = meas["name"]
        return m

    def data(self, model, include_auxdata=True):
        obs = self.observations
        data = []
        for c in model.config.channels:
            data += obs[c]  # KeyError for a channel without observations, as pyhf
        if include_auxdata:
            data += model.config.auxdata
        return data

    # --- operations
    def _prune_and_rename(self, prune=None, rename=None):
        prune, rename = prune or {}, rename or {}
        e = _capi._WsEdit()
        lib().hf_ws_edit_init(ctypes.byref(e))
        keep = []
        for kind in ("modifiers", "modifier_types", "samples", "channels", "measurements"):
            names = [n.encode() for n in (prune.get(kind) or [])]
            arr = (ctypes.c_char_p * max(1, len(names)))(*names)
            keep.append(arr)
            setattr(e, "prune_" + kind, arr)
            setattr(e, "n_prune_" + kind, len(names))
        for kind in ("modifiers", "samples", "channels", "measurements"):
            pairs = []
            for old, new in (rename.get(kind) or {}).items():
                pairs += [old.encode(), new.encode()]
            arr = (ctypes.c_char_p * max(1, len(pairs)))(*pairs)
            keep.append(arr)
            setattr(e, "rename_" + kind, arr)
            setattr(e, "n_rename_" + kind, len(pairs) // 2)
        h = ctypes.c_void_p()
        er = err()
        rc = lib().hf_workspace_prune_rename(self._h, ctypes.byref(e), ctypes.byref(h),
                                             ctypes.byref(er))
        check(rc, er, exceptions.InvalidWorkspaceOperation,
              invalid=exceptions.InvalidSpecification)
        return Workspace._from_handle(h)

    def prune(self, modifiers=None, modifier_types=None, samples=None, channels=None,
              measurements=None):
        return self._prune_and_rename(prune={
            "modifiers": modifiers, "modifier_types": modifier_types,
            "samples": samples, "channels": channels, "measurements": measurements})

    def rename(self, modifiers=None, samples=None, channels=None, measurements=None):
        return self._prune_and_rename(rename={
            "modifiers": modifiers, "samples": samples, "channels": channels,
            "measurements": measurements})

    @classmethod
    def combine(cls, left, right, join="none", merge_channels=False, validate=True):
        if join not in ("none", "inner", "outer", "left outer", "right outer"):
            raise ValueError("Workspaces must be joined using one of the valid join "
                             "operations (['none', 'inner', 'outer', 'left outer', "
                             "'right outer']); not %s" % join)
        if merge_channels and join not in ("outer", "left outer", "right outer"):
            raise ValueError("You can only merge channels using the 'outer', 'left "
                             "outer', or 'right outer' join operations; not %s" % join)
        if join == "inner":
            raise not_provided("Workspace.combine(join='inner')")
        left, right = _as_ws(left), _as_ws(right)
        h = ctypes.c_void_p()
        er = err()
        rc = lib().hf_workspace_combine(left._h, right._h,
                                        None if join == "none" else join.encode(),
                                        int(bool(merge_channels)), ctypes.byref(h),
                                        ctypes.byref(er))
        check(rc, er, exceptions.InvalidWorkspaceOperation, arg=ValueError)
        return cls._from_handle(h)

    @classmethod
    def sorted(cls, workspace):
        h = ctypes.c_void_p()
        er = err()
        rc = lib().hf_workspace_sorted(_as_ws(workspace)._h, ctypes.byref(h),
                                       ctypes.byref(er))
        check(rc, er, exceptions.InvalidWorkspaceOperation)
        return cls._from_handle(h)

    @classmethod
    def build(cls, model, data, name="measurement", validate=True):
        raise not_provided("Workspace.build")

    def digest(self, algorithm="sha256"):
        """pyhf.utils.digest(workspace, algorithm) (also Workspace.digest)."""
        return digest(self, algorithm)


def _as_ws(x):
    return x if isinstance(x, Workspace) else Workspace(x)


def digest(obj, algorithm="sha256"):
    """pyhf.utils.digest: the hex digest of json.dumps(obj, sort_keys=True,
    ensure_ascii=False) by hashlib's `algorithm`."""
    import hashlib
    try:
        stringified = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")
    except TypeError:
        raise ValueError("The supplied object is not JSON-serializable for "
                         "calculating a hash.") from None
    try:
        hash_alg = getattr(hashlib, algorithm)
    except AttributeError:
        raise ValueError("%s is not an algorithm provided by Python's hashlib "
                         "library." % algorithm) from None
    return hash_alg(stringified).hexdigest()
