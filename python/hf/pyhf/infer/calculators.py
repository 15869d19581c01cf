"""pyhf.infer.calculators: generate_asimov_data.  The calculator classes
are libhf's (hypotest runs them in C) and are not exposed."""
from .._util import module_getattr
from .mle import fixed_poi_fit

__all__ = ["generate_asimov_data"]
__getattr__ = module_getattr("pyhf.infer.calculators")


def generate_asimov_data(asimov_mu, data, pdf, init_pars, par_bounds, fixed_params,
                         return_fitted_pars=False):
    pars = fixed_poi_fit(asimov_mu, data, pdf, init_pars, par_bounds, fixed_params)
    asimov = pdf.expected_data(pars)
    if return_fitted_pars:
        return asimov, pars
    return asimov
