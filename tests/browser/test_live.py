"""The live tutorials in Chromium: each loads to ready; widgets, editing, errors, Stop, links.

Drives Debian's Chromium through the built site (tools/serve.py on a loopback port). Every test
also checks that the page asked nothing of another origin and logged no error.
"""

from __future__ import annotations

import re

import pytest
from livehelp import READY_TIMEOUT_MS, TUTORIALS, wait_idle

pytestmark = pytest.mark.browser


def clean(w) -> None:
    assert not w.foreign(), f"requests to other origins: {w.foreign()}"
    assert not w.errors, f"console errors: {w.errors}"


def output(page, cell: str) -> str:
    return page.inner_text(f'.live-cell[data-live="{cell}"] .live-output')


def results(page) -> int:
    return page.evaluate("window.mlsysimLive.results.length")


def run_code(page, cell: str, code: str) -> None:
    """Type code into a cell's editor and run it with Shift+Enter; wait for its result."""
    before = results(page)
    box = page.locator(f'.live-cell[data-live="{cell}"] textarea.live-input')
    box.fill(code)
    box.press("Shift+Enter")
    page.wait_for_function(f"window.mlsysimLive.results.slice({before}).some(r => r.cell === {cell!r})",
                           timeout=READY_TIMEOUT_MS)


# ---------------------------------------------------------------- every tutorial


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_loads_to_ready(watched, name):
    page = watched.open(f"tutorials/{name}.html", ready=False)
    # the build-time outputs are in the page before any script runs
    assert page.locator(".live-output[data-origin=build]").count() >= 1
    wait_idle(page)
    cells = page.evaluate("[...document.querySelectorAll('.live-cell')].map(c => c.dataset.live)")
    done = page.evaluate("window.mlsysimLive.results")
    assert {r["cell"] for r in done} == set(cells), "every cell ran once Python was ready"
    assert all(r["ok"] for r in done), [r for r in done if not r["ok"]]
    assert page.locator(".live-output[data-origin=build]").count() == 0, "live outputs replaced the build-time ones"
    assert "ready" in page.inner_text(".live-status")
    # every cell has its editor, and every widget a labelled control
    assert page.locator(".live-editor").count() == len(cells)
    for ctl in page.locator(".live-control").all():
        ident = ctl.locator("input, select").first.get_attribute("id")
        assert page.locator(f'label[for="{ident}"]').count() == 1
    clean(watched)


# ---------------------------------------------------------------- widgets


def test_slider_changes_the_chart_and_the_bottleneck(watched):
    page = watched.open("tutorials/hello-roofline.html")
    chart = '.live-cell[data-live="roofline"] .live-chart svg'
    before_svg = page.inner_html(chart)
    assert "Memory" in output(page, "solve")
    n = results(page)
    slider = page.locator("#live-w-batch")
    slider.focus()
    slider.press("End")  # the keyboard alone: to the largest batch
    page.wait_for_function(f"window.mlsysimLive.results.slice({n}).some(r => r.cell === 'roofline')",
                           timeout=READY_TIMEOUT_MS)
    page.wait_for_function("window.mlsysimLive.idle", timeout=READY_TIMEOUT_MS)
    assert page.inner_html(chart) != before_svg, "the chart was redrawn"
    assert "batch 2048" in output(page, "solve")
    assert "bottleneck: Compute" in output(page, "solve"), "past the ridge point the step is compute-bound"
    assert "batch=2048" in page.url, "the value is in the address"
    # cells that do not read the widget did not run again
    later = page.evaluate(f"window.mlsysimLive.results.slice({n}).map(r => r.cell)")
    assert "sweep" not in later
    clean(watched)


