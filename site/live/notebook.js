// The cells of a live page and the order they run in. Cells share one Python namespace, like a
// notebook. A cell runs again when a widget it reads changes, when it is run by hand, or when an
// earlier cell that ran assigns a name it reads (so a chart cell follows the cell that computes
// its data). Runs are one at a time, in page order; a change made while a cell runs is picked up
// by the next run, so dragging a slider never builds a backlog.

import { Editor } from "./editor.js";
import { render } from "./render.js";
import { Stopped } from "./runtime.js";

const intersects = (a, b) => {
  for (const x of a) if (b.has(x)) return true;
  return false;
};

export class Notebook {
  constructor(page, runtime, widgets, events) {
    this.root = page.root;
    this.runtime = runtime;
    this.widgets = widgets;
    this.events = events; // {onResult(cell, result, rendered), onIdle()}
    this.dirty = new Set();
    this.running = null;
    this.flushing = false;
    this.cells = [];
    for (const spec of page.cells) {
      const el = document.querySelector(`.live-cell[data-live="${CSS.escape(spec.id)}"]`);
      if (!el) continue;
      this.cells.push(this.mountCell(el, spec));
    }
  }

  mountCell(el, spec) {
    const cell = { id: spec.id, el, uses: new Set(spec.uses), defines: new Set(spec.defines), stopped: false };
    let box = el.querySelector(":scope > .live-output");
    if (!box) {
      box = document.createElement("div");
      box.className = "live-output";
      el.append(box);
    }
    box.setAttribute("aria-live", "polite");
    cell.box = box;
    cell.editor = new Editor(el, spec.code, {
      onRun: () => this.request([cell]),
      onStop: () => this.stop(),
      onReset: () => this.request([cell]),
    });
    const code = el.querySelector(":scope > .sourceCode, :scope > .code-copy-outer-scaffold, :scope > pre, :scope > div.sourceCode");
    if (code) {
      code.classList.add("live-static-code");
      code.after(cell.editor.el);
    } else {
      el.insertBefore(cell.editor.el, box);
    }
    el.classList.add("live-cell-ready");
    return cell;
  }

  // Cells that read any of `names` (widget names), and what follows from them.
  widgetChanged(name) {
    this.request(this.cells.filter((c) => c.uses.has(name)));
  }

  // Mark the outputs computed at build time as out of date (the URL chose other values).
  markStale(names) {
    const changed = new Set(names);
    for (const c of this.cells) {
      if (intersects(c.uses, changed)) {
        c.box.classList.add("stale");
        for (const d of c.defines) changed.add(d);
      }
    }
  }

  request(cells) {
    for (const c of cells) {
      c.stopped = false;
      this.dirty.add(c);
      if (this.running !== c) c.editor.say("queued");
    }
    this.flush();
  }

  all() {
    this.request(this.cells.filter((c) => !c.stopped));
  }

  // The cells to run, in page order: the dirty ones and those that read what an earlier one in
  // the plan assigns (as far as the last run of each cell told us).
  plan() {
    const out = [];
    const assigned = new Set();
    for (const c of this.cells) {
      if (this.dirty.has(c) || (!c.stopped && intersects(c.uses, assigned))) {
        out.push(c);
        for (const d of c.defines) assigned.add(d);
      }
    }
    return out;
  }

  async flush() {
    if (this.flushing || !this.runtime.ready) return;
    this.flushing = true;
    try {
      while (this.runtime.ready && this.dirty.size) {
        // all the runs are sent at once: the worker goes from one cell to the next without
        // waiting for this thread to draw the previous result
        const plan = this.plan();
        const values = this.widgets.snapshot();
        const sent = plan.map((c) => {
          this.dirty.delete(c);
          return [c, this.send(c, values)];
        });
        for (const [cell, pending] of sent) {
          const result = await this.receive(cell, pending);
          if (!result) break; // stopped: the rest of the plan was dropped with the worker
          // a cell whose names changed (edited code) may pull in cells the plan did not have
          for (const c of this.cells.slice(this.cells.indexOf(cell) + 1)) {
            if (!c.stopped && intersects(c.uses, cell.defines) && !plan.includes(c)) this.dirty.add(c);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
    if (!this.dirty.size && this.runtime.ready) this.events.onIdle();
  }

  send(cell, values) {
    cell.editor.busy(true);
    cell.editor.say("running…");
    cell.el.classList.add("running");
    const asked = performance.now();
    const p = this.runtime.run(cell.id, cell.editor.code, values).then((r) => ({ r, asked }), (err) => ({ err, asked }));
    return p;
  }

  async receive(cell, pending) {
    this.running = cell;
    const { r: result, err, asked } = await pending;
    if (err) {
      cell.el.classList.remove("running");
      cell.editor.busy(false);
      this.running = null;
      if (err instanceof Stopped) {
        for (const c of this.cells) {
          if (c !== cell && c.el.classList.contains("running")) {
            c.el.classList.remove("running");
            c.editor.busy(false);
            c.editor.say("");
          }
        }
        cell.stopped = true;
        cell.editor.say("stopped");
        await render(cell.box, [{ type: "error", ename: "Stopped", evalue: "", traceback: "Stopped: the cell was interrupted and Python restarted.\nThe other cells were run again; press Run to run this one again." }], this.root);
        cell.box.classList.remove("stale");
      } else {
        cell.editor.say("");
      }
      return null;
    }
    this.running = null;
    cell.uses = new Set(result.uses);
    cell.defines = new Set(result.defines);
    const got = performance.now();
    await render(cell.box, result.outputs, this.root);
    const rendered = performance.now();
    cell.box.classList.remove("stale");
    cell.box.dataset.origin = "live";
    cell.el.classList.remove("running");
    cell.el.classList.toggle("failed", !result.ok);
    cell.editor.busy(false);
    cell.editor.say(result.ok ? `ran in ${Math.round(result.ms)} ms` : "raised an error");
    this.events.onResult(cell, result, { asked, got, rendered });
    return result;
  }

  // Stop: end the worker (a runaway cell with it) and start again; the other cells run again.
  stop() {
    this.dirty.clear();
    this.runtime.restart();
  }

  // After a restart: run every cell again except the one that was stopped.
  restore() {
    this.all();
  }
}
