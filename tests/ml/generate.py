#!/usr/bin/python3
"""Regenerates the small ML models and their reference outputs that
tests/test_ml.c checks hf against (run from the repository root with
Debian's python3; needs python3-onnx, python3-numpy, python3-xgboost):

    /usr/bin/python3 tests/ml/generate.py

Every expected value comes from outside hf: the ONNX networks' outputs
from numpy (float64 arithmetic on the float32 weights and inputs), the
XGBoost predictions from python3-xgboost itself.  The files are small and
committed so that the tests run without those packages.
"""
import csv
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261129)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def init(name, a):
    return numpy_helper.from_array(f32(a), name)


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def write_csv(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([repr(float(v)) if not isinstance(v, str) else v for v in r])


FEATS = ["pt", "eta", "phi", "met", "ht"]
OFFSET = np.array([100.0, 0.0, 0.0, 50.0, 300.0])
SCALE = np.array([0.01, 0.5, 0.3, 0.02, 0.005])
N = 64


def events():
    x = np.column_stack([
        rng.exponential(100, N) + 20, rng.normal(0, 1.5, N), rng.uniform(-3.14, 3.14, N),
        rng.exponential(60, N), rng.exponential(250, N) + 100])
    return np.round(x, 4)


def mlp(x):
    """Gemm(transB) - Relu - Gemm - Relu - Gemm - Sigmoid, 5 -> 16 -> 8 -> 1."""
    w1, b1 = rng.normal(0, 0.5, (16, 5)), rng.normal(0, 0.1, 16)
    w2, b2 = rng.normal(0, 0.4, (8, 16)), rng.normal(0, 0.1, 8)
    w3, b3 = rng.normal(0, 0.5, (8, 1)), rng.normal(0, 0.1, 1)
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="dense1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], name="dense2", transB=1),
        helper.make_node("Relu", ["h2"], ["a2"], name="relu2"),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["h3"], name="dense3"),
        helper.make_node("Sigmoid", ["h3"], ["score"], name="out"),
    ]
    g = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        [init("w1", w1), init("b1", b1), init("w2", w2), init("b2", b2), init("w3", w3),
         init("b3", b3)])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "mlp.onnx")
    inp = f32((x - OFFSET) * SCALE).astype(np.float64)
    F = lambda a: f32(a).astype(np.float64)  # noqa: E731
    h = np.maximum(inp @ F(w1).T + F(b1), 0)
    h = np.maximum(h @ F(w2).T + F(b2), 0)
    return sigmoid(h @ F(w3) + F(b3))


