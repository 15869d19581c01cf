"""_capi.py - ctypes mirrors of include/hf.h: the option and result structs
(field for field, in header order) and the argument types of each function
the package calls.  Keep in step with include/hf.h.  Option structs begin
with `version`; the package sets them up with the library's _init
functions, never by hand, so that field is always the library's."""
import ctypes

_P = ctypes.c_void_p
_D = ctypes.POINTER(ctypes.c_double)
_I = ctypes.c_int
_S = ctypes.c_char_p
_U8 = ctypes.POINTER(ctypes.c_ubyte)


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 1024)]


class _ModelOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("measurement", ctypes.c_char_p), ("poi", ctypes.c_char_p),
                ("normsys_interp", ctypes.c_int),
                ("histosys_interp", ctypes.c_int)]


class _ClsResult(ctypes.Structure):
    _fields_ = [("cls_obs", ctypes.c_double), ("clsb", ctypes.c_double),
                ("clb", ctypes.c_double), ("cls_exp", ctypes.c_double * 5),
                ("test_stat", ctypes.c_double),
                ("test_stat_asimov", ctypes.c_double),
                ("nevals", ctypes.c_int), ("ambiguous", ctypes.c_int)]


class _LimitResult(ctypes.Structure):
    _fields_ = [("obs", ctypes.c_double), ("exp", ctypes.c_double * 5),
                ("nevals", ctypes.c_int)]


_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)


class _BatchOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("test_poi", ctypes.c_double), ("ts", ctypes.c_int),
                ("upper_limit", ctypes.c_int), ("cl", ctypes.c_double),
                ("threads", ctypes.c_int), ("model", ctypes.c_void_p),
                ("fit", ctypes.c_void_p), ("progress", _PROGRESS),
                ("progress_ctx", ctypes.c_void_p), ("explain", ctypes.c_int)]


class _FitSummary(ctypes.Structure):
    _fields_ = [("done", ctypes.c_int), ("twice_nll", ctypes.c_double),
                ("poi", ctypes.c_double), ("converged", ctypes.c_int),
                ("nevals", ctypes.c_int)]


class _HypotestExplain(ctypes.Structure):
    _fields_ = [("fit", _FitSummary * 5), ("q_obs", ctypes.c_double),
                ("q_asimov", ctypes.c_double), ("pars", ctypes.c_void_p),
                ("asimov_data", ctypes.c_void_p), ("ambiguous", ctypes.c_int),
                ("alt_poi", ctypes.c_double), ("alt_cls_obs", ctypes.c_double)]


class _BatchItem(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("err", _Error),
                ("cls", _ClsResult), ("limit", _LimitResult),
                ("seconds", ctypes.c_double), ("explain", _HypotestExplain)]


class _BatchResult(ctypes.Structure):
    _fields_ = [("n", ctypes.c_int), ("nfailed", ctypes.c_int),
                ("items", ctypes.POINTER(_BatchItem))]


class _SignalSpec(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("channels", ctypes.POINTER(ctypes.c_char_p)),
                ("nchannels", ctypes.c_int), ("sample", ctypes.c_char_p),
                ("poi", ctypes.c_char_p), ("lumi", ctypes.c_int),
                ("staterror", ctypes.c_int)]


class _Parset(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_char_p),
                ("offset", ctypes.c_int), ("n", ctypes.c_int),
                ("constrained", ctypes.c_int), ("aux_offset", ctypes.c_int)]


class _FitOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("tolerance", ctypes.c_double), ("max_evals", ctypes.c_int),
                ("full_hessian", ctypes.c_int)]  # version 2


class _FitResult(ctypes.Structure):
    _fields_ = [("twice_nll", ctypes.c_double), ("converged", ctypes.c_int),
                ("nevals", ctypes.c_int), ("twin_poi", ctypes.c_double)]


class _ToysOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("threads", ctypes.c_int), ("fit", ctypes.c_void_p),
                ("sb_stats", _D), ("b_stats", _D)]


