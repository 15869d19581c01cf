"""pytest setup for hf.pyhf: the package from python/ of this tree (unless
HF_PYTHON_INSTALLED is set, to test an installed copy), the library from
$HF_LIB or build/."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
if not os.environ.get("HF_PYTHON_INSTALLED"):
    sys.path.insert(0, os.path.join(ROOT, "python"))
os.environ.setdefault("HF_LIB", os.path.join(ROOT, "build", "libhf.so"))
