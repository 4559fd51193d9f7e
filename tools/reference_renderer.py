"""quartodoc renderer for the mlsysim API reference (``renderer.style`` in ``_quarto.yml``).

quartodoc 0.11.1 shows a pydantic model as ``HardwareNode(**data)`` with no fields. This renderer
keeps quartodoc's Markdown and, for every class page, replaces that signature with the real
keyword signature and adds a **Fields** table from the runtime class:

- pydantic models (layer types, config sections): name, type (quantities: their dimension and
  an example such as ``'3.35 TB/s'``), default, description (``Field(description=...)`` or the
  attribute's docstring);
- solver results (``mlsysim.core.result.Result``): name, unit stored and shown, meaning;
- dataclasses (``Lens``, ``Wall``, ...): name, type, default.

quartodoc imports it as ``tools.reference_renderer`` with the repository root as the current
directory (``tools/build_site.py`` runs ``quartodoc build`` there).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import re
import typing
from pathlib import Path
from typing import Union

from plum import dispatch
from quartodoc import layout
from quartodoc.renderers import MdRenderer

__all__ = ["Renderer", "fields_table"]


def _runtime(path: str):
    """The runtime object for a dotted path (``mlsysim.hardware.types.HardwareNode``), or None."""
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except Exception:
        return None


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _dimension(annotation) -> str | None:
    """The dimension of a ``Qty(...)`` annotation (possibly inside ``Optional``), else None."""
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            func = getattr(meta, "func", None)
            if isinstance(func, functools.partial) and "dimension" in func.keywords:
                return func.keywords["dimension"]
    for arg in typing.get_args(annotation):
        d = _dimension(arg)
        if d:
            return d
    return None


def _field_dimension(field) -> str | None:
    """The dimension of a pydantic field: its annotation, or (for a required ``Qty``, which pydantic
    unwraps) the validator in its metadata."""
    for meta in getattr(field, "metadata", ()) or ():
        func = getattr(meta, "func", None)
        if isinstance(func, functools.partial) and "dimension" in func.keywords:
            return func.keywords["dimension"]
    return _dimension(field.annotation)


def _type_name(annotation, dim: str | None = None) -> str:
    from mlsysim.core.units import DIMENSIONS

    dim = dim or _dimension(annotation)
    if dim:
        optional = type(None) in typing.get_args(annotation)
        example = DIMENSIONS[dim][1]
        return f"quantity: {dim.replace('_', ' ')} (e.g. `'{example}'`)" + (" or None" if optional else "")
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation).replace("typing.", "")
    for mod in ("mlsysim.core.types.", "mlsysim.hardware.types.", "mlsysim.infra.types.", "mlsysim.systems.types.",
                "mlsysim.models.types.", "mlsysim.config.schema.", "NoneType"):
        text = text.replace(mod, "None" if mod == "NoneType" else "")
    return "`" + text.replace("|", "\\|") + "`"


def _default(field) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "(factory)"
    d = field.default
    if d is None or d == () or d == {}:
        return f"`{d!r}`" if d is not None else "`None`"
    return f"`{d!r}`"


def fields_table(cls, attr_docs: dict[str, str] | None = None) -> str | None:
    """A Markdown table of a class's fields, or None when the class has no declared fields."""
    attr_docs = attr_docs or {}
    from mlsysim.core.result import Result

    if isinstance(cls, type) and issubclass(cls, Result) and cls.fields():
        rows = ["| Field | Unit | Meaning |", "| --- | --- | --- |"]
        for name, f in cls.fields().items():
            unit = "—" if f.unit is None else f"`{f.display or f.unit}`"
            rows.append(f"| `{name}` | {unit} | {_cell(f.doc)} |")
        note = ("Quantity fields are pint quantities, shown in the unit listed: convert with `.to()`, e.g. "
                "`result.latency.to('s')`. "
                "`to_dict()` gives every field as JSON with its unit.")
        return "\n".join(rows) + "\n\n" + note
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict) and model_fields:
        rows = ["| Field | Type | Default | Description |", "| --- | --- | --- | --- |"]
        for name, f in model_fields.items():
            desc = f.description or attr_docs.get(name, "")
            alias = f" (key `{f.alias}`)" if f.alias and f.alias != name else ""
            rows.append(f"| `{name}`{alias} | {_type_name(f.annotation, _field_dimension(f))} | {_default(f)} | {_cell(desc)} |")
        note = ("Keyword arguments only. Quantities accept a pint Quantity or a string with its unit; a wrong "
                "dimension, NaN, zero or a negative size, and unknown keys are rejected with a message naming the field.")
        if getattr(cls, "model_config", {}).get("frozen"):
            note += " Objects are frozen: make a variant with `.copy(field=value)`."
        return "\n".join(rows) + "\n\n" + note
    if dataclasses.is_dataclass(cls):
        rows = ["| Field | Type | Default |", "| --- | --- | --- |"]
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = f"`{f.default!r}`"
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = "(factory)"
            else:
                default = "required"
            rows.append(f"| `{f.name}` | `{_cell(f.type)}` | {default} |")
        return "\n".join(rows)
    return None