def test_url_restores_widget_values(watched):
    page = watched.open("tutorials/hello-roofline.html?batch=512&hardware=B200", ready=False)
    page.wait_for_selector("#live-w-hardware")
    assert page.input_value("#live-w-hardware") == "B200"
    assert page.inner_text('.live-widget[data-live-widget="batch"] output') == "512 seq"
    # the build-time output (default values) is marked out of date until the live one replaces it
    assert page.locator('.live-cell[data-live="solve"] .live-output.stale').count() == 1
    wait_idle(page)
    text = output(page, "solve")
    assert "B200" in text and "batch 512" in text
    assert page.locator(".live-output.stale").count() == 0
    # a select writes its value back into the address
    page.select_option("#live-w-hardware", "A100")
    page.wait_for_function("window.mlsysimLive.idle && location.search.includes('hardware=A100')", timeout=READY_TIMEOUT_MS)
    assert "A100" in output(page, "solve")
    clean(watched)


def test_widgets_fit_a_phone_screen(browser, site_url):
    from livehelp import Watched

    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    w = Watched(ctx.new_page(), site_url)
    page = w.open("tutorials/llm-serving.html", ready=False)
    page.wait_for_selector(".live-control")
    overflow = page.evaluate("""() => [...document.querySelectorAll('.live-control, .live-editor, .live-output')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length""")
    assert overflow == 0, "live controls, editors and outputs stay within a 375-pixel screen"
    ctx.close()


# ---------------------------------------------------------------- editing, errors, Stop


def test_editing_code_and_running_changes_the_output(watched):
    page = watched.open("tutorials/hello-roofline.html")
    run_code(page, "solve", "print('tokens per second:', round(step.token_throughput.magnitude))")
    assert re.search(r"tokens per second: \d+", output(page, "solve"))
    # Reset brings back the original code and its output
    n = results(page)
    page.click('.live-cell[data-live="solve"] .live-reset')
    page.wait_for_function(f"window.mlsysimLive.results.length > {n} && window.mlsysimLive.idle", timeout=READY_TIMEOUT_MS)
    assert "bottleneck:" in output(page, "solve")
    clean(watched)


def test_an_exception_is_shown_and_the_next_run_works(watched):
    page = watched.open("tutorials/llm-serving.html")
    run_code(page, "serve", "x = 1\nmlsysim.ServingModel().solve('Llama3_8B', 'H100', batch_size=0)")
    err = page.inner_text('.live-cell[data-live="serve"] .live-error')
    assert "Traceback" in err and "<cell serve>" in err and "batch_size" in err
    run_code(page, "serve", "1 / 0")
    assert "ZeroDivisionError" in output(page, "serve")
    run_code(page, "serve", "print(6 * 7)")
    assert output(page, "serve").strip() == "42"
    assert page.locator('.live-cell[data-live="serve"] .live-error').count() == 0
    clean(watched)


def test_stop_recovers_a_runaway_cell(watched):
    page = watched.open("tutorials/hello-roofline.html")
    box = page.locator('.live-cell[data-live="sweep"] textarea.live-input')
    box.fill("while True:\n    pass")
    box.press("Shift+Enter")
    stop = page.locator('.live-cell[data-live="sweep"] .live-stop')
    stop.wait_for(state="visible")
    page.wait_for_timeout(500)  # it is really stuck
    n = results(page)
    stop.click()
    # Python restarts and the page's other cells run again
    page.wait_for_function(f"window.mlsysimLive.idle && window.mlsysimLive.results.length >= {n + 2}",
                           timeout=READY_TIMEOUT_MS)
    assert "Stopped" in output(page, "sweep")
    rerun = page.evaluate(f"window.mlsysimLive.results.slice({n}).map(r => r.cell)")
    assert {"solve", "roofline"} <= set(rerun) and "sweep" not in rerun
    # the namespace came back: a new cell run can use what the first cell computed
    run_code(page, "sweep", "print(step.bottleneck)")
    assert output(page, "sweep").strip() in ("Memory", "Compute")
    # and the widgets still work
    n = results(page)
    page.select_option("#live-w-hardware", "B200")
    page.wait_for_function(f"window.mlsysimLive.results.slice({n}).some(r => r.cell === 'solve') && window.mlsysimLive.idle",
                           timeout=READY_TIMEOUT_MS)
    assert "B200" in output(page, "solve")
    clean(watched)


# ---------------------------------------------------------------- broken assets