class _ToysResult(ctypes.Structure):
    _fields_ = [("cls_obs", ctypes.c_double), ("clsb", ctypes.c_double),
                ("clb", ctypes.c_double), ("cls_exp", ctypes.c_double * 5),
                ("clsb_exp", ctypes.c_double * 5), ("clb_exp", ctypes.c_double * 5),
                ("test_stat", ctypes.c_double),
                ("cls_err", ctypes.c_double), ("clsb_err", ctypes.c_double),
                ("clb_err", ctypes.c_double), ("cls_lo", ctypes.c_double),
                ("cls_hi", ctypes.c_double), ("ntoys", ctypes.c_int),
                ("nfailed_sb", ctypes.c_int), ("nfailed_b", ctypes.c_int),
                ("nretried", ctypes.c_int), ("nevals", ctypes.c_long)]


class _WsEdit(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int)] + [(name, t) for base in (
        "prune_modifiers", "prune_modifier_types", "prune_samples",
        "prune_channels", "prune_measurements", "rename_modifiers",
        "rename_samples", "rename_channels", "rename_measurements")
        for name, t in ((base, ctypes.POINTER(ctypes.c_char_p)),
                        ("n_" + base, ctypes.c_int))]


_E = ctypes.POINTER(_Error)
_PP = ctypes.POINTER(_P)

# Arrays from numpy are passed as addresses (void *, an int from
# ndarray.ctypes.data): half the cost of building a typed pointer per call.
SIGS = {
    "hf_status_name": (_S, [_I]),
    "hf_model_nmain": (_I, [_P]),
    "hf_model_naux": (_I, [_P]),
    "hf_model_ndata": (_I, [_P]),
    "hf_model_work_size": (ctypes.c_size_t, [_P]),
    "hf_model_nparsets": (_I, [_P]),
    "hf_model_parset": (_I, [_P, _I, ctypes.POINTER(_Parset)]),
    "hf_model_find_parset": (_I, [_P, _S]),
    "hf_model_inits": (_D, [_P]),
    "hf_model_lower": (_D, [_P]),
    "hf_model_upper": (_D, [_P]),
    "hf_model_fixed": (_U8, [_P]),
    "hf_model_auxdata": (_D, [_P]),
    "hf_model_sigmas": (_D, [_P]),
    "hf_model_channel_offset": (_I, [_P, _I]),
    "hf_model_expected": (None, [_P, _P, _P, _P]),
    "hf_model_expected_data": (None, [_P, _P, _P, _P]),
    "hf_model_logpdf": (ctypes.c_double, [_P, _P, _P, _P]),
    "hf_model_with_pars": (_I, [_P, _P, _P, _P, _U8, _PP, _E]),
    "hf_fit_options_init": (None, [ctypes.POINTER(_FitOptions)]),
    "hf_fit": (_I, [_P, _P, _P, _I, ctypes.c_double, _P, _P,
                    ctypes.POINTER(_FitResult), _E]),
    "hf_fit_uncertainties": (_I, [_P, _P, _P, _P, _P, _E]),
    "hf_test_statistic": (_I, [_P, _P, ctypes.c_double, _I, _P, _P, _E]),
    "hf_upper_limit_scan": (_I, [_P, _P, _P, _I, ctypes.c_double, _I, _P,
                                 ctypes.POINTER(_ClsResult),
                                 ctypes.POINTER(_LimitResult), _E]),
    "hf_toys_options_init": (None, [ctypes.POINTER(_ToysOptions)]),
    "hf_cls_toys": (_I, [_P, _P, ctypes.c_double, _I, _I, ctypes.c_ulonglong,
                         ctypes.POINTER(_ToysOptions), ctypes.POINTER(_ToysResult),
                         _E]),
    "hf_workspace_digest": (_I, [_P, _S, ctypes.c_char_p, ctypes.c_size_t, _E]),
    "hf_workspace_apply": (_I, [_P, _P, _PP, _E]),
    "hf_workspace_sorted": (_I, [_P, _PP, _E]),
    "hf_ws_edit_init": (None, [ctypes.POINTER(_WsEdit)]),
    "hf_workspace_prune_rename": (_I, [_P, ctypes.POINTER(_WsEdit), _PP, _E]),
    "hf_workspace_combine": (_I, [_P, _P, _S, _I, _PP, _E]),
    "hf_workspace_dump": (_P, [_P, _I]),
    "hf_patchset_parse": (_I, [_S, _S, _PP, _E]),
    "hf_patchset_free": (None, [_P]),
    "hf_patchset_size": (_I, [_P]),
    "hf_patchset_patch": (_P, [_P, _I]),
    "hf_patchset_verify": (_I, [_P, _P, _E]),
}
