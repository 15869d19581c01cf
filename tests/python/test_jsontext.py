"""The text a spec dict becomes for libhf (hf/_jsontext.py): with ujson it
must carry exactly the values json.dumps writes (same numbers to the last
bit, same int/float kinds, which the digest depends on), and what ujson
cannot write must fail as json.dumps fails."""
import ctypes
import glob
import json
import os

import pytest

import hf
import hf.pyhf as pyhf
from hf import _capi, _jsontext

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "..", "shared", "workspaces")


def _kinds(o):
    if isinstance(o, dict):
        return {k: _kinds(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_kinds(v) for v in o]
    return type(o).__name__


def _specs():
    paths = [os.path.join(ROOT, "workspaces", "demo", "BkgOnly.json")]
    paths += sorted(glob.glob(os.path.join(SHARED, "*", "*", "BkgOnly.json")))[:6]
    return paths


@pytest.mark.parametrize("path", _specs(), ids=os.path.basename)
def test_same_values_and_digest(path, monkeypatch):
    if _jsontext._ujson is None:
        pytest.skip("python3-ujson is not installed: json.dumps is the only path")
    with open(path) as f:
        spec = json.load(f)
    fast = _jsontext.text(spec)
    back = json.loads(fast)
    assert back == spec and _kinds(back) == _kinds(spec)
    d_fast = _c_digest(pyhf.Workspace(spec))
    monkeypatch.setattr(_jsontext, "_ujson", None)
    assert json.loads(_jsontext.text(spec)) == back
    assert _c_digest(pyhf.Workspace(spec)) == d_fast


def _c_digest(ws):
    """libhf's digest of the workspace it parsed (pyhf's, from libhf's own
    serialisation of the parsed tree: it sees int vs float)."""
    buf = ctypes.create_string_buffer(200)
    e = _capi._Error()
    rc = hf.load().hf_workspace_digest(ws._handle(), b"sha256", buf, len(buf), ctypes.byref(e))
    assert rc == 0, e.msg
    return buf.value


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object()])
def test_refused_as_json_refuses(bad, monkeypatch):
    spec = {"channels": [], "x": [1.0, bad]}
    with pytest.raises((TypeError, ValueError)) as fast:
        _jsontext.text(spec)
    monkeypatch.setattr(_jsontext, "_ujson", None)
    with pytest.raises((TypeError, ValueError)) as plain:
        _jsontext.text(spec)
    assert str(fast.value) == str(plain.value)
