"""Print the quartodoc sections for the solvers (layer E), one per module of ``mlsysim/solvers/``.

The API reference must document every public class (``tests/site/test_reference_pages.py``
checks it). When a solver module is added, run ``python tools/reference_sections.py`` and paste
its output over the solver sections of ``_quarto.yml`` (between ``- title: Solvers (layer E)``
and ``- title: Evaluation``). Classes come from each module's ``__all__``; its public functions
(the formulas) get one page per module.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TITLES = {
    "roofline": "Roofline (one device)", "serving": "Serving", "collectives": "Collectives", "distributed": "Distributed training",
    "training_memory": "Training memory", "training": "Training runs", "economics": "Economics", "sustainability": "Sustainability",
    "reliability": "Reliability", "queueing": "Queueing and tail latency", "compression": "Compression",
    "data": "Data pipelines", "locality": "Locality and scheduling", "optimizer": "Optimizers: parallelism",
    "placement": "Optimizers: placement and batching", "reasoning": "Reasoning (inference-time compute)",
    "scaling": "Scaling laws", "sensitivity": "Sensitivity and synthesis", "stragglers": "Stragglers", "streaming": "Weight streaming",
}
ORDER = list(TITLES)


def public(module: str) -> tuple[list[str], list[str]]:
    mod = importlib.import_module(module)
    names = list(getattr(mod, "__all__", []))
    classes = [n for n in names if inspect.isclass(getattr(mod, n, None)) and getattr(mod, n).__module__ == module]
    funcs = [n for n in names if inspect.isfunction(getattr(mod, n, None)) and getattr(mod, n).__module__ == module]
    return classes, funcs


def solver_modules() -> list[str]:
    import mlsysim.solvers as S

    found = [m.name for m in pkgutil.iter_modules(S.__path__) if not m.name.startswith("_")]
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def sections() -> str:
    out = [
        "    - title: Solvers (layer E)",
        "      desc: >-",
        "        Pure functions from inputs to frozen results that name every term and the bottleneck. Each",
        "        solver module has its model, its result and the formula functions it is built from (see the",
        "        [math page](../site/math.qmd)).",
    ]
    formulas = []
    found = {name: public(f"mlsysim.solvers.{name}") for name in solver_modules()}
    seen: dict[str, int] = {}
    for classes, _ in found.values():
        for c in classes:
            seen[c] = seen.get(c, 0) + 1
    for name, (classes, funcs) in found.items():
        if classes:
            # a class name two modules share gets a qualified page (placement.PlacementResult.qmd)
            clash = any(seen[c] > 1 for c in classes)
            title = TITLES.get(name, name.replace("_", " ").capitalize())
            out += [f'    - subtitle: "{title}"',
                    f"      package: mlsysim.solvers{'' if clash else '.' + name}", "      contents:"]
            out += [f"        - {name + '.' if clash else ''}{c}" for c in classes]
        if funcs:
            formulas.append((name, funcs))
    if formulas:
        out += ['    - subtitle: "Formula functions"',
                "      desc: The small functions the solvers are built from, one page per solver module; each docstring gives its equation and source.",
                "      package: mlsysim.solvers", "      contents:"]
        for name, funcs in formulas:
            out += [f"        - name: {name}", f"          members: [{', '.join(funcs)}]"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(sections())
