"""Workspace(spec) built again from the same dict reuses the JSON text of
the previous build (python/hf/pyhf/workspace.py): a change made to the dict
in place in between must still be seen.  Expected values are the
demo workspace's observations, edited by hand."""
import copy
import json
import os

import hf.pyhf as pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "workspaces", "demo", "BkgOnly.json")


def _data(spec):
    ws = pyhf.Workspace(spec)
    return list(ws.data(ws.model(poi_name=None), include_auxdata=False))


def test_in_place_edits_are_seen():
    with open(DEMO) as f:
        spec = json.load(f)
    assert _data(spec) == [158.0, 101.0, 19.0, 10.0, 6.0]
    assert _data(spec) == [158.0, 101.0, 19.0, 10.0, 6.0]  # snapshot taken
    assert _data(spec) == [158.0, 101.0, 19.0, 10.0, 6.0]  # text reused
    spec["observations"][1]["data"][0] = 25.0
    assert _data(spec) == [158.0, 101.0, 25.0, 10.0, 6.0]
    assert _data(spec) == [158.0, 101.0, 25.0, 10.0, 6.0]
    other = copy.deepcopy(spec)
    other["observations"][1]["data"][0] = 19.0
    assert _data(other) == [158.0, 101.0, 19.0, 10.0, 6.0]
    assert _data(spec) == [158.0, 101.0, 25.0, 10.0, 6.0]
    del spec["observations"][1]["data"][2]
    try:
        pyhf.Workspace(spec)
    except pyhf.exceptions.InvalidSpecification:
        pass
    else:
        raise AssertionError("a spec made invalid in place was accepted")
