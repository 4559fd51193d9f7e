// Entry point of a live page (added to each page with live cells by tools/gen_live.py).
//
// Reads the page's cells and widgets (<script id="live-page">), starts Python in a Web Worker at
// once, builds the editors and widgets, and runs every cell when Python is ready; the outputs
// computed at build time stay in place until then. window.mlsysimLive exposes the timings and a
// small API for tests and benchmarks.

import { Notebook } from "./notebook.js";
import { loadVega } from "./render.js";
import { Runtime } from "./runtime.js";
import { Status } from "./status.js";
import { Widgets } from "./widgets.js";

function main() {
  const blob = document.getElementById("live-page");
  if (!blob) return;
  const page = JSON.parse(blob.textContent);
  const t0 = performance.timeOrigin;
  const since = (at) => (at == null ? null : Math.round(at - t0));
  const live = {
    timings: { stages: {}, ready: null, firstResult: null, firstChart: null },
    results: [],
    idle: false,
  };
  window.mlsysimLive = live;
  let restarting = false;
  const stageStart = {};

  // the worker usually started already, from the page's <head>: start() adopts it
  const runtime = new Runtime(page.root);
  runtime.start();

  const status = new Status(() => {
    status.loading();
    runtime.restart();
  });

  const widgets = new Widgets(page.widgets, (name) => {
    live.idle = false;
    notebook.widgetChanged(name);
  });
  widgets.mount();

  const notebook = new Notebook(page, runtime, widgets, {
    onResult: (cell, result, t) => {
      const r = { cell: cell.id, ok: result.ok, ms: result.ms, asked: t.asked, got: t.got, rendered: t.rendered,
        charts: result.outputs.filter((o) => o.type === "vega").length };
      live.results.push(r);
      if (live.timings.firstResult == null) live.timings.firstResult = Math.round(t.rendered);
      if (r.charts && live.timings.firstChart == null) live.timings.firstChart = Math.round(t.rendered);
      cell.el.dispatchEvent(new CustomEvent("live:result", { bubbles: true, detail: r }));
    },
    onIdle: () => {
      live.idle = true;
      document.dispatchEvent(new CustomEvent("live:idle"));
    },
  });
  if (widgets.fromURL.length) notebook.markStale(widgets.fromURL);

  const plainRestart = runtime.restart.bind(runtime);
  runtime.restart = () => {
    restarting = true;
    status.restarting();
    plainRestart();
  };

  // last: stages that already passed (Python started in <head>) are replayed now
  runtime.attach({
    onStage: (m) => {
      if (m.state === "start") stageStart[m.stage] = m.at;
      else live.timings.stages[m.stage] = { start: since(stageStart[m.stage]), end: since(m.at) };
      status.stage(m.stage, m.state, m.state === "done" ? m.at - stageStart[m.stage] : null);
    },
    onReady: (m) => {
      live.timings.ready = live.timings.ready ?? since(m.at);
      status.ready((m.at - t0) / 1000);
      document.dispatchEvent(new CustomEvent("live:ready"));
      loadVega(page.root).catch(() => {}); // parsed on this thread while the first cells run in the worker
      if (restarting) {
        restarting = false;
        notebook.restore();
      } else notebook.all();
    },
    onFailed: (m) => {
      status.failed(m.stage, m.message);
      document.documentElement.dataset.liveFailed = m.stage;
      document.dispatchEvent(new CustomEvent("live:failed", { detail: m }));
    },
  });

  live.setWidget = (name, value) => widgets.update(name, value);
  live.values = () => widgets.snapshot();
  live.run = (id) => notebook.request(notebook.cells.filter((c) => c.id === id));
  live.stop = () => notebook.stop();
  live.runtime = runtime;
}

try {
  main();
} catch (err) {
  // the page keeps its static content and build-time outputs
  console.warn("live cells are unavailable:", err);
}
