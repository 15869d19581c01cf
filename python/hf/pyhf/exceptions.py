"""pyhf.exceptions: the same classes under the same names, so that
`except pyhf.exceptions.InvalidSpecification` works unchanged."""
import sys

__all__ = [
    "FailedMinimization", "ImportBackendError", "InvalidArchive",
    "InvalidArchiveHost", "InvalidBackend", "InvalidInterpCode",
    "InvalidMeasurement", "InvalidModel", "InvalidModifier", "InvalidNameReuse",
    "InvalidOptimizer", "InvalidPatchLookup", "InvalidPatchSet", "InvalidPdfData",
    "InvalidPdfParameters", "InvalidSpecification", "InvalidTestStatistic",
    "InvalidWorkspaceOperation", "PatchSetVerificationError", "SchemaNotFound",
    "UnspecifiedPOI", "Unsupported",
]


def __dir__():
    return __all__


class Unsupported(Exception):
    """Unsupported options were passed."""


class InvalidMeasurement(Exception):
    """A measurement is absent or invalid."""


class InvalidNameReuse(Exception):
    pass


class SchemaNotFound(FileNotFoundError):
    pass


class InvalidSpecification(Exception):
    """A specification does not validate.  pyhf passes a jsonschema
    ValidationError; hf passes libhf's message (naming the JSON path), and
    either is accepted here."""

    def __init__(self, ValidationError, schema=None):
        self.exc_info = sys.exc_info()
        self.parent = ValidationError
        self.schema = schema
        self.path = getattr(ValidationError, "path", "")
        self.instance = getattr(ValidationError, "instance", None)
        super().__init__(getattr(ValidationError, "message", str(ValidationError)))


class InvalidArchiveHost(Exception):
    pass


class InvalidArchive(Exception):
    pass


class InvalidPatchSet(Exception):
    pass


class InvalidPatchLookup(Exception):
    pass


class PatchSetVerificationError(Exception):
    pass


class InvalidWorkspaceOperation(Exception):
    pass


class UnspecifiedPOI(Exception):
    pass


class InvalidModel(Exception):
    pass


class InvalidModifier(Exception):
    pass


class InvalidInterpCode(Exception):
    pass


class InvalidTestStatistic(Exception):
    pass


class ImportBackendError(Exception):
    pass


class InvalidBackend(Exception):
    pass


class InvalidOptimizer(Exception):
    pass


class InvalidPdfParameters(Exception):
    pass


class InvalidPdfData(Exception):
    pass


class FailedMinimization(Exception):
    """A fit did not converge: .result carries what the fit reached
    (an object with x, fun, success, message, nfev)."""

    def __init__(self, result):
        self.result = result
        super().__init__(getattr(result, "message",
                                 "Unknown failure. See fit result for more details."))
