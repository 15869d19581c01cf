"""pyhf.patchset: PatchSet and Patch.  A PatchSet is validated by libhf
(hf_patchset_parse) and its patches are libhf patches, so building a model
with one applies it in C with no JSON in between."""
import ctypes

from hf import _jsontext
from . import exceptions
from ._util import lib, check, err, not_provided, module_getattr

__all__ = ["Patch", "PatchSet"]
__getattr__ = module_getattr("pyhf.patchset")


class _Ops:
    """A plain RFC 6902 patch (a list of operations) as a libhf patch."""

    def __init__(self, ops):
        self.patch = list(ops)
        self._h = None

    def _handle(self):
        if self._h is None:
            try:
                text = _jsontext.text(self.patch)
            except (TypeError, ValueError) as e:
                raise exceptions.InvalidPatchSet("patch is not JSON: %s" % e) from None
            h = ctypes.c_void_p()
            e = err()
            rc = lib().hf_patch_parse(text, b"<patch>", ctypes.byref(h), ctypes.byref(e))
            check(rc, e, exceptions.InvalidPatchSet)
            self._h = h
        return self._h

    def __del__(self):
        if getattr(self, "_h", None):
            lib().hf_patch_free(self._h)
            self._h = None

    def _apply_ws(self, ws):
        from .workspace import Workspace, _as_ws
        ws = _as_ws(ws)
        h = ctypes.c_void_p()
        e = err()
        rc = lib().hf_workspace_apply(ws._handle(), self._handle(), ctypes.byref(h),
                                      ctypes.byref(e))
        check(rc, e, exceptions.InvalidPatchSet, invalid=exceptions.InvalidSpecification)
        return Workspace._from_handle(h)

    def apply(self, doc):
        """The patched document (a workspace) as a new dict."""
        return dict(self._apply_ws(doc))


def as_patch(p):
    if isinstance(p, _Ops):
        return p
    if isinstance(p, dict) and "patch" in p and "metadata" in p:
        return Patch(p)
    if hasattr(p, "patch") and not isinstance(p, (list, tuple)):
        return _Ops(p.patch)  # a jsonpatch.JsonPatch
    if isinstance(p, (list, tuple)):
        return _Ops(p)
    raise exceptions.InvalidPatchSet("a patch must be a Patch or a list of RFC 6902 "
                                     "operations, not %s" % type(p).__name__)


class Patch(_Ops):
    """pyhf.patchset.Patch: {"metadata": {"name", "values"}, "patch": [...]}."""

    def __init__(self, spec, _owner=None, _index=None):
        super().__init__(spec["patch"])
        self._metadata = spec["metadata"]
        self._owner = _owner  # the PatchSet owning the libhf patch
        if _owner is not None:
            self._h = lib().hf_patchset_patch(_owner._h, _index)

    def __del__(self):
        if self._owner is None:
            super().__del__()

    metadata = property(lambda self: self._metadata)
    name = property(lambda self: self._metadata["name"])
    values = property(lambda self: tuple(self._metadata["values"]))

    def __repr__(self):
        return "<pyhf.patchset.Patch object '%s%s' at %s>" % (self.name, self.values,
                                                            hex(id(self)))

    def __eq__(self, other):
        return isinstance(other, Patch) and self.patch == other.patch and \
            self.metadata == other.metadata

    __hash__ = object.__hash__


class PatchSet:
    """pyhf.PatchSet(spec)."""

    def __init__(self, spec, **config_kwargs):
        config_kwargs.pop("schema", None)
        self._version = config_kwargs.pop("version", spec.get("version", None)
                                          if isinstance(spec, dict) else None)
        if config_kwargs:
            raise exceptions.Unsupported("Unsupported options were passed in: %s."
                                         % list(config_kwargs))
        try:
            text = _jsontext.text(spec)
        except (TypeError, ValueError) as e:
            raise exceptions.InvalidPatchSet("patchset is not JSON: %s" % e) from None
        self._h = ctypes.c_void_p()
        e = err()
        rc = lib().hf_patchset_parse(text, b"<patchset>", ctypes.byref(self._h),
                                     ctypes.byref(e))
        if rc != 0:
            self._h = None
        check(rc, e, exceptions.InvalidPatchSet)
        self._metadata = spec["metadata"]
        self._patches = []
        self._by_key = {"name": {}, "values": {}}
        for i, p in enumerate(spec["patches"]):
            patch = Patch(p, _owner=self, _index=i)
            if patch.name in self._by_key["name"]:
                raise exceptions.InvalidPatchSet(
                    "Multiple patches were defined by name for %r." % patch)
            if patch.values in self._by_key["values"]:
                raise exceptions.InvalidPatchSet(
                    "Multiple patches were defined by values for %r." % patch)
            if len(patch.values) != len(self.labels):
                raise exceptions.InvalidPatchSet(
                    "Incompatible number of values (%d for %r in patchset. Expected %d."
                    % (len(patch.values), patch, len(self.labels)))
            self._by_key["name"][patch.name] = patch
            self._by_key["values"][patch.values] = patch
            self._patches.append(patch)

    def __del__(self):
        if getattr(self, "_h", None):
            lib().hf_patchset_free(self._h)
            self._h = None

    version = property(lambda self: self._version)
    metadata = property(lambda self: self._metadata)
    references = property(lambda self: self._metadata["references"])
    description = property(lambda self: self._metadata["description"])
    digests = property(lambda self: self._metadata["digests"])
    labels = property(lambda self: self._metadata["labels"])
    patches = property(lambda self: self._patches)

    def __repr__(self):
        n = len(self._patches)
        return "<pyhf.patchset.PatchSet object with %d patch%s at %s>" % (
            n, "es" if n != 1 else "", hex(id(self)))

    def __getitem__(self, key):
        key = tuple(key) if isinstance(key, list) else key
        try:
            return self._by_key["values" if isinstance(key, tuple) else "name"][key]
        except (KeyError, TypeError):
            raise exceptions.InvalidPatchLookup(
                'No patch associated with "%s" is defined in patchset.' % (key,)) from None

    def __iter__(self):
        return iter(self._patches)

    def __len__(self):
        return len(self._patches)

    def verify(self, spec):
        from .workspace import digest
        for alg, dig in self.digests.items():
            calc = digest(spec, algorithm=alg)
            if dig != calc:
                raise exceptions.PatchSetVerificationError(
                    "The digest verification failed for hash algorithm '%s'. "
                    "Expected: %s. Got: %s" % (alg, dig, calc))

    def apply(self, spec, key):
        self.verify(spec)
        return self[key]._apply_ws(spec)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise not_provided("PatchSet.%s" % name)
