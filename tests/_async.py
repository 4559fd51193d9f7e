"""Run coroutines from tests, safe after Playwright's sync API has claimed the main thread."""


def run_async(coro):
    """Run a coroutine to completion in a fresh event loop on its own thread.

    Playwright's sync API (the browser tests) keeps an event loop running in the main thread for
    the rest of the session, so ``asyncio.run`` cannot be called there afterwards."""
    import asyncio
    import threading

    box = {}

    def target():
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")
