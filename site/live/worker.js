// The Python of a live page, in a Web Worker: Pyodide, the engine's wheels, and site/live/kernel.py.
//
// Everything comes from this site: the runtime from site/vendor/pyodide/ (copied from npm), the
// wheels and pyodide-lock.json beside it (tools/bundle.py). Messages in: {type: "init", root},
// {type: "run", id, cell, code, values}. Messages out: {type: "stage", stage, state, at},
// {type: "ready", at}, {type: "failed", stage, message}, {type: "result", id, result, at}.
// `at` is an absolute time (performance.timeOrigin + now, ms), comparable with the page's.

import { inflateFetch, prefetch } from "./inflate.js";

const now = () => performance.timeOrigin + performance.now();
const post = (m) => self.postMessage(m);

let py = null;
let kernel = null;
let charts = null; // Promise: the chart packages (altair and its dependencies) installed
let chartGroup = [];
let chartFiles = null;
let chartsImported = false;
let stage = "runtime";
const queue = [];
let busy = false;

async function step(name, fn) {
  stage = name;
  post({ type: "stage", stage: name, state: "start", at: now() });
  const value = await fn();
  post({ type: "stage", stage: name, state: "done", at: now() });
  return value;
}

function describe(err) {
  const msg = String((err && err.message) || err);
  // keep the Python error line, not the whole traceback, in the status line
  const lines = msg.trim().split("\n");
  return lines[lines.length - 1].slice(0, 400);
}

async function init(root) {
  const vendor = new URL("site/vendor/pyodide/", root).href;
  const manifestURL = new URL("runtime.json", vendor).href;
  const kernelURL = new URL("site/live/kernel.py", root).href;
  const kernelSource = fetch(kernelURL).then((r) => {
    if (!r.ok) throw new Error(`${kernelURL}: HTTP ${r.status}`);
    return r.text();
  });
  kernelSource.catch(() => {});
  try {
    const manifest = await step("runtime", async () => {
      const [manifest, mod] = await Promise.all([
        fetch(manifestURL).then((r) => {
          if (!r.ok) throw new Error(`${manifestURL}: HTTP ${r.status}`);
          return r.json();
        }),
        import(new URL("pyodide.mjs", vendor).href).catch((e) => {
          throw new Error(`cannot load ${vendor}pyodide.mjs (${e.message || e})`);
        }),
      ]);
      // a missing binary would leave Pyodide waiting forever: check that it is there
      const wasm = new URL("pyodide.asm.wasm", vendor).href;
      const heads = await Promise.all([wasm + ".gz", wasm].map((u) => fetch(u, { method: "HEAD" }).then((r) => r.ok, () => false)));
      if (!heads.some(Boolean)) throw new Error(`${new URL(wasm).pathname} is missing`);
      inflateFetch(vendor, manifest.gzip);
      if (manifest.files) prefetch(vendor, manifest.files.engine); // downloads overlap the runtime's start
      // Emscripten reports a runtime that cannot start (a missing or corrupt binary) on stderr
      // and may never settle the promise: fail the stage on that message instead of waiting.
      let abort;
      const aborted = new Promise((_, reject) => (abort = reject));
      const watch = (line) => {
        line = String(line);
        if (/Aborted\(|failed to asynchronously prepare wasm|both async and sync fetching|wasm instantiation failed/.test(line)) {
          abort(new Error(`the WebAssembly runtime (site/vendor/pyodide/pyodide.asm.wasm) could not be started: ${line.trim()}`));
        }
      };
      const stderr = watch;
      const [warn, error] = [console.warn, console.error];
      console.warn = (...a) => (watch(a.join(" ")), warn.apply(console, a));
      console.error = (...a) => (watch(a.join(" ")), error.apply(console, a));
      aborted.catch(() => {});
      py = await Promise.race([
        mod.loadPyodide({
          indexURL: vendor,
          lockFileURL: new URL("pyodide-lock.json", vendor).href + "?v=" + manifest.lock,
          packageBaseUrl: vendor,
          stdout: () => {},
          stderr,
        }),
        aborted,
      ]).finally(() => {
        console.warn = warn;
        console.error = error;
      });
      return manifest;
    });
    await step("packages", async () => {
      const errors = [];
      await py.loadPackage(manifest.groups.engine, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
      if (errors.length) {
        // Pyodide reports "...while loading NAME:" then the reason: keep the first pair
        const who = errors.find((m) => /while loading/.test(m)) || "";
        const name = (who.match(/loading ([\w.-]+)/) || [, "a package"])[1];
        const why = errors.find((m) => !/while loading/.test(m)) || errors[0];
        throw new Error(`${name}: ${why.trim()} (a wheel in site/vendor/pyodide/ is missing or does not match pyodide-lock.json)`);
      }
      chartGroup = manifest.groups.charts;
      chartFiles = manifest.files && manifest.files.charts;
    });
    await step("engine", async () => {
      if (chartFiles) prefetch(vendor, chartFiles); // downloads overlap the engine's start and the first cells
      const src = await kernelSource;
      py.FS.writeFile("/home/pyodide/mlsysim_live_kernel.py", src);
      py.runPython("import sys; sys.path.insert(0, '/home/pyodide')\nimport mlsysim_live_kernel\nimport mlsysim.core.units, mlsysim.solvers.roofline");
      kernel = py.pyimport("mlsysim_live_kernel");
    });
    post({ type: "ready", at: now() });
  } catch (err) {
    post({ type: "failed", stage, message: describe(err) });
    return;
  }
  pump();
}

const NEEDS_CHARTS = /\baltair\b|\bmlsysim\.charts\b|from\s+mlsysim\s+import\s+[^\n]*\bcharts\b/;

// The chart packages load after the first result is out (their install would delay it).
function startCharts() {
  if (!charts) {
    const errors = [];
    charts = py.loadPackage(chartGroup, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) }).then(() => {
      if (errors.length) throw new Error(`the chart packages could not be loaded: ${errors.join("; ")}`);
    });
    charts.catch(() => {});
  }
  return charts;
}

async function ensureCharts() {
  if (chartsImported) return;
  await startCharts();
  py.runPython("import altair\nmlsysim_live_kernel.speed_up_altair()");
  chartsImported = true;
}

async function pump() {
  if (busy || !kernel) return;
  busy = true;
  try {
    while (queue.length) {
      const m = queue.shift();
      const started = now();
      let result;
      try {
        if (NEEDS_CHARTS.test(m.code)) await ensureCharts();
        result = JSON.parse(kernel.run_json(m.cell, m.code, JSON.stringify(m.values || {})));
      } catch (err) {
        result = { ok: false, outputs: [{ type: "error", ename: "RuntimeError", evalue: describe(err), traceback: String(err && err.message || err) }], defines: [], uses: [] };
      }
      post({ type: "result", id: m.id, result, started, at: now() });
      if (!charts) setTimeout(startCharts, 0);
    }
  } finally {
    busy = false;
  }
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === "init") init(m.root);
  else if (m.type === "run") {
    queue.push(m);
    pump();
  }
};
