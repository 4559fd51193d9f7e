// The main thread's handle on the Python worker (site/live/worker.js): start, run, stop.
//
// const rt = new Runtime(root, {onStage, onReady, onFailed});  // or rt.attach({...}) later
// rt.start();                      // loading starts at once; stages are reported as they pass
// await rt.run(cell, code, values) // -> {ok, outputs, defines, uses, ms}; rejects with Stopped
// rt.restart();                    // Stop: end the worker (a runaway loop too) and start anew

export class Stopped extends Error {
  constructor() {
    super("stopped");
    this.name = "Stopped";
  }
}

export class Runtime {
  constructor(root, hooks = {}) {
    this.root = root;
    this.hooks = null;
    this.early = []; // what happened before hooks were attached (the worker starts from the page's <head>)
    if (Object.keys(hooks).length) this.attach(hooks);
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    this.ready = false;
    this.generation = 0;
  }

  // Receive the stages and results from now on, after those that already happened.
  attach({ onStage = () => {}, onReady = () => {}, onFailed = () => {} }) {
    this.hooks = { onStage, onReady, onFailed };
    const early = this.early;
    this.early = [];
    for (const [kind, m] of early) this.hooks[kind](m);
  }

  emit(kind, m) {
    if (this.hooks) this.hooks[kind](m);
    else this.early.push([kind, m]);
  }

  start() {
    this.generation += 1;
    const gen = this.generation;
    this.ready = false;
    // The page's <head> may have started the worker already (an inline script written by
    // tools/gen_live.py, so Python loads while the page is parsed): adopt it, with its messages.
    const early = window.__mlsysimEarly;
    window.__mlsysimEarly = null;
    let worker;
    if (early && early.worker) {
      worker = early.worker;
    } else {
      try {
        worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "mlsysim-python" });
      } catch (err) {
        this.emit("onFailed", { stage: "runtime", message: `cannot start a Web Worker: ${err.message || err}` });
        return;
      }
    }
    this.worker = worker;
    worker.onmessage = (e) => {
      if (gen !== this.generation) return;
      const m = e.data;
      if (m.type === "stage") this.emit("onStage", m);
      else if (m.type === "ready") {
        this.ready = true;
        this.emit("onReady", m);
      } else if (m.type === "failed") {
        this.failAll(new Error(m.message));
        this.emit("onFailed", m);
      } else if (m.type === "result") {
        const p = this.pending.get(m.id);
        if (p) {
          this.pending.delete(m.id);
          p.resolve(Object.assign(m.result, { started: m.started, finished: m.at }));
        }
      }
    };
    worker.onerror = (e) => {
      if (gen !== this.generation) return;
      if (e.preventDefault) e.preventDefault();
      const message = e.message ? `the Python worker failed: ${e.message}` : "the Python worker could not be loaded (site/live/worker.js)";
      this.failAll(new Error(message));
      this.emit("onFailed", { stage: "runtime", message });
    };
    if (early && early.worker) {
      for (const e of early.queue) (e.type === "error" ? worker.onerror : worker.onmessage)(e);
    } else {
      worker.postMessage({ type: "init", root: new URL(this.root, document.baseURI).href });
    }
  }

  run(cell, code, values) {
    if (!this.worker) return Promise.reject(new Error("the Python runtime is not running"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "run", id, cell, code, values });
    });
  }

  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  restart() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.failAll(new Stopped());
    this.start();
  }
}
