// Outputs of a live cell as HTML: printed text, values, result tables, errors with their Python
// traceback, and Altair charts drawn by vega-embed from the site's own copy (site/vendor/).
// The markup matches what tools/gen_live.py writes at build time, so the first paint and the
// live result look alike. A chart that is redrawn keeps its place: when only its data changed the
// view is updated in place; otherwise the new drawing replaces the old one once it is complete,
// so a slider does not make the page jump.

const LIBS = ["vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js"];
let loading = null;

function script(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.async = false;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${url}`));
    document.head.append(s);
  });
}

// Load vega, vega-lite and vega-embed once (in order), unless the page already has them.
export function loadVega(root) {
  if (window.vegaEmbed) return Promise.resolve();
  if (!loading) {
    const base = new URL("site/vendor/", new URL(root, document.baseURI));
    loading = LIBS.reduce((p, lib) => p.then(() => script(new URL(lib, base).href)), Promise.resolve());
    loading.catch(() => (loading = null));
  }
  return loading;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

function chartLabel(spec) {
  let t = spec && spec.title;
  if (t && typeof t === "object" && !Array.isArray(t)) t = t.text;
  if (Array.isArray(t)) t = t.join(" ");
  return t ? `Chart: ${t}` : "Chart";
}

// A chart's spec without its data: when only the data changed (a slider moved a point), the
// drawn view is updated in place (view.data + runAsync) instead of being built again.
// (site/live/kernel.py names every data set by its position, so the names are stable.)
function shape(spec) {
  return { key: JSON.stringify({ ...spec, datasets: undefined }), names: Object.keys(spec.datasets || {}) };
}

async function update(canvas, spec, sh) {
  const view = canvas._view;
  if (!view || canvas._shape.key !== sh.key || canvas._shape.names.join() !== sh.names.join()) return false;
  try {
    for (const name of sh.names) view.data(name, spec.datasets[name]);
    await view.runAsync();
    return true;
  } catch {
    return false;
  }
}

async function draw(host, spec, root) {
  await loadVega(root);
  const sh = shape(spec);
  const current = host.querySelector(":scope > .live-chart-canvas");
  if (current && (await update(current, spec, sh))) {
    host.dataset.drawn = "updated";
    return;
  }
  const fresh = el("div", "live-chart-canvas");
  host.append(fresh);
  let result;
  try {
    result = await window.vegaEmbed(fresh, spec, { actions: false, renderer: "svg", tooltip: true });
  } catch (err) {
    fresh.remove();
    throw err;
  }
  for (const child of [...host.children]) {
    if (child !== fresh) {
      if (child._view) child._view.finalize();
      child.remove();
    }
  }
  fresh._view = result.view;
  fresh._shape = sh;
  host.dataset.drawn = "embedded";
}

// Replace `box`'s children with the outputs; returns when every chart is drawn.
export async function render(box, outputs, root) {
  const old = [...box.children];
  const waits = [];
  const made = [];
  outputs.forEach((o, i) => {
    const prev = old[i];
    if (o.type === "vega") {
      // keep the chart element (and its drawing until the new one is ready)
      const host = prev && prev.classList.contains("live-chart") ? prev : el("div", "live-chart");
      host.setAttribute("role", "img");
      host.setAttribute("aria-label", chartLabel(o.spec));
      made.push(host);
      waits.push(
        draw(host, o.spec, root).catch((err) => {
          host.replaceChildren(el("pre", "live-error", `The chart could not be drawn: ${err.message || err}`));
        }),
      );
    } else if (o.type === "stream") made.push(el("pre", `live-stream live-${o.name}`, o.text));
    else if (o.type === "text") made.push(el("pre", "live-text", o.text));
    else if (o.type === "error") {
      const pre = el("pre", "live-error", o.traceback || `${o.ename}: ${o.evalue}`);
      pre.setAttribute("role", "alert");
      made.push(pre);
    } else if (o.type === "html") {
      const div = el("div", "live-html");
      div.innerHTML = o.html;
      made.push(div);
    }
  });
  for (const e of old) if (!made.includes(e)) {
    if (e.querySelector) for (const c of e.querySelectorAll(".live-chart-canvas")) c._view && c._view.finalize();
    e.remove();
  }
  made.forEach((e, i) => {
    if (box.children[i] !== e) box.insertBefore(e, box.children[i] || null);
  });
  await Promise.all(waits);
}
