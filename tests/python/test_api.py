"""hf.pyhf's calls against pyhf 0.7's documentation: signatures, defaults,
return types and shapes, and the exceptions of bad input.  Numbers are
those of pyhf's docstrings (its uncorrelated_background model with
observations [51, 48]) or, for hypotest, pyhf 0.7.6 with
scipy_optimizer(tolerance=1e-12) as tests/test_cls.c."""
import json
import os
import threading

import numpy as np
import pytest

import hf
import hf.pyhf as pyhf
from hf.pyhf import exceptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "workspaces", "demo")


def _model():
    return pyhf.simplemodels.uncorrelated_background(
        signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_uncertainty=[3.0, 7.0])


def _data(m, obs=(51, 48)):
    return pyhf.tensorlib.astensor(list(obs) + m.config.auxdata)


def _is0d(x):
    return isinstance(x, np.ndarray) and x.shape == () and x.dtype == np.float64


# ---------------------------------------------------------------- model

def test_config_as_documented():
    m = _model()
    c = m.config
    assert c.suggested_init() == [1.0, 1.0, 1.0]
    assert c.suggested_bounds() == [(0, 10), (1e-10, 10.0), (1e-10, 10.0)]
    assert c.par_slice("uncorr_bkguncrt") == slice(1, 3, None)
    assert c.par_names == ["mu", "uncorr_bkguncrt[0]", "uncorr_bkguncrt[1]"]
    assert c.param_set("uncorr_bkguncrt").pdf_type == "poisson"
    assert c.suggested_fixed() == [False, False, False]
    assert c.poi_name == "mu" and c.poi_index == 0
    assert c.npars == 3 and c.nmaindata == 2 and c.nauxdata == 2
    assert c.channels == ["singlechannel"]
    assert c.channel_nbins == {"singlechannel": 2}
    assert c.samples == ["background", "signal"]
    assert c.par_order == ["mu", "uncorr_bkguncrt"]
    assert c.parameters == ["mu", "uncorr_bkguncrt"]
    assert np.allclose(c.auxdata, [277.77777778, 55.18367347])
    assert c.param_set("mu").is_scalar and not c.param_set("uncorr_bkguncrt").is_scalar


def test_expected_data_as_documented():
    m = _model()
    p = m.config.suggested_init()
    e = m.expected_data(p)
    assert e.dtype == np.float64 and e.shape == (4,)
    assert np.allclose(e, [62.0, 63.0, 277.77777778, 55.18367347])
    assert np.allclose(m.expected_data(p, include_auxdata=False), [62.0, 63.0])
    assert np.allclose(m.expected_actualdata(p), [62.0, 63.0])
    assert np.allclose(m.expected_auxdata(p), [277.77777778, 55.18367347])
    cm = pyhf.simplemodels.correlated_background([12, 11], [50, 52], [45, 57], [55, 47])
    assert cm.config.par_order == ["correlated_bkg_uncertainty", "mu"]
    assert np.allclose(cm.expected_data(cm.config.suggested_init()), [62.0, 63.0, 0.0])


def test_logpdf_shape_and_twice_nll():
    m = _model()
    d = _data(m)
    p = m.config.suggested_init()
    lp = m.logpdf(p, d)
    assert lp.shape == (1,) and lp.dtype == np.float64
    t = pyhf.infer.mle.twice_nll(p, d, m)
    assert np.allclose(t, [30.77525435]) and t.shape == (1,)
    assert (-2 * m.logpdf(p, d) == t).all()


def test_logpdf_bad_input():
    m = _model()
    d = _data(m)
    with pytest.raises(exceptions.InvalidPdfParameters, match="length 2"):
        m.logpdf([1.0, 1.0], d)
    with pytest.raises(exceptions.InvalidPdfData, match="length 3"):
        m.logpdf([1.0, 1.0, 1.0], d[:3])
    with pytest.raises(exceptions.InvalidPdfParameters, match=r"pars\[1\]"):
        m.logpdf([1.0, float("nan"), 1.0], d)
    with pytest.raises(exceptions.InvalidPdfParameters):
        m.expected_data([1.0])
    with pytest.raises(exceptions.InvalidPdfParameters):
        m.logpdf("abc", d)
    with pytest.raises(exceptions.InvalidPdfParameters):
        m.logpdf([[1.0, 1.0, 1.0]], d)
    # a negative expected yield: pyhf's logpdf is NaN there, never a number
    assert not np.isfinite(m.logpdf([-10.0, 1.0, 1.0], d)[0])


