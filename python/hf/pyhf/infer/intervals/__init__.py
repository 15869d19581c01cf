"""pyhf.infer.intervals."""
from ..._util import module_getattr
from . import upper_limits  # noqa: F401
from .upper_limits import upper_limit  # noqa: F401  (deprecated alias in pyhf)

__all__ = ["upper_limits"]
__getattr__ = module_getattr("pyhf.infer.intervals")
