"""examples/pyhf_recast.py, pyhf code with `import hf.pyhf as pyhf`, runs
unchanged and prints pyhf's table: the lines below are the output of the
same script with `import pyhf` on pyhf 0.7.6 (the parameter values it
prints after them differ in the 4th decimal through pyhf's optimizer
tolerance, so only the table and -2 log L are compared)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PYHF = """\
patch         CLs_obs    CLs_exp  mu_up_obs  mu_up_exp
sig_300        0.0874     0.0310     1.1489     0.8961
sig_400        0.2589     0.1249     1.7087     1.3275
sig_500        0.5627     0.3751     3.2142     2.4717
best fit: -2 log L = 3.8107
"""


def test_example_runs_unchanged():
    env = dict(os.environ)
    if not env.get("HF_PYTHON_INSTALLED"):
        env["PYTHONPATH"] = os.path.join(ROOT, "python")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run([sys.executable, os.path.join("examples", "pyhf_recast.py")],
                         cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    assert out.startswith(PYHF), out
    assert "mu_SIG" in out and "logpdf at the best fit: -1.9053" in out