def test_model_spec_errors():
    with pytest.raises(exceptions.InvalidSpecification):
        pyhf.Model({"channels": [{"name": "c", "samples": [
            {"name": "s", "data": [1.0], "modifiers": [
                {"name": "x", "type": "nonsense", "data": None}]}]}]})
    with pytest.raises(exceptions.InvalidSpecification):
        pyhf.Model({"nochannels": []})
    with pytest.raises(exceptions.InvalidModel):
        _spec = _model().spec
        pyhf.Model(_spec, poi_name="not_a_parameter")
    with pytest.raises(exceptions.Unsupported):
        pyhf.Model(_model().spec, poi_name="mu", bogus=1)
    with pytest.raises(exceptions.Unsupported):
        pyhf.Model(_model().spec, poi_name="mu", modifier_settings={"normsys": "x"})
    with pytest.raises(exceptions.InvalidInterpCode):
        pyhf.Model(_model().spec, poi_name="mu",
                   modifier_settings={"normsys": {"interpcode": "code9"}})
    nopoi = pyhf.Model(_model().spec)
    assert nopoi.config.poi_index is None and nopoi.config.poi_name is None
    # pyhf's set_poi docstring
    c = nopoi.config
    c.set_poi("mu")
    assert nopoi.config.poi_name == "mu" and c.poi_index == 0
    d = _data(nopoi)
    assert abs(float(pyhf.infer.hypotest(1.0, d, nopoi)) - CLS_1) < 1e-6
    with pytest.raises(exceptions.InvalidModel, match="not declared"):
        c.set_poi("nope")
    with pytest.raises(exceptions.InvalidModel, match="multiple components"):
        c.set_poi("uncorr_bkguncrt")
    c.set_poi(None)
    assert nopoi.config.poi_index is None


# ---------------------------------------------------------------- fits

def test_fit_as_documented():
    m = _model()
    d = _data(m)
    pars, twice_nll = pyhf.infer.mle.fit(d, m, return_fitted_val=True)
    assert pars.shape == (3,) and _is0d(twice_nll)
    # the docstring's [0, 1.0030512, 0.96266961] is SLSQP's loose stop; pyhf
    # with scipy_optimizer(tolerance=1e-12):
    assert np.allclose(pars, [0.0, 1.0030508555783963, 0.9626808965779394], atol=1e-7)
    assert np.isclose(twice_nll, 24.98393521)
    assert np.isclose(-2 * m.logpdf(pars, d)[0], twice_nll, rtol=1e-12)
    assert pyhf.infer.mle.fit(d, m).shape == (3,)
    pu = pyhf.infer.mle.fit(d, m, return_uncertainties=True)
    assert pu.shape == (3, 2) and np.all(pu[1:, 1] > 0)
    p, corr = pyhf.infer.mle.fit(d, m, return_correlations=True)
    assert corr.shape == (3, 3) and np.allclose(np.diag(corr)[1:], 1.0)


def test_fixed_poi_fit_as_documented():
    m = _model()
    d = _data(m)
    pars, twice_nll = pyhf.infer.mle.fixed_poi_fit(1.0, d, m, return_fitted_val=True)
    assert np.allclose(pars, [1.0, 0.97224597, 0.87553894])
    assert np.isclose(twice_nll, 28.92218013)


