/* The landing page's hero and capability carousel (index.qmd).
 *
 * Hero: <figure data-mlsysim-hero="SPEC-ID"> holds the controls and a .hero-chart; the Vega-Lite
 * spec (tools/gen_charts.py, computed at build time) is in <script type="application/json"
 * id="SPEC-ID">. Its variable parameter `gen` selects the generation drawn in colour; this file
 * steps it every 2.5 s, pauses while the pointer or the keyboard focus is in the figure, and
 * never auto-advances when the reader prefers reduced motion. The Play/Pause button and the
 * generation buttons work by keyboard (Left/Right step through the generations).
 *
 * Carousel: .mlsysim-carousel cards are focusable; Left/Right (and Home/End) move the focus
 * between cards. Nothing here loads from another origin: the chart is drawn by charts.js with
 * the local vega-embed.
 */
(function () {
  "use strict";
  var STEP_MS = 2500;
  var reduce = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };

  function fmt(x, digits) {
    return Number(x).toLocaleString("en-US", { maximumFractionDigits: digits || 0 });
  }

  function setupHero(fig) {
    var src = document.getElementById(fig.getAttribute("data-mlsysim-hero"));
    var chart = fig.querySelector(".hero-chart");
    if (!src || !chart) return;
    var spec = JSON.parse(src.textContent);
    var gens = (spec.usermeta && spec.usermeta.generations) || [];
    var precision = (spec.usermeta && spec.usermeta.precision) || "";
    var playBtn = fig.querySelector(".hero-play");
    var genBtns = Array.prototype.slice.call(fig.querySelectorAll(".hero-gen"));
    var readout = fig.querySelector(".hero-readout");
    var view = null;
    var current = spec.params && spec.params[0] ? spec.params[0].value : 0;
    var playing = false; // the reader's choice (the Play/Pause button)
    var held = false; // paused while hovered or focused
    var timer = null;

    function show(i, announce) {
      current = (i + gens.length) % gens.length;
      genBtns.forEach(function (b) {
        b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-gen")) === current));
      });
      var g = gens[current];
      if (readout && g) {
        readout.setAttribute("aria-live", announce ? "polite" : "off");
        readout.textContent = g.name + ": " + fmt(g.peak_tflops) + " TFLOP/s dense " + precision + ", " +
          fmt(g.bandwidth_tbs, 2) + " TB/s, ridge point " + fmt(g.ridge) + " FLOP/byte.";
      }
      fig.setAttribute("data-gen", String(current));
      if (view) view.signal("gen", current).runAsync();
    }

    function schedule() {
      clearTimeout(timer);
      timer = null;
      if (playing && !held) {
        timer = setTimeout(function () {
          show(current + 1, false);
          schedule();
        }, STEP_MS);
      }
    }

    function setPlaying(on) {
      playing = on;
      fig.classList.toggle("is-playing", on);
      if (playBtn) {
        playBtn.setAttribute("aria-pressed", String(on));
        playBtn.setAttribute("aria-label", on ? "Pause the generations" : "Play the generations");
        playBtn.querySelector(".hero-play-icon").textContent = on ? "❚❚" : "▶";
        playBtn.querySelector(".hero-play-text").textContent = on ? "Pause" : "Play";
      }
      schedule();
    }

    if (playBtn) playBtn.addEventListener("click", function () { setPlaying(!playing); });
    genBtns.forEach(function (b, k) {
      b.addEventListener("click", function () {
        setPlaying(false);
        show(Number(b.getAttribute("data-gen")), true);
      });
      b.addEventListener("keydown", function (e) {
        var d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
        if (!d) return;
        e.preventDefault();
        var next = genBtns[(k + d + genBtns.length) % genBtns.length];
        next.focus();
        next.click();
      });
    });
    function hold(on) {
      held = on;
      fig.classList.toggle("is-held", on);
      schedule();
    }
    fig.addEventListener("mouseenter", function () { hold(true); });
    fig.addEventListener("mouseleave", function () { hold(fig.contains(document.activeElement)); });
    fig.addEventListener("focusin", function () { hold(true); });
    fig.addEventListener("focusout", function (e) {
      if (!fig.contains(e.relatedTarget)) hold(fig.matches(":hover"));
    });
    document.addEventListener("visibilitychange", function () { hold(document.hidden || fig.matches(":hover")); });
    if (reduce.addEventListener) {
      reduce.addEventListener("change", function () { if (reduce.matches) setPlaying(false); });
    }

    show(current, false);
    var draw = function () {
      window.mlsysimCharts.embed(chart, spec).then(function (res) {
        view = res.view;
        chart.setAttribute("data-rendered", "yes");
        view.signal("gen", current).runAsync();
      }, function (err) {
        chart.setAttribute("data-rendered", "error");
        chart.textContent = "The chart could not be drawn: " + (err && err.message ? err.message : err);
      });
    };
    if (window.mlsysimCharts) draw();
    else window.addEventListener("load", draw);
    // auto-advance only for readers who have not asked for reduced motion
    setPlaying(!reduce.matches);
  }

  function setupCarousel(list) {
    var cards = Array.prototype.slice.call(list.querySelectorAll(".cap-card"));
    cards.forEach(function (card, k) {
      card.addEventListener("keydown", function (e) {
        if (e.target !== card) return;
        var to = { ArrowRight: k + 1, ArrowDown: k + 1, ArrowLeft: k - 1, ArrowUp: k - 1, Home: 0, End: cards.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        var next = cards[Math.max(0, Math.min(cards.length - 1, to))];
        next.focus({ preventScroll: true });
        next.scrollIntoView({ block: "nearest", inline: "nearest", behavior: reduce.matches ? "auto" : "smooth" });
      });
    });
    var wrap = list.closest(".mlsysim-carousel-wrap");
    if (!wrap) return;
    Array.prototype.forEach.call(wrap.querySelectorAll("[data-carousel-step]"), function (btn) {
      btn.addEventListener("click", function () {
        var d = Number(btn.getAttribute("data-carousel-step"));
        list.scrollBy({ left: d * list.clientWidth * 0.8, behavior: reduce.matches ? "auto" : "smooth" });
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-mlsysim-hero]"), setupHero);
    Array.prototype.forEach.call(document.querySelectorAll(".mlsysim-carousel"), setupCarousel);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
