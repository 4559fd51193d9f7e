// Start Python as early as possible: tools/gen_live.py loads this file with <script type="module"
// async> in the page's <head>, so the worker begins loading while the page is still being parsed.
// site/live/live.js (which runs once the page is parsed) takes the running runtime from here.

import { Runtime } from "./runtime.js";

const root = new URL("../../", import.meta.url).href; // site/live/boot.js -> the site's root
if (!window.__mlsysimBoot) {
  const runtime = new Runtime(root);
  runtime.start();
  window.__mlsysimBoot = runtime;
}
