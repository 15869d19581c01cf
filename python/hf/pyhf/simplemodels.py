"""pyhf.simplemodels: the two one-channel models of pyhf's docs."""
from .pdf import Model
from ._util import module_getattr

__all__ = ["correlated_background", "uncorrelated_background"]
__getattr__ = module_getattr("pyhf.simplemodels")


def _list(x):
    return x.tolist() if hasattr(x, "tolist") else list(x)


def correlated_background(signal, bkg, bkg_up, bkg_down, batch_size=None,
                          validate=True, poi_name="mu"):
    spec = {"channels": [{"name": "single_channel", "samples": [
        {"name": "signal", "data": _list(signal),
         "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": _list(bkg),
         "modifiers": [{"name": "correlated_bkg_uncertainty", "type": "histosys",
                        "data": {"hi_data": _list(bkg_up), "lo_data": _list(bkg_down)}}]},
    ]}]}
    return Model(spec, batch_size=batch_size, validate=validate, poi_name=poi_name)


def uncorrelated_background(signal, bkg, bkg_uncertainty, batch_size=None,
                            validate=True, poi_name="mu"):
    spec = {"channels": [{"name": "singlechannel", "samples": [
        {"name": "signal", "data": _list(signal),
         "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": _list(bkg),
         "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys",
                        "data": _list(bkg_uncertainty)}]},
    ]}]}
    return Model(spec, batch_size=batch_size, validate=validate, poi_name=poi_name)
