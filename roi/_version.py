"""The installed version of roi; leaf modules import it from here, not from the package root."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("roi")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
