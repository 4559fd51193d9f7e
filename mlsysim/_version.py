"""The version, from the package metadata (one place: pyproject.toml)."""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("mlsysim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