def ops(x):
    """Every other supported operator once, numpy alongside: 5 -> 3 classes."""
    F = lambda a: f32(a).astype(np.float64)  # noqa: E731
    # raw features: small weights on the large ones (pt, met, ht)
    wm = rng.normal(0, 0.5, (5, 6)) * np.array([[0.005], [1], [1], [0.01], [0.002]])
    bm = rng.normal(0, 0.1, 6)
    sc, bb, mu, var = rng.uniform(0.5, 1.5, 6), rng.normal(0, 0.1, 6), rng.normal(0, 0.2, 6), \
        rng.uniform(0.5, 2, 6)
    wo = rng.normal(0, 0.5, (9, 3))
    k = np.array([1.5, -0.5, 2.0, 0.25, -1.0, 0.75])
    gs = np.array([0.003, 0.01, 0.3])
    nodes = [
        helper.make_node("MatMul", ["x", "wm"], ["m"], name="matmul"),
        helper.make_node("Add", ["m", "bm"], ["ma"], name="bias"),
        helper.make_node("BatchNormalization", ["ma", "sc", "bb", "mu", "var"], ["bn"],
                         name="bn", epsilon=1e-3),
        helper.make_node("LeakyRelu", ["bn"], ["lr"], name="leaky", alpha=0.1),
        helper.make_node("Tanh", ["lr"], ["th"], name="tanh"),
        helper.make_node("Constant", [], ["k"], name="k",
                         value=numpy_helper.from_array(f32(k), "k")),
        helper.make_node("Mul", ["th", "k"], ["mk"], name="mul"),
        helper.make_node("Constant", [], ["two"], name="two", value_float=2.0),
        helper.make_node("Div", ["mk", "two"], ["dv"], name="div"),
        helper.make_node("Sub", ["dv", "th"], ["sb"], name="sub"),
        helper.make_node("Clip", ["sb", "lo", "hi"], ["cl"], name="clip"),
        helper.make_node("Constant", [], ["idx"], name="idx",
                         value=numpy_helper.from_array(np.array([4, 0, 2], np.int64), "idx")),
        helper.make_node("Gather", ["x", "idx"], ["gx"], name="gather", axis=1),
        helper.make_node("Mul", ["gx", "gs"], ["gm"], name="gscale"),
        helper.make_node("Cast", ["gm"], ["gc"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Identity", ["gc"], ["gi"], name="identity"),
        helper.make_node("Concat", ["cl", "gi"], ["cc"], name="concat", axis=1),
        helper.make_node("Unsqueeze", ["cc", "ax"], ["u"], name="unsqueeze"),
        helper.make_node("Flatten", ["u"], ["fl"], name="flatten", axis=1),
        helper.make_node("Reshape", ["fl", "shape"], ["rs"], name="reshape"),
        helper.make_node("Squeeze", ["rs", "ax"], ["sq"], name="squeeze"),
        helper.make_node("MatMul", ["sq", "wo"], ["lo2"], name="logits"),
        helper.make_node("Softmax", ["lo2"], ["p"], name="softmax", axis=-1),
    ]
    inits = [init("wm", wm), init("bm", bm), init("sc", sc), init("bb", bb), init("mu", mu),
             init("var", var), init("lo", np.array(-0.8)), init("hi", np.array(0.9)),
             init("wo", wo), init("gs", gs),
             numpy_helper.from_array(np.array([2], np.int64), "ax"),
             numpy_helper.from_array(np.array([-1, 9, 1], np.int64), "shape")]
    g = helper.make_graph(
        nodes, "ops", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["N", 3])], inits)
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "ops.onnx")
    inp = f32(x).astype(np.float64)
    m = inp @ F(wm) + F(bm)
    bn = (m - F(mu)) / np.sqrt(F(var) + F(1e-3)) * F(sc) + F(bb)
    lr = np.where(bn >= 0, bn, F(0.1) * bn)
    th = np.tanh(lr)
    sb = th * F(k) / 2 - th
    cl = np.clip(sb, F(-0.8), F(0.9))
    cc = np.concatenate([cl, inp[:, [4, 0, 2]] * F(gs)], axis=1)
    return softmax(cc @ F(wo))


def bad_models():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="ok"),
                           helper.make_node("Sin", ["r"], ["y"], name="wave")],
                          "bad", [x], [y])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "unsupported.onnx")
    with open(os.path.join(HERE, "mlp.onnx"), "rb") as f:
        data = f.read()
    with open(os.path.join(HERE, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])


def xgb_model(x):
    import xgboost as xgb
    xt = np.column_stack([rng.exponential(100, 2000) + 20, rng.normal(0, 1.5, 2000),
                          rng.uniform(-3.14, 3.14, 2000), rng.exponential(60, 2000),
                          rng.exponential(250, 2000) + 100])
    yt = (xt[:, 0] / 100 + np.abs(xt[:, 1]) * 0.3 + xt[:, 3] / 80
          + rng.normal(0, 0.5, 2000) > 2.2).astype(int)
    d = xgb.DMatrix(xt, label=yt, feature_names=FEATS)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
                     "nthread": 1, "seed": 1}, d, num_boost_round=20)
    bst.save_model(os.path.join(HERE, "xgb.json"))
    return bst.predict(xgb.DMatrix(x, feature_names=FEATS))


