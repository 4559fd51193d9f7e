"""``mlsysim eval FILE.yaml``: evaluate a config file's scenario (exit 2 infeasible, 3 constraint failed)."""

from __future__ import annotations

import sys

from ._output import Output


def eval_config(out: Output, path: str) -> None:
    from ..config import load_config
    from ..config.loader import config_error
    from ..core.errors import ConfigError
    from ..evaluation.evaluator import evaluate_config

    loaded = load_config(path)
    try:
        ev = evaluate_config(loaded)
    except ConfigError as exc:  # a solver's error about a field: name the file, line and field path
        raise config_error(loaded, exc) from None
    if out.json:
        out.emit_json("eval", ev.to_dict())
    else:
        out.console.print(ev.scorecard(), markup=False, highlight=False, soft_wrap=True)
    if not ev.feasible:
        sys.stderr.write(f"infeasible: {'; '.join(ev.feasibility.notes) or 'does not fit'}\n")
        raise SystemExit(2)
    failed = [c for c in ev.constraints if not c.passed]
    if failed:
        sys.stderr.write(f"constraint failed: {failed[0].message}" + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "") + "\n")
        raise SystemExit(3)
