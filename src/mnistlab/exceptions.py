"""Errors and warnings raised by mnistlab.

Every error the package raises on purpose derives from :class:`MnistlabError`,
so that a caller (the command line in particular) can tell a problem with
the input from a bug. Each also derives from the built-in exception a
scikit-learn user would expect (``ValueError``, ``OSError``).
"""


class MnistlabError(Exception):
    """Base class of the errors that mnistlab raises on purpose."""


class InputError(MnistlabError, ValueError):
    """An argument has a value that cannot be used; the message says why."""


class DataError(MnistlabError, ValueError):
    """A data file is damaged, missing or not in the expected format."""


class ChecksumError(DataError):
    """A data file's content does not match its recorded checksum."""


class DataSourceError(MnistlabError, OSError):
    """A data source (such as OpenML) could not be reached or read."""


class OutputError(MnistlabError, OSError):
    """An output location cannot be written."""


class MnistlabWarning(UserWarning):
    """A caller-facing problem that does not stop the computation."""