def tmva_tree(tr, i, flip):
    """XGBoost tree i (its JSON arrays) as a TMVA node: XGBoost goes left
    when x < cond; TMVA right when (x >= Cut) == cType, so cType 1 puts
    XGBoost's right child on TMVA's right, cType 0 on its left."""
    lc, rc, si, sc = (tr["left_children"], tr["right_children"], tr["split_indices"],
                      tr["split_conditions"])

    def node(k, depth, pos):
        c = repr(float(np.float32(sc[k])))
        if lc[k] < 0:
            return (f'<Node pos="{pos}" depth="{depth}" NCoef="0" IVar="-1" Cut="0" cType="1" '
                    f'res="{c}" rms="0" purity="0.5" nType="1"/>\n')
        ct = 0 if flip.random() < 0.5 else 1
        lo, hi = node(lc[k], depth + 1, "r" if ct == 0 else "l"), \
            node(rc[k], depth + 1, "l" if ct == 0 else "r")
        return (f'<Node pos="{pos}" depth="{depth}" NCoef="0" IVar="{si[k]}" Cut="{c}" '
                f'cType="{ct}" res="0" rms="0" purity="0.5" nType="0">\n' + lo + hi + "</Node>\n")
    return f'<BinaryTree type="DecisionTree" boostWeight="1" itree="{i}">\n' + \
        node(0, 0, "s") + "</BinaryTree>\n"


def xgb_deep(depth=6, seed=22, suffix="", rounds=30):
    """Depth-6 trees (every level of hf's flat evaluator, see ml/forest.c) on
    300 events, 100 of them sitting on split thresholds or one float away:
    XGBoost's predictions, and the same trees as a TMVA Grad file whose
    output is tanh of the float64 sum of the leaves XGBoost picks.  Again
    with 5 trees of depth 8 (suffix "8"): levels past 6 take another path."""
    import xgboost as xgb
    r2 = np.random.default_rng(seed)

    def draw(n):
        return np.column_stack([r2.exponential(100, n) + 20, r2.normal(0, 1.5, n),
                                r2.uniform(-3.14, 3.14, n), r2.exponential(60, n),
                                r2.exponential(250, n) + 100])
    xt = draw(4000)
    yt = (xt[:, 0] / 100 + np.abs(xt[:, 1]) * 0.3 + xt[:, 3] / 80 + np.sin(xt[:, 2])
          + r2.normal(0, 0.5, 4000) > 2.2).astype(int)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": depth, "eta": 0.3,
                     "nthread": 1, "seed": 1}, xgb.DMatrix(xt, label=yt, feature_names=FEATS),
                    num_boost_round=rounds)
    bst.save_model(os.path.join(HERE, f"xgb_deep{suffix}.json"))
    trees = json.loads(bst.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    x = f32(np.round(draw(300), 4))
    for i in range(200, 300):  # features on thresholds, or a float below / above
        for j in range(5):
            tr = trees[r2.integers(len(trees))]
            ks = [k for k in range(len(tr["left_children"]))
                  if tr["left_children"][k] >= 0 and tr["split_indices"][k] == j]
            if ks:
                t = np.float32(tr["split_conditions"][ks[r2.integers(len(ks))]])
                x[i, j] = [t, np.nextafter(t, np.float32(-np.inf)),
                           np.nextafter(t, np.float32(np.inf))][i % 3]
    dm = xgb.DMatrix(x, feature_names=FEATS)
    leaves = bst.predict(dm, pred_leaf=True).astype(int)
    s = np.array([sum(float(np.float32(trees[t]["split_conditions"][leaves[e, t]]))
                      for t in range(len(trees))) for e in range(len(x))])
    write_csv(f"deep{suffix}_events.csv", ["channel", "weight"] + FEATS,
              [["SR", 1.0] + [float(v) for v in x[i]] for i in range(len(x))])
    write_csv(f"xgb_deep{suffix}_expected.csv", ["score"], bst.predict(dm).reshape(-1, 1))
    write_csv(f"tmva_deep{suffix}_expected.csv", ["score"],
              (2 / (1 + np.exp(-2 * s)) - 1).reshape(-1, 1))
    flip = np.random.default_rng(5)
    with open(os.path.join(HERE, f"tmva_deep{suffix}.xml"), "w") as f:
        f.write('<?xml version="1.0"?>\n<MethodSetup Method="BDT::BDTG">\n<Options>\n'
                '<Option name="BoostType" modified="Yes">Grad</Option>\n</Options>\n'
                '<Variables NVar="5">\n')
        for i, n in enumerate(FEATS):
            f.write(f'<Variable VarIndex="{i}" Expression="{n}" Label="{n}" Type="F"/>\n')
        f.write(f'</Variables>\n<Transformations NTransformations="0"/>\n'
                f'<Weights NTrees="{len(trees)}" AnalysisType="1">\n')
        for i, tr in enumerate(trees):
            f.write(tmva_tree(tr, i, flip))
        f.write("</Weights>\n</MethodSetup>\n")


def mlp64(x):
    """The float64 flavour: double weights and input, 5 -> 12 -> 1 (Gemm -
    Tanh - Gemm - Sigmoid); numpy in float64 on the double weights."""
    r3 = np.random.default_rng(64)
    w1, b1 = r3.normal(0, 0.5, (12, 5)), r3.normal(0, 0.1, 12)
    w2, b2 = r3.normal(0, 0.5, (12, 1)), r3.normal(0, 0.1, 1)
    d = lambda n, a: numpy_helper.from_array(np.asarray(a, np.float64), n)  # noqa: E731
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="dense1", transB=1),
        helper.make_node("Tanh", ["h1"], ["a1"], name="tanh1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], name="dense2"),
        helper.make_node("Sigmoid", ["h2"], ["score"], name="out"),
    ]
    g = helper.make_graph(
        nodes, "mlp64", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 5])],
        [helper.make_tensor_value_info("score", TensorProto.DOUBLE, ["N", 1])],
        [d("w1", w1), d("b1", b1), d("w2", w2), d("b2", b2)])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "mlp64.onnx")
    inp = (x - OFFSET) * SCALE
    return sigmoid(np.tanh(inp @ w1.T + b1) @ w2 + b2)


