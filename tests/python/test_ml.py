"""hf.ml.Classifier: the bundled ONNX network against the outputs numpy
computed for it (tests/ml/generate.py), and refusals."""
import csv
import os

import numpy as np
import pytest

import hf
import hf.ml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ML = os.path.join(ROOT, "tests", "ml")


def rows(name, skip=0):
    with open(os.path.join(ML, name)) as f:
        r = csv.reader(f)
        next(r)
        return np.array([[float(v) for v in row[skip:]] for row in r])


def test_mlp_matches_numpy():
    clf = hf.ml.Classifier(os.path.join(ML, "mlp.onnx"),
                           preprocessing=os.path.join(ML, "mlp.prep.json"))
    assert clf.format == "onnx"
    assert clf.features == ["pt", "eta", "phi", "met", "ht"]
    assert clf.outputs == ["p_signal"]
    x = rows("events.csv", skip=2)
    out = clf(x)
    want = rows("mlp_expected.csv")
    assert out.shape == want.shape
    assert np.max(np.abs(out - want) / want) < 1e-6
    assert clf(x[:2].tolist()).shape == (2, 1)


def test_refusals():
    with pytest.raises(hf.HFError, match="operator 'Sin'"):
        hf.ml.Classifier(os.path.join(ML, "unsupported.onnx"))
    clf = hf.ml.Classifier(os.path.join(ML, "tmva_grad.xml"))
    with pytest.raises(ValueError):
        clf([[1.0, 2.0, 3.0]])
    with pytest.raises(hf.HFError, match="is nan"):
        clf([[float("nan"), 1.0]])
