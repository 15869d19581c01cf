"""_jsontext.py - the JSON text of a dict or list for libhf to parse.

A spec handed over as a Python object has to become text again (libhf
validates and compiles text): on a published likelihood that is a
megabyte of numbers, and json.dumps spends most of its time formatting
floats.  ujson (Debian's python3-ujson, optional) writes the same values
(floats by their shortest round-trip form, as repr) about twice as fast.
Whatever ujson refuses or writes differently from json (NaN and
infinities, numpy scalars other than float64, lone surrogates, bool or
None keys are refused by libhf's validation either way) goes through the
json module, so results and error messages stay json's."""
import json

try:
    import ujson as _ujson
except ImportError:  # optional: only slower without it
    _ujson = None


def _plain(obj):
    return json.dumps(obj, allow_nan=False, ensure_ascii=False,
                      check_circular=False, separators=(",", ":")).encode("utf-8")


def text(obj, fallback=_plain):
    """UTF-8 JSON text of obj; fallback(obj) (json's, with NaN refused,
    by default) wherever ujson cannot be used.  Raises what fallback
    raises (TypeError, ValueError for json.dumps)."""
    if _ujson is not None:
        try:
            return _ujson.dumps(obj, ensure_ascii=False, escape_forward_slashes=False,
                                allow_nan=False, reject_bytes=True).encode("utf-8")
        except (TypeError, ValueError, OverflowError, UnicodeEncodeError):
            pass
    return fallback(obj)
