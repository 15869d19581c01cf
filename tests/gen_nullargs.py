#!/usr/bin/python3
"""Writes the C source of test_nullargs from include/hf.h.

Every public function (every HF_API declaration) is called once per pointer
parameter with that pointer NULL and every other argument valid (fixtures
built from the demo workspace).  A function that takes an hf_error must
return HF_ERR_ARG with a message, unless the header documents that pointer
as optional (the OPTIONAL table); any other function must simply not crash.
Each call runs in a child process, so one crash does not hide the others.
Since the list comes from the header at build time, a new function is
tested the day it is declared.

usage: gen_nullargs.py include/hf.h > test_nullargs.c
"""
import re
import sys

# (function or "*", parameter name): NULL is a documented, valid value.
OPTIONAL = {
    ("*", "err"), ("*", "opt"), ("*", "unc"), ("*", "progress_ctx"),
    ("hf_fit", "init"), ("hf_model_nll", "grad"),
    ("hf_fit_uncertainties", "corr"), ("hf_upper_limit_scan", "scan"),
    ("hf_binning_fill", "weights"), ("hf_binning_fill", "sumw2"),
    ("hf_workspace_parse", "name"), ("hf_patch_parse", "name"),
    ("hf_patchset_parse", "name"), ("hf_binning_parse", "name"),
    ("hf_patch_read_any", "patch_name"), ("hf_workspace_digest", "algorithm"),
    ("hf_workspace_combine", "join"), ("hf_patchset_digest", "algorithm"),
    ("hf_model_with_pars", "init"), ("hf_model_with_pars", "lower"),
    ("hf_model_with_pars", "upper"), ("hf_model_with_pars", "fixed"),
}

# Valid values of non-pointer parameters, by name, then by type.
INT_BY_NAME = {"i": "0", "j": "0", "k": "0", "c": "0", "fix_poi": "0",
               "merge_channels": "0", "indent": "0", "ntoys": "5",
               "code": "0"}
INT_BY_FN = {("hf_signal_cls_batch", "k"): "1"}  # a count, not an index
DOUBLE_BY_NAME = {"cl": "0.95", "score": "0.5"}
STRING_BY_NAME = {"path": "DEMO_WS", "json": '"{}"', "algorithm": '"sha256"',
                  "join": '"outer"', "patch_name": '"sig_300"'}
# Pointers to valid objects, by (const-less) type.
POINTERS = {
    "hf_workspace": "F_ws", "hf_patch": "F_patch", "hf_patchset": "F_ps",
    "hf_model": "F_model", "hf_binning": "F_bin", "hf_signal": "F_sig",
    "hf_ml": "F_ml", "hf_error": "&E", "double": "F_d",
    "unsigned char": "(unsigned char *)F_buf", "char": "F_buf",
    "hf_model_options": "&F_mo", "hf_fit_options": "&F_fo",
    "hf_batch_options": "&F_bo", "hf_toys_options": "&F_to",
    "hf_simplify_options": "&F_so", "hf_ml_options": "&F_mlo",
    "hf_signal_spec": "&F_spec", "hf_ws_edit": "&F_edit",
}


def parse(header):
    text = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    text = re.sub(r"#.*", "", text)
    out = []
    for ret, params in re.findall(r"HF_API\s+([^;(]+?)\s*\(([^)]*)\)\s*;",
                                  text, flags=re.S):
        ret = " ".join(ret.split())
        m = re.match(r"(.*?)(\w+)$", ret)
        rtype, name = m.group(1).strip(), m.group(2)
        ps = []
        for p in params.split(","):
            p = " ".join(p.split())
            if p in ("", "void"):
                continue
            pm = re.match(r"(.*?)(\w+)$", p)
            ps.append((pm.group(1).strip(), pm.group(2)))
        out.append((rtype, name, ps))
    return out


def base_type(t):
    t = t.replace("const", "").replace("*", "").strip()
    return " ".join(t.split())


def value(fn, ptype, pname, locals_):
    """A valid argument for parameter (ptype, pname) of fn."""
    stars = ptype.count("*")
    bt = base_type(ptype)
    if stars == 0:
        if bt == "int":
            return INT_BY_FN.get((fn, pname), INT_BY_NAME.get(pname, "1"))
        if bt == "double":
            return DOUBLE_BY_NAME.get(pname, "1.0")
        if bt == "size_t":
            return "sizeof F_buf" if pname == "len" else "1"
        if bt == "hf_test_stat":
            return "HF_TEST_QMU_TILDE"
        return "1"
    if stars == 2 and "const" in ptype.split("*")[1]:
        # const T *const *: an array of one valid T
        return "F_patches" if bt == "hf_patch" else "F_strs"
    if stars == 2:
        locals_.append("%s *o_%s = NULL;" % (bt, pname))
        return "&o_%s" % pname
    if bt == "char" and "const" in ptype:
        return STRING_BY_NAME.get(pname, '"x"')
    if bt in POINTERS:
        if ptype.startswith("const") or bt in ("hf_error", "double", "char",
                                                "unsigned char"):
            return POINTERS[bt]
        if bt.endswith("_options") or bt in ("hf_signal_spec",):
            return "(%s *)F_res" % bt  # an _init target
        return POINTERS[bt]
    if bt == "void":
        return "F_res"
    return "(%s *)F_res" % bt  # a result struct the call fills


def emit(fns):
    print('/* Generated from include/hf.h by tests/gen_nullargs.py: edit that. */')
    print('#include "nullargs.h"\n')
    cases = []
    for rtype, name, ps in fns:
        has_err = any(base_type(t) == "hf_error" for t, _ in ps)
        for i, (pt, pn) in enumerate(ps):
            if "*" not in pt:
                continue
            locals_ = []
            args = [("NULL" if j == i else value(name, t, n, locals_))
                    for j, (t, n) in enumerate(ps)]
            strict = (rtype == "int" and has_err and pn != "err" and
                      (name, pn) not in OPTIONAL and ("*", pn) not in OPTIONAL)
            fname = "case_%s_%d" % (name, i)
            print("static int %s(void)\n{" % fname)
            print("    hf_error E;\n    memset(&E, 0, sizeof E);")
            for l in locals_:
                print("    " + l)
            call = "%s(%s)" % (name, ", ".join(args))
            if strict:
                print("    int rc = %s;" % call)
                print("    return expect_arg(rc, &E);")
            else:
                print("    (void)%s;" % call)
                print("    return 0;")
            print("}\n")
            cases.append((fname, "%s(%s = NULL)" % (name, pn)))
    print("const nullargs_case nullargs_cases[] = {")
    for f, label in cases:
        print('    {%s, "%s"},' % (f, label))
    print("    {NULL, NULL}\n};")
    print("const int nullargs_nfunctions = %d;" % len(fns))


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        emit(parse(f.read()))
