"""The ``mlsysim`` command line: a thin shell over the Python API (typer + rich).

Exit codes: 0 ok, 1 bad input, 2 infeasible (does not fit), 3 a constraint or SLA failed,
130 interrupted. Errors are one line on stderr; ``--output json`` writes one JSON document.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mlsysim`` console script."""
    from ._main import run

    code = run(sys.argv[1:] if argv is None else argv)
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