def test_fit_bad_input():
    m = _model()
    d = _data(m)
    with pytest.raises(ValueError, match="lies outside of its bounds"):
        pyhf.infer.mle.fit(d, m, init_pars=[20.0, 1.0, 1.0])
    with pytest.raises(exceptions.InvalidPdfParameters, match="init_pars"):
        pyhf.infer.mle.fit(d, m, init_pars=[1.0, 1.0])
    with pytest.raises(exceptions.InvalidPdfParameters, match="par_bounds"):
        pyhf.infer.mle.fit(d, m, par_bounds=[(0, 10)])
    with pytest.raises(exceptions.InvalidPdfParameters, match="fixed_params"):
        pyhf.infer.mle.fit(d, m, fixed_params=[True])
    with pytest.raises(exceptions.InvalidPdfData):
        pyhf.infer.mle.fit(d[:2], m)
    with pytest.raises(exceptions.InvalidPdfParameters, match="not a finite"):
        pyhf.infer.mle.fit(d, m, init_pars=[1.0, float("nan"), 1.0])
    nopoi = pyhf.Model(m.spec)
    with pytest.raises(exceptions.UnspecifiedPOI):
        pyhf.infer.mle.fixed_poi_fit(1.0, d, nopoi)


def test_fixed_params_and_bounds_are_honoured():
    m = _model()
    d = _data(m)
    pars = pyhf.infer.mle.fit(d, m, init_pars=[1.0, 1.1, 0.9],
                              fixed_params=[False, True, True])
    assert pars[1] == 1.1 and pars[2] == 0.9
    pars = pyhf.infer.mle.fit(d, m, init_pars=[3.0, 1.0, 1.0],
                              par_bounds=[[2, 10], [1e-10, 10], [1e-10, 10]])
    assert pars[0] == pytest.approx(2.0, abs=1e-9)


# ---------------------------------------------------------------- tests

def test_test_statistics_as_documented():
    m = _model()
    d = _data(m)
    init, fixed = m.config.suggested_init(), m.config.suggested_fixed()
    bounds = m.config.suggested_bounds()
    q, (cons, uncons) = pyhf.infer.test_statistics.qmu_tilde(
        1.0, d, m, init, bounds, fixed, return_fitted_pars=True)
    assert _is0d(q) and np.isclose(q, 3.93824492)
    assert np.allclose(cons, [1.0, 0.97224597, 0.87553894])
    assert np.allclose(uncons, [0.0, 1.0030508555783963, 0.9626808965779394], atol=1e-7)
    wide = list(bounds)
    wide[m.config.poi_index] = [-10.0, 10.0]
    q, (cons, uncons) = pyhf.infer.test_statistics.qmu(
        1.0, d, m, init, wide, fixed, return_fitted_pars=True)
    assert np.isclose(q, 3.9549891)
    # docstring fits [-0.06679525, 1.00555369, 0.96930896] are SLSQP's loose
    # stop; pyhf with scipy_optimizer(tolerance=1e-12):
    assert np.allclose(uncons, [-0.06687022733903837, 1.0055744177255095,
                                0.9693130005134969], atol=1e-6)
    assert np.isclose(pyhf.infer.test_statistics.tmu(1.0, d, m, init, wide, fixed),
                      3.9549891)
    d0 = _data(m, (60, 65))
    q0, (cons, uncons) = pyhf.infer.test_statistics.q0(
        0.0, d0, m, init, bounds, fixed, return_fitted_pars=True)
    assert np.isclose(q0, 2.98339447)
    assert np.allclose(cons, [0.0, 1.03050845, 1.12128752])
    assert np.allclose(uncons, [0.9524315589312736, 0.9963494569602318,
                                1.0213708435350102], atol=1e-6)


def test_generate_asimov_data_as_documented():
    m = _model()
    d = [51, 48] + m.config.auxdata
    a = pyhf.infer.calculators.generate_asimov_data(1.0, d, m, None, None, None)
    assert np.allclose(a, [60.61229858, 56.52802479, 270.06832542, 48.31545488])
    a, p = pyhf.infer.calculators.generate_asimov_data(1.0, d, m, None, None, None,
                                                       return_fitted_pars=True)
    assert np.allclose(p, [1.0, 0.97224597, 0.87553894])