def _signature(cls, name: str) -> str | None:
    """``Name(*, a, b=None, ...)`` for a pydantic model, in quartodoc's code-block style."""
    model_fields = getattr(cls, "model_fields", None)
    if not isinstance(model_fields, dict) or not model_fields:
        return None
    pars = [n if f.is_required() else f"{n}={'...' if f.default_factory else repr(f.default)}" for n, f in model_fields.items()]
    flat = f"{name}(*, {', '.join(pars)})"
    if len(flat) <= 80:
        return f"```python\n{flat}\n```"
    return "```python\n" + "\n".join([f"{name}(", "    *,", *(f"    {p}," for p in pars), ")"]) + "\n```"


def _attribute_docs(griffe_obj) -> dict[str, str]:
    out = {}
    try:  # inherited fields too (TransformerWorkload's name, id ... come from Workload)
        members = getattr(griffe_obj, "all_members", None) or griffe_obj.members
        for name, member in members.items():
            doc = getattr(member, "docstring", None)
            if doc is not None and getattr(member, "is_attribute", False):
                out[name] = doc.value
    except Exception:
        pass
    return out


def _textbook(name: str) -> str:
    """The "Textbook and slides" callout of a class that has an entry in mlsysim/data/textbook.toml
    (``[solvers.<name>]``), written by tools/gen_textbook.py's ``callout``; "" otherwise."""
    try:
        from mlsysim import textbook

        if name not in textbook.solvers():
            return ""
        spec = importlib.util.spec_from_file_location("_gen_textbook", Path(__file__).resolve().parent / "gen_textbook.py")
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        note = textbook.solvers()[name].get("note")
        return "\n\n" + gen.callout(textbook.chapters_for(name), f"`{name}`" + (f" ({note})" if note else ""), level=2)
    except Exception:  # the reference must build even if the mapping is broken; tests check it
        return ""


class Renderer(MdRenderer):
    """quartodoc's Markdown renderer, plus real signatures and Fields tables for typed classes."""

    style = "mlsysim"

    @dispatch
    def render(self, el: Union[layout.DocClass, layout.DocModule]):  # noqa: F811
        text = MdRenderer.render(self, el)
        if not isinstance(el, layout.DocClass):
            return text
        cls = _runtime(el.obj.path)
        if cls is None:
            return text
        short = el.name.rsplit(".", 1)[-1]
        sig = _signature(cls, short)
        if sig:
            text = text.replace(f"```python\n{short}(**data)\n```", sig, 1)
        # results are built by solvers, not by hand: no constructor signature
        text = text.replace(f"```python\n{short}(**raw)\n```\n\n", "", 1)
        table = fields_table(cls, _attribute_docs(el.obj))
        if not table:
            return text + _textbook(short)
        level = "#" * (self.crnt_header_level + 1)
        # quartodoc's own Attributes summary repeats the fields without types or units: drop it
        text = re.sub(rf"\n\n{level} Attributes\n.*?(?=\n\n{level} |\Z)", "", text, count=1, flags=re.S)
        block = f"{level} Fields {{.doc-section .doc-section-fields}}\n\n::: {{.doc-fields}}\n\n{table}\n\n:::"
        # the fields go right after the class's own docstring, before its methods
        marker = f"\n\n{level} Methods"
        if marker in text:
            head, _, tail = text.partition(marker)
            return f"{head}\n\n{block}{marker}{tail}" + _textbook(short)
        return f"{text}\n\n{block}" + _textbook(short)
