"""The version comes from one place (pyproject.toml): the package metadata, ``mlsysim --version``,
CITATION.cff and the README's BibTeX all say the same."""

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import mlsysim

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def test_package_metadata_is_pyproject():
    assert version("mlsysim") == PYPROJECT, "reinstall the package (pip install -e .): its metadata is stale"
    assert mlsysim.__version__ == PYPROJECT


def test_cli_version():
    out = subprocess.run([sys.executable, "-m", "mlsysim.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["mlsysim", PYPROJECT]


def test_citation_cff_version():
    text = (ROOT / "CITATION.cff").read_text("utf-8")
    found = re.findall(r'^version:\s*"?([^"\s]+)"?\s*$', text, re.M)
    assert found == [PYPROJECT]
    assert re.search(r"^cff-version:\s*1\.2\.0\s*$", text, re.M)
    assert re.search(r"^title:\s*\S", text, re.M) and re.search(r"^authors:", text, re.M)


def test_readme_bibtex_version():
    readme = (ROOT / "README.md").read_text("utf-8")
    bib = re.search(r"```bibtex\n(@software\{.*?\n\})\n```", readme, re.S)
    assert bib, "README has a BibTeX @software entry"
    assert re.findall(r"version\s*=\s*\{([^}]*)\}", bib.group(1)) == [PYPROJECT]