CLS_1 = 0.052515524210264966
BAND_1 = [0.0026064043404049686, 0.013820639042035234, 0.06445515146046657,
          0.23526089554350316, 0.5730416457299689]


def test_hypotest_returns():
    m = _model()
    d = _data(m)
    cls = pyhf.infer.hypotest(1.0, d, m)
    assert _is0d(cls) and abs(float(cls) - CLS_1) < 1e-6
    cls, band = pyhf.infer.hypotest(1.0, d, m, return_expected_set=True, test_stat="qtilde")
    assert isinstance(band, list) and len(band) == 5 and all(_is0d(x) for x in band)
    assert np.allclose(band, BAND_1, rtol=0, atol=1e-6)
    cls, tail, exp = pyhf.infer.hypotest(1.0, d, m, return_tail_probs=True,
                                         return_expected=True)
    assert len(tail) == 2 and np.allclose(tail, [0.023324962789531938, 0.44415366961095126],
                                          rtol=0, atol=1e-6)
    assert _is0d(exp) and abs(float(exp) - BAND_1[2]) < 1e-6
    r = pyhf.infer.hypotest(1.0, d, m, return_expected=True, return_expected_set=True)
    assert len(r) == 3 and _is0d(r[1]) and len(r[2]) == 5
    cls = pyhf.infer.hypotest(1.0, d, m, test_stat="q")
    assert abs(float(cls) - 0.05290114204498085) < 1e-6
    p0, tail = pyhf.infer.hypotest(1.0, d, m, test_stat="q0", return_tail_probs=True)
    assert abs(float(p0) - 0.4999997873158316) < 1e-6 and len(tail) == 1


def test_hypotest_toybased():
    m = _model()
    d = _data(m)
    np.random.seed(1)
    cls, band = pyhf.infer.hypotest(1.0, d, m, calctype="toybased", ntoys=400,
                                    return_expected_set=True)
    assert _is0d(cls) and len(band) == 5
    # 400 toys: the binomial error of CLsb ~ 0.01
    assert abs(float(cls) - CLS_1) < 0.03
    np.random.seed(1)
    again = pyhf.infer.hypotest(1.0, d, m, calctype="toybased", ntoys=400)
    assert float(again) == float(cls)  # numpy's seed fixes hf's toys


def test_hypotest_bad_input():
    m = _model()
    d = _data(m)
    with pytest.raises(exceptions.InvalidTestStatistic):
        pyhf.infer.hypotest(1.0, d, m, test_stat="tmu")
    with pytest.raises(exceptions.InvalidModel, match="fixed"):
        pyhf.infer.hypotest(1.0, d, m, fixed_params=[True, False, False])
    with pytest.raises(exceptions.UnspecifiedPOI):
        pyhf.infer.hypotest(1.0, d, pyhf.Model(m.spec))
    with pytest.raises(exceptions.InvalidPdfData):
        pyhf.infer.hypotest(1.0, d[:3], m)
    with pytest.raises(exceptions.InvalidPdfData, match="not a finite"):
        pyhf.infer.hypotest(1.0, [51, float("nan")] + m.config.auxdata, m)
    with pytest.raises(ValueError):
        pyhf.infer.hypotest(float("nan"), d, m)
    with pytest.raises(ValueError, match="outside the bounds"):
        pyhf.infer.hypotest(-1.0, d, m)
    with pytest.raises(ValueError, match="ntoys"):
        pyhf.infer.hypotest(1.0, d, m, calctype="toybased", ntoys=0)
    with pytest.raises(exceptions.FailedMinimization):
        pyhf.infer.hypotest(1.0, [-5, 48] + m.config.auxdata, m)
    with pytest.raises(NotImplementedError, match="return_calculator"):
        pyhf.infer.hypotest(1.0, d, m, return_calculator=True)


