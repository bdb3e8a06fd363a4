"""The installed package's version. pyproject.toml is its one source: this reads the metadata
that installing wrote, so a release changes one line there and nothing here.

Imports nothing from sim, so any module of the package can import it first."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("computesim")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
