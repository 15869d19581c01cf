"""pyhf.utils: digest."""
from ._util import module_getattr
from .workspace import digest  # noqa: F401

__all__ = ["digest"]
__getattr__ = module_getattr("pyhf.utils")