def test_upper_limit_as_documented():
    m = _model()
    d = _data(m)
    scan = np.linspace(0, 5, 21)
    obs, exp, (s, results) = pyhf.infer.intervals.upper_limits.upper_limit(
        d, m, scan, return_results=True)
    assert _is0d(obs) and len(exp) == 5 and all(_is0d(x) for x in exp)
    assert np.isclose(obs, 1.01764089, rtol=1e-4)
    assert np.allclose(exp, [0.59576921, 0.76169166, 1.08504773, 1.50170482, 2.06654952],
                       rtol=1e-4)
    assert len(results) == 21 and len(results[0]) == 2 and len(results[0][1]) == 5
    obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(d, m)
    # root finding (pyhf: toms748 to rtol 1e-4) on the same model
    assert 0.9 < float(obs) < 1.1 and float(exp[0]) < float(exp[2]) < float(exp[4])


# ---------------------------------------------------------------- workspaces

def _demo():
    with open(os.path.join(DEMO, "BkgOnly.json")) as f:
        ws = json.load(f)
    with open(os.path.join(DEMO, "patchset.json")) as f:
        ps = json.load(f)
    return ws, ps


def test_workspace_and_patchset():
    spec, psspec = _demo()
    ws = pyhf.Workspace(spec)
    assert isinstance(ws, dict) and ws == pyhf.Workspace(spec)
    ps = pyhf.PatchSet(psspec)
    assert len(ps) == len(psspec["patches"])
    names = [p.name for p in ps]
    assert names == [p["metadata"]["name"] for p in psspec["patches"]]
    p = ps[names[0]]
    assert ps[list(p.values)] is p and ps[p.values] is p
    with pytest.raises(exceptions.InvalidPatchLookup):
        ps["no such patch"]
    ps.verify(ws)
    m = ws.model(patches=[p])
    assert m.config.poi_name == ws.get_measurement()["config"]["poi"]
    data = ws.data(m)
    assert isinstance(data, list) and len(data) == m.config.nmaindata + m.config.nauxdata
    assert ws.data(m, include_auxdata=False) == data[:m.config.nmaindata]
    # the same model from the patch as a list of operations, and the same CLs
    m2 = ws.model(patches=[p.patch])
    assert float(pyhf.infer.hypotest(1.0, data, m)) == float(pyhf.infer.hypotest(1.0, data, m2))
    # PatchSet.apply: a Workspace with the signal sample
    pws = ps.apply(ws, names[0])
    assert isinstance(pws, pyhf.Workspace) and len(pws.samples) > len(ws.samples)
    assert pws.model().config.channels == m.config.channels
    assert m.config.samples == pws.samples


def test_workspace_operations():
    spec, _ = _demo()
    ws = pyhf.Workspace(spec)
    s = pyhf.Workspace.sorted(ws)
    assert s.channels == ws.channels
    assert pyhf.utils.digest(ws) == pyhf.utils.digest(dict(spec))
    assert len(pyhf.utils.digest(ws, "md5")) == 32
    with pytest.raises(ValueError):
        pyhf.utils.digest(ws, "nonsense")
    ch = ws.channels[0]
    r = ws.rename(channels={ch: ch + "_x"})
    assert ch + "_x" in r.channels and ch not in r.channels
    samp = ws.samples[0]
    assert samp not in ws.prune(samples=[samp]).samples
    with pytest.raises(exceptions.InvalidWorkspaceOperation):
        ws.prune(samples=["no such sample"])
    with pytest.raises(exceptions.InvalidWorkspaceOperation):
        pyhf.Workspace.combine(ws, ws)  # the same channels twice
    r2 = ws.rename(channels={c: c + "_x" for c in ws.channels},
                   measurements={n: n + "_x" for n in ws.measurement_names})
    c = pyhf.Workspace.combine(ws, r2, join="outer")
    assert len(c.channels) == 2 * len(ws.channels)
    with pytest.raises(ValueError):
        pyhf.Workspace.combine(ws, ws, join="sideways")
    with pytest.raises(exceptions.InvalidMeasurement):
        ws.get_measurement(measurement_name="nope")
    with pytest.raises(exceptions.InvalidMeasurement):
        ws.model(measurement_name="nope")


