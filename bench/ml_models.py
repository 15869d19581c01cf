#!/usr/bin/python3
"""Makes the models bench/bench_ml.sh times, into the folder given
(Debian's python3 with python3-onnx, python3-numpy, python3-xgboost):

    /usr/bin/python3 bench/ml_models.py OUTDIR

  mlp20.onnx   20 features -> 3 hidden layers of 64 (Gemm + Relu) -> sigmoid
  bdt500.json  XGBoost binary:logistic, 500 trees of depth 6, 20 features
  bdt500.xml   the same trees as a TMVA gradient-boosted BDT weight file
               (TMVA's output is tanh of the margin XGBoost sums)
  events.f32   1,000,000 events x 20 float32 features, raw little-endian
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
F, H, N = 20, 64, 1_000_000


def mlp():
    nodes, inits, prev, width = [], [], "x", F
    for k in range(3):
        w = rng.normal(0, 1 / np.sqrt(width), (width, H)).astype(np.float32)
        b = rng.normal(0, 0.1, H).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
        nodes += [helper.make_node("Gemm", [prev, f"w{k}", f"b{k}"], [f"h{k}"], name=f"dense{k}"),
                  helper.make_node("Relu", [f"h{k}"], [f"a{k}"], name=f"relu{k}")]
        prev, width = f"a{k}", H
    w = rng.normal(0, 1 / 8, (H, 1)).astype(np.float32)
    inits += [numpy_helper.from_array(w, "wo"), numpy_helper.from_array(np.zeros(1, np.float32), "bo")]
    nodes += [helper.make_node("Gemm", [prev, "wo", "bo"], ["z"], name="out"),
              helper.make_node("Sigmoid", ["z"], ["score"], name="sigmoid")]
    g = helper.make_graph(nodes, "mlp20", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", F])],
                          [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(out, "mlp20.onnx"))


def tmva_node(n, depth, pos):
    if "leaf" in n:
        return (f'<Node pos="{pos}" depth="{depth}" NCoef="0" IVar="-1" Cut="0" cType="1" '
                f'res="{n["leaf"]!r}" rms="0" purity="0.5" nType="{1 if n["leaf"] > 0 else -1}"/>\n')
    # XGBoost goes left ("yes") when x < cond: TMVA's right (cType 1) is x >= cut
    kids = {c["nodeid"]: c for c in n["children"]}
    left, right = kids[n["yes"]], kids[n["no"]]
    return (f'<Node pos="{pos}" depth="{depth}" NCoef="0" IVar="{int(n["split"][1:])}" '
            f'Cut="{n["split_condition"]!r}" cType="1" res="0" rms="0" purity="0.5" nType="0">\n'
            + tmva_node(left, depth + 1, "l") + tmva_node(right, depth + 1, "r") + "</Node>\n")


def bdt():
    import json
    import xgboost as xgb
    x = rng.normal(0, 1, (20000, F))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3] ** 2 + rng.normal(0, 1, 20000) > 0).astype(int)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "nthread": 2,
                     "seed": 1, "base_score": 0.5}, xgb.DMatrix(x, label=y), num_boost_round=500)
    bst.save_model(os.path.join(out, "bdt500.json"))
    trees = [json.loads(t) for t in bst.get_dump(dump_format="json")]
    with open(os.path.join(out, "bdt500.xml"), "w") as f:
        f.write('<?xml version="1.0"?>\n<MethodSetup Method="BDT::BDTG">\n<Options>\n'
                '<Option name="BoostType" modified="Yes">Grad</Option>\n</Options>\n'
                f'<Variables NVar="{F}">\n')
        for i in range(F):
            f.write(f'<Variable VarIndex="{i}" Expression="f{i}" Label="f{i}" Type="F"/>\n')
        f.write(f'</Variables>\n<Transformations NTransformations="0"/>\n'
                f'<Weights NTrees="{len(trees)}" AnalysisType="1">\n')
        for i, t in enumerate(trees):
            f.write(f'<BinaryTree type="DecisionTree" boostWeight="1" itree="{i}">\n'
                    + tmva_node(t, 0, "s") + "</BinaryTree>\n")
        f.write("</Weights>\n</MethodSetup>\n")


def events():
    rng.normal(0, 1, (N, F)).astype("<f4").tofile(os.path.join(out, "events.f32"))


mlp()
bdt()
events()
