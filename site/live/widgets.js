// Widgets of a live page: sliders (linear or log), number inputs and selects, declared in the
// page as `::: {.live-widget name=... type=...}` and described by tools/gen_live.py. Each is a
// labelled native control (keyboard-usable, readable at phone width). Values live in the URL's
// query string (?batch=64&hardware=B200), so a link reproduces the view; only values that differ
// from the page's defaults are written.

const LOG_STEPS = 240; // positions of a log slider

function fmt(spec, v) {
  const n = Number(v);
  const text = spec.integer ? n.toLocaleString("en-US") : Number(n.toPrecision(4)).toLocaleString("en-US");
  return spec.unit ? `${text} ${spec.unit}` : text;
}

function snap(spec, v) {
  let x = Math.min(spec.max, Math.max(spec.min, Number(v)));
  if (spec.integer) x = Math.round(x);
  if (!spec.log && spec.step) x = spec.min + Math.round((x - spec.min) / spec.step) * spec.step;
  return spec.integer ? Math.round(x) : Number(x.toPrecision(12));
}

function toPos(spec, v) {
  const a = Math.log(spec.min);
  const b = Math.log(spec.max);
  return Math.round(((Math.log(v) - a) / (b - a)) * LOG_STEPS);
}

function fromPos(spec, p) {
  const a = Math.log(spec.min);
  const b = Math.log(spec.max);
  return snap(spec, Math.exp(a + (p / LOG_STEPS) * (b - a)));
}

// A widget value from the URL, or undefined when missing or not valid for the widget.
function parse(spec, text) {
  if (text == null) return undefined;
  if (spec.type === "select") return spec.options.some((o) => o.value === text) ? text : undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return snap(spec, n);
}

export class Widgets {
  // specs: [{name, type, label, ...}]; onChange(name, value) is called after each change
  constructor(specs, onChange) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
    this.values = {};
    this.onChange = onChange;
    this.controls = new Map();
    const query = new URLSearchParams(location.search);
    this.fromURL = [];
    for (const spec of specs) {
      const v = parse(spec, query.get(spec.name));
      this.values[spec.name] = v === undefined ? spec.value : v;
      if (v !== undefined && v !== spec.value) this.fromURL.push(spec.name);
    }
  }

  // Build each control inside its declaration's element.
  mount(root = document) {
    for (const spec of this.specs.values()) {
      const host = root.querySelector(`[data-live-widget="${CSS.escape(spec.name)}"]`);
      if (!host) continue;
      host.classList.add("live-widget-ready", `live-widget-${spec.type}`);
      host.replaceChildren(this.build(spec));
    }
  }

  build(spec) {
    const id = `live-w-${spec.name}`;
    const wrap = document.createElement("div");
    wrap.className = "live-control";
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = spec.label;
    wrap.append(label);
    const value = this.values[spec.name];
    if (spec.type === "select") {
      const sel = document.createElement("select");
      sel.id = id;
      sel.name = spec.name;
      for (const o of spec.options) sel.add(new Option(o.label, o.value, false, o.value === value));
      sel.addEventListener("change", () => this.set(spec.name, sel.value));
      wrap.append(sel);
      this.controls.set(spec.name, { set: (v) => (sel.value = v) });
    } else if (spec.type === "number") {
      const inp = document.createElement("input");
      Object.assign(inp, { type: "number", id, name: spec.name, min: spec.min, max: spec.max, step: spec.step, value });
      inp.inputMode = spec.integer ? "numeric" : "decimal";
      const commit = () => {
        if (inp.value === "" || !Number.isFinite(Number(inp.value))) return;
        const v = snap(spec, inp.value);
        this.set(spec.name, v);
      };
      inp.addEventListener("change", () => {
        commit();
        inp.value = this.values[spec.name];
      });
      inp.addEventListener("input", commit);
      wrap.append(inp);
      if (spec.unit) wrap.append(Object.assign(document.createElement("span"), { className: "live-unit", textContent: spec.unit }));
      this.controls.set(spec.name, { set: (v) => (inp.value = v) });
    } else {
      const inp = document.createElement("input");
      inp.type = "range";
      inp.id = id;
      inp.name = spec.name;
      const out = document.createElement("output");
      out.htmlFor = id;
      if (spec.log) Object.assign(inp, { min: 0, max: LOG_STEPS, step: 1 });
      else Object.assign(inp, { min: spec.min, max: spec.max, step: spec.step });
      const show = (v) => {
        inp.value = spec.log ? toPos(spec, v) : v;
        out.textContent = fmt(spec, v);
        inp.setAttribute("aria-valuetext", fmt(spec, v));
      };
      show(value);
      inp.addEventListener("input", () => {
        const v = spec.log ? fromPos(spec, Number(inp.value)) : snap(spec, inp.value);
        out.textContent = fmt(spec, v);
        inp.setAttribute("aria-valuetext", fmt(spec, v));
        this.set(spec.name, v);
      });
      wrap.append(inp, out);
      this.controls.set(spec.name, { set: show });
    }
    return wrap;
  }

  set(name, value) {
    if (this.values[name] === value) return;
    this.values[name] = value;
    this.writeURL();
    this.onChange(name, value);
  }

  // Set a value from outside (tests, links): updates the control, the URL and the cells.
  update(name, value) {
    const spec = this.specs.get(name);
    const v = parse(spec, String(value));
    if (v === undefined) throw new Error(`${name}: ${value} is not a valid value`);
    this.controls.get(name)?.set(v);
    this.set(name, v);
  }

  writeURL() {
    const q = new URLSearchParams(location.search);
    for (const spec of this.specs.values()) {
      const v = this.values[spec.name];
      if (v === spec.value) q.delete(spec.name);
      else q.set(spec.name, String(v));
    }
    const s = q.toString();
    history.replaceState(history.state, "", (s ? `?${s}` : location.pathname) + location.hash);
  }

  snapshot() {
    return { ...this.values };
  }
}