def test_a_corrupt_wheel_is_reported_and_the_page_stays_readable(browser, broken_site):
    from livehelp import Watched

    def corrupt(py):
        whl = next(py.glob("mlsysim-*.whl"))
        whl.unlink()
        whl.write_bytes(b"not a wheel")

    base = broken_site(corrupt)
    ctx = browser.new_context()
    w = Watched(ctx.new_page(), base)
    page = w.open("tutorials/hello-roofline.html", ready=False)
    page.wait_for_function("document.documentElement.dataset.liveFailed", timeout=READY_TIMEOUT_MS)
    status = page.inner_text(".live-status")
    assert "Could not load the packages" in status and "mlsysim" in status
    assert page.locator(".live-retry").is_visible()
    # the text and the build-time outputs are still there
    assert "bottleneck:" in output(page, "solve")
    assert page.locator(".live-output[data-origin=build] svg").count() >= 1
    assert not w.foreign()
    ctx.close()


def test_a_missing_runtime_is_reported(browser, broken_site):
    from livehelp import Watched

    base = broken_site(lambda py: [(py / f).unlink() for f in ("pyodide.asm.wasm", "pyodide.asm.wasm.gz")])
    ctx = browser.new_context()
    w = Watched(ctx.new_page(), base)
    page = w.open("tutorials/scorecard.html", ready=False)
    page.wait_for_function("document.documentElement.dataset.liveFailed", timeout=READY_TIMEOUT_MS)
    assert "Could not load the Python runtime" in page.inner_text(".live-status")
    assert page.locator(".live-output[data-origin=build]").count() >= 1
    ctx.close()


def test_a_missing_lock_entry_is_reported(browser, broken_site):
    """The lock lists every wheel; without mlsysim's entry the runtime must say what failed."""
    import json

    from livehelp import Watched

    def drop_entry(py):
        lock = py / "pyodide-lock.json"
        data = json.loads(lock.read_text())
        del data["packages"]["mlsysim"]
        lock.unlink()
        lock.write_text(json.dumps(data))

    base = broken_site(drop_entry)
    ctx = browser.new_context()
    w = Watched(ctx.new_page(), base)
    page = w.open("tutorials/hello-roofline.html", ready=False)
    page.wait_for_function("document.documentElement.dataset.liveFailed", timeout=READY_TIMEOUT_MS)
    status = page.inner_text(".live-status")
    assert "mlsysim" in status, status
    assert page.locator(".live-retry").is_visible()
    assert "bottleneck:" in output(page, "solve")  # the build-time output stays readable
    assert not w.foreign()
    ctx.close()


def test_a_worker_crash_is_reported_and_retry_recovers(watched):
    """An uncaught error inside the worker (a crash) fails the pending cells with a clear message;
    Retry starts a new worker and the cells run again."""
    page = watched.open("tutorials/hello-roofline.html")
    page.evaluate("""() => window.mlsysimLive.runtime.worker.postMessage({type: "run", id: -1, cell: "crash",
        code: "import js\\njs.eval(\\"setTimeout(() => { throw new Error('simulated worker crash') }, 0)\\")",
        values: {}})""")
    page.wait_for_function("document.documentElement.dataset.liveFailed", timeout=READY_TIMEOUT_MS)
    assert "worker failed" in page.inner_text(".live-status")
    assert "bottleneck:" in output(page, "solve")
    watched.errors.clear()  # the simulated crash is logged as an error on purpose
    page.evaluate("delete document.documentElement.dataset.liveFailed")
    page.click(".live-retry")
    wait_idle(page)
    run_code(page, "solve", "print('alive after the crash')")
    assert "alive after the crash" in output(page, "solve")


def test_the_network_dropping_after_load_keeps_the_page_working(watched):
    """Once loaded, everything runs locally: going offline must not break a run or a chart."""
    page = watched.open("tutorials/hello-roofline.html")
    page.context.set_offline(True)
    try:
        run_code(page, "solve", "print('still running offline')")
        assert "still running offline" in output(page, "solve")
    finally:
        page.context.set_offline(False)
    clean(watched)
