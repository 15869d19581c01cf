"""hf.Model.significance and modifier_settings against pyhf 0.7.6's
converged results on the small models of tests/parity (refs.json, made
by tests/parity/make_refs.py; see tests/test_parity.c for the tolerances),
and hf.pyhf's hypotest(test_stat="q0") agreeing with it."""
import json
import os

import pytest

import hf
import hf.pyhf as pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFS = json.load(open(os.path.join(ROOT, "tests", "parity", "refs.json")))
CASES = {c["name"]: c for c in REFS["models"]}
CODE10 = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}


def _ws(name):
    return hf.Workspace(os.path.join(ROOT, CASES[name]["workspace"]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_significance(name):
    ref = CASES[name]["q0"]
    tol = max(1e-6, ref["minuit_maxdiff"])
    s = hf.Model(_ws(name)).significance()
    assert set(s) == {"p0_obs", "p0_exp", "Z_obs", "Z_exp"}
    assert abs(s["p0_obs"] - ref["p0_obs"]) <= tol
    assert all(abs(a - b) <= tol for a, b in zip(s["p0_exp"], ref["p0_exp"]))
    assert abs(s["Z_obs"] - ref["Z_obs"]) <= 1e-4


@pytest.mark.parametrize("name", ["normsys", "histosys", "mixed"])
def test_modifier_settings(name):
    ref = CASES[name]["code1_code0"]
    m = hf.Model(_ws(name), modifier_settings=CODE10)
    assert abs(m.cls(1.0)["CLs_obs"] - ref["CLs_obs"]) <= 1e-6
    # the default codes give another number: the settings are not ignored
    assert abs(hf.Model(_ws(name)).cls(1.0)["CLs_obs"] - ref["CLs_obs"]) > 1e-5


def test_modifier_settings_refused():
    with pytest.raises(ValueError):
        hf.Model(_ws("normsys"), modifier_settings={"normsys": {"interpcode": "code9"}})
    with pytest.raises(ValueError):
        hf.Model(_ws("normsys"), modifier_settings={"shapesys": {"interpcode": "code0"}})
    with pytest.raises(hf.HFError):
        hf.Model(_ws("histosys"), modifier_settings={"histosys": {"interpcode": "code1"}})


def test_pyhf_q0_matches():
    spec = json.load(open(os.path.join(ROOT, CASES["mixed"]["workspace"])))
    ws = pyhf.Workspace(spec)
    m = ws.model()
    p0, p0_exp = pyhf.infer.hypotest(0.0, ws.data(m), m, test_stat="q0",
                                     return_expected_set=True)
    s = hf.Model(_ws("mixed")).significance()
    assert abs(float(p0) - s["p0_obs"]) <= 1e-9
    assert all(abs(float(a) - b) <= 1e-9 for a, b in zip(p0_exp, s["p0_exp"]))