def multi(x):
    """Two graph inputs, as published models with split inputs have: 'jet'
    [N, 1, 3] (pt, eta, phi) and 'glob' [N, 2] (met, ht); Flatten(jet) -
    Gemm - Relu, Mul(glob, c), Concat, Gemm - Sigmoid.  Its preprocessing
    names each feature by (input, index), listed in another order than the
    row (glob's first), so that a wrong mapping gets wrong offsets/scales."""
    w1, b1 = rng.normal(0, 0.5, (3, 6)), rng.normal(0, 0.1, 6)
    c = rng.normal(0, 1.0, 2)
    w2, b2 = rng.normal(0, 0.5, (8, 1)), rng.normal(0, 0.1, 1)
    nodes = [
        helper.make_node("Flatten", ["jet"], ["jf"], name="flat"),
        helper.make_node("Gemm", ["jf", "w1", "b1"], ["h1"], name="dense1"),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Mul", ["glob", "c"], ["gs"], name="scale"),
        helper.make_node("Concat", ["a1", "gs"], ["cat"], name="cat", axis=1),
        helper.make_node("Gemm", ["cat", "w2", "b2"], ["h2"], name="dense2"),
        helper.make_node("Sigmoid", ["h2"], ["score"], name="out"),
    ]
    g = helper.make_graph(
        nodes, "multi", [helper.make_tensor_value_info("jet", TensorProto.FLOAT, ["N", 1, 3]),
                         helper.make_tensor_value_info("glob", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        [init("w1", w1), init("b1", b1), init("c", c), init("w2", w2), init("b2", b2)])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "multi.onnx")
    where = {"pt": ("jet", 0), "eta": ("jet", 1), "phi": ("jet", 2), "met": ("glob", 0),
             "ht": ("glob", 1)}
    order = [3, 4, 0, 1, 2]
    with open(os.path.join(HERE, "multi.prep.json"), "w") as f:
        json.dump({"features": [{"name": FEATS[i], "input": where[FEATS[i]][0],
                                 "index": where[FEATS[i]][1], "offset": OFFSET[i],
                                 "scale": SCALE[i]} for i in order]}, f, indent=1)
        f.write("\n")
    inp = f32((x - OFFSET) * SCALE).astype(np.float64)
    F = lambda a: f32(a).astype(np.float64)  # noqa: E731
    h = np.maximum(inp[:, 0:3] @ F(w1) + F(b1), 0)
    cat = np.concatenate([h, inp[:, 3:5] * F(c)], axis=1)
    return sigmoid(cat @ F(w2) + F(b2))


def embed():
    """An embedding, as taggers with categorical inputs have: inputs 'kin'
    [N, 3] (pt, eta, met) and 'flav' int64 [N, 2] (two jets' categories,
    negative ones counting from the end as ONNX allows); Gather(table [5, 4],
    flav) - Flatten, Gather(table1 [5], flav), Mul(kin, c), Concat, Gemm -
    Tanh - Gemm - Sigmoid.  Writes its own events (the categories are
    whole numbers in [-5, 5)); numpy on the float32 weights."""
    r4 = np.random.default_rng(4242)
    n = 64
    kin = np.round(np.column_stack([r4.uniform(20, 200, n), r4.uniform(-2.5, 2.5, n),
                                    r4.uniform(0, 300, n)]), 4)
    flav = r4.integers(-5, 5, (n, 2))
    table, table1 = r4.normal(0, 1, (5, 4)), r4.normal(0, 1, 5)
    c = np.array([0.01, 0.5, 0.005])
    w1, b1 = r4.normal(0, 0.5, (13, 6)), r4.normal(0, 0.1, 6)
    w2, b2 = r4.normal(0, 0.5, (6, 1)), r4.normal(0, 0.1, 1)
    nodes = [
        helper.make_node("Gather", ["table", "flav"], ["emb"], name="embed", axis=0),
        helper.make_node("Flatten", ["emb"], ["ef"], name="flat"),
        helper.make_node("Gather", ["table1", "flav"], ["e1"], name="embed1"),
        helper.make_node("Mul", ["kin", "c"], ["ks"], name="scale"),
        helper.make_node("Concat", ["ks", "ef", "e1"], ["cat"], name="cat", axis=1),
        helper.make_node("Gemm", ["cat", "w1", "b1"], ["h1"], name="dense1"),
        helper.make_node("Tanh", ["h1"], ["a1"], name="tanh1"),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"], name="dense2"),
        helper.make_node("Sigmoid", ["h2"], ["score"], name="out"),
    ]
    g = helper.make_graph(
        nodes, "embed", [helper.make_tensor_value_info("kin", TensorProto.FLOAT, ["N", 3]),
                         helper.make_tensor_value_info("flav", TensorProto.INT64, ["N", 2])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        [init("table", table), init("table1", table1), init("c", c), init("w1", w1),
         init("b1", b1), init("w2", w2), init("b2", b2)])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "embed.onnx")
    write_csv("embed_events.csv", ["channel", "weight", "pt", "eta", "met", "flav1", "flav2"],
              [["SR", 1.0] + list(kin[i]) + list(flav[i]) for i in range(n)])
    F = lambda a: f32(a).astype(np.float64)  # noqa: E731
    k = flav % 5  # numpy's negative indices count from the end as ONNX's do
    cat = np.concatenate([F(kin) * F(c), F(table)[k].reshape(n, 8), F(table1)[k]], axis=1)
    return sigmoid(np.tanh(cat @ F(w1) + F(b1)) @ F(w2) + F(b2))


def main():
    x = events()
    p_mlp = mlp(x)
    p_ops = ops(x)
    bad_models()
    p_xgb = xgb_model(x)
    with open(os.path.join(HERE, "mlp.prep.json"), "w") as f:
        json.dump({"features": [{"name": n, "offset": o, "scale": s}
                                for n, o, s in zip(FEATS, OFFSET, SCALE)],
                   "outputs": ["p_signal"]}, f, indent=1)
        f.write("\n")
    ch = ["SR" if i % 2 == 0 else "CR" for i in range(N)]
    w = np.round(rng.uniform(0.5, 1.5, N), 4)
    write_csv("events.csv", ["channel", "weight"] + FEATS,
              [[ch[i], w[i]] + list(x[i]) for i in range(N)])
    write_csv("mlp_expected.csv", ["p_signal"], p_mlp)
    write_csv("ops_expected.csv", ["score0", "score1", "score2"], p_ops)
    write_csv("xgb_expected.csv", ["score"], p_xgb.reshape(-1, 1))
    xgb_deep()
    xgb_deep(8, 23, "8", 5)
    write_csv("mlp64_expected.csv", ["p_signal"], mlp64(x))
    # published test vectors: inputs and outputs side by side
    write_csv("mlp_vectors.csv", FEATS + ["p_signal"],
              [list(x[i]) + [p_mlp[i, 0]] for i in range(8)])
    write_csv("multi_expected.csv", ["score"], multi(x))
    write_csv("embed_expected.csv", ["score"], embed())


if __name__ == "__main__":
    main()