def test_workspace_bad_input():
    spec, psspec = _demo()
    bad = json.loads(json.dumps(spec))
    del bad["observations"]
    with pytest.raises(exceptions.InvalidSpecification):
        pyhf.Workspace(bad)
    with pytest.raises(exceptions.InvalidSpecification):
        pyhf.Workspace([1, 2])
    with pytest.raises(exceptions.InvalidSpecification):
        pyhf.Workspace({"channels": float("nan")})
    with pytest.raises(exceptions.InvalidPatchSet):
        pyhf.PatchSet({"metadata": {}, "patches": [], "version": "1.0.0"})
    ws = pyhf.Workspace(spec)
    with pytest.raises(exceptions.InvalidPatchSet):
        ws.model(patches=[[{"op": "remove", "path": "/channels/99"}]])
    with pytest.raises(exceptions.InvalidPatchSet):
        ws.model(patches=[42])
    with pytest.raises(exceptions.Unsupported):
        pyhf.Workspace(spec, bogus=True)
    other = json.loads(json.dumps(spec))
    other["observations"][0]["data"][0] += 1
    with pytest.raises(exceptions.PatchSetVerificationError):
        pyhf.PatchSet(psspec).verify(other)


# ---------------------------------------------------------------- module

def test_backend():
    pyhf.set_backend("numpy")
    tb, opt = pyhf.get_backend()
    assert tb.name == "numpy" and pyhf.tensorlib is tb
    assert tb.astensor([1, 2]).dtype == np.float64
    with pytest.raises(exceptions.InvalidBackend, match="own backend"):
        pyhf.set_backend("jax")
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    assert pyhf.optimizer.name == "scipy"
    pyhf.set_backend(pyhf.tensor.numpy_backend(), "minuit")
    assert pyhf.optimizer.name == "minuit"
    with pytest.raises(exceptions.Unsupported):
        pyhf.set_backend("numpy", precision="32b")


def test_not_provided_is_named():
    for get in (lambda: pyhf.readxml, lambda: pyhf.infer.calculators.ToyCalculator,
                lambda: pyhf.contrib, lambda: _model().config.not_there,
                lambda: _model().nominal_rates):
        with pytest.raises(NotImplementedError, match="not provided by hf"):
            get()
    assert not hasattr(pyhf, "readxml")  # also an AttributeError


def test_all_exception_classes():
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), Exception)
    assert issubclass(exceptions.SchemaNotFound, FileNotFoundError)


# ---------------------------------------------------------------- batch

def test_batch_from_numpy_releases_the_gil():
    ws = hf.Workspace(os.path.join(DEMO, "BkgOnly.json"))
    sig = hf.Signal(ws, ["SR"], lumi=True)
    rng = np.random.default_rng(3)
    y = rng.uniform(0.5, 5.0, size=(20, sig.nbins))
    one = sig.cls_batch(y, threads=1)
    assert len(one) == 20 and all("CLs_obs" in r for r in one)
    out = [None, None]

    def run(i):
        out[i] = sig.cls_batch(y, threads=1)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out[0] == one and out[1] == one
    with pytest.raises(hf.HFError):
        sig.cls_batch(np.ones(sig.nbins + 1))


def test_batch_patches_equal_single_models():
    ws = hf.Workspace(os.path.join(DEMO, "BkgOnly.json"))
    names = ["sig_300", "sig_400", "sig_500"]
    patches = [hf.Patch(os.path.join(DEMO, "patchset.json"), name=n) for n in names]
    res = hf.cls_batch_patches(ws, patches, upper_limit=True, threads=2)
    for p, r in zip(patches, res):
        one = hf.Model(ws, patches=[p])
        # to 1e-8 relative (issue 21's guard is 1e-6): the grid's free fits
        # start from the workspace's own fit (infer/share.c), a single
        # model's from the inits: the same minimum to the fits' tolerance
        want = one.cls(1.0)["CLs_obs"]
        assert abs(r["CLs_obs"] - want) <= 1e-8 * abs(want)
        assert r["upper_limit"]["obs"] == one.upper_limit(0.95)["obs"]
    with pytest.raises(hf.HFError):
        hf.cls_batch_patches(ws, patches, test_stat="tmu")
