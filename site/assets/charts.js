/* Draw the Vega-Lite charts of a page with the locally served vega-embed (site/vendor/).
 *
 * A chart is an element with data-mlsysim-chart="ID" and, elsewhere on the page,
 * <script type="application/json" id="ID">{ Vega-Lite spec }</script> (written by
 * tools/site_charts.py at build time). This file finds them, loads vega, vega-lite and
 * vega-embed once (relative to its own address, so the site works under any sub-path) and
 * draws each chart. Other scripts (the live runtime) call window.mlsysimCharts.embed(el, spec).
 * Nothing is loaded from another origin; vega-embed's action links are turned off.
 */
(function () {
  "use strict";
  if (window.mlsysimCharts) {
    window.mlsysimCharts.scan();
    return;
  }
  var here = (document.currentScript && document.currentScript.src) || document.baseURI;
  var vendor = new URL("../vendor/", here);
  var LIBS = ["vega/vega.min.js", "vega-lite/vega-lite.min.js", "vega-embed/vega-embed.min.js"];
  var loading = null;

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = url;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("cannot load " + url)); };
      document.head.appendChild(s);
    });
  }

  function load() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!loading) {
      loading = LIBS.reduce(function (p, lib) {
        return p.then(function () { return loadScript(new URL(lib, vendor).href); });
      }, Promise.resolve());
    }
    return loading;
  }

  function embed(el, spec, options) {
    var opts = Object.assign({ actions: false, renderer: "svg" }, options || {});
    return load().then(function () { return window.vegaEmbed(el, spec, opts); });
  }

  function fail(el, err) {
    el.setAttribute("data-rendered", "error");
    var p = document.createElement("p");
    p.className = "mlsysim-chart-error";
    p.textContent = "The chart could not be drawn: " + (err && err.message ? err.message : err);
    el.appendChild(p);
  }

  function scan() {
    var els = document.querySelectorAll("[data-mlsysim-chart]:not([data-rendered])");
    Array.prototype.forEach.call(els, function (el) {
      el.setAttribute("data-rendered", "pending");
      var src = document.getElementById(el.getAttribute("data-mlsysim-chart"));
      var spec;
      try {
        spec = JSON.parse(src.textContent);
      } catch (e) {
        fail(el, e);
        return;
      }
      embed(el, spec).then(
        function () { el.setAttribute("data-rendered", "yes"); },
        function (e) { fail(el, e); }
      );
    });
  }

  window.mlsysimCharts = { embed: embed, scan: scan, load: load };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
