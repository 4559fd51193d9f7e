// The editor of a live cell: the cell's code in a textarea over its highlighted copy, with Run,
// Stop and Reset. Shift+Enter (or Ctrl/Cmd+Enter) runs; Tab indents, Shift+Tab dedents, Escape
// then Tab leaves the editor. The static code block it replaces stays in the page, hidden, so
// the page reads the same if anything here fails.

import { highlight } from "./highlight.js";

const INDENT = "    ";

function button(cls, label, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `live-btn ${cls}`;
  b.textContent = label;
  if (title) b.title = title;
  return b;
}

export class Editor {
  // cellEl: the .live-cell element; code: the original source; handlers: {onRun, onStop, onReset}
  constructor(cellEl, code, { onRun, onStop, onReset }) {
    this.original = code.replace(/\n+$/, "");
    this.el = document.createElement("div");
    this.el.className = "live-editor";

    const bar = document.createElement("div");
    bar.className = "live-toolbar";
    this.runBtn = button("live-run", "Run", "Run this cell (Shift+Enter)");
    this.stopBtn = button("live-stop", "Stop", "Stop the running cell and restart Python");
    this.stopBtn.hidden = true;
    this.resetBtn = button("live-reset", "Reset", "Restore this cell's original code and run it");
    this.state = document.createElement("span");
    this.state.className = "live-cell-state";
    this.state.setAttribute("aria-live", "polite");
    bar.append(this.runBtn, this.stopBtn, this.resetBtn, this.state);

    const box = document.createElement("div");
    box.className = "live-code";
    const pre = document.createElement("pre");
    pre.className = "sourceCode python live-highlight";
    pre.setAttribute("aria-hidden", "true");
    this.codeEl = document.createElement("code");
    this.codeEl.className = "sourceCode python";
    pre.append(this.codeEl);
    this.input = document.createElement("textarea");
    this.input.className = "live-input";
    this.input.spellcheck = false;
    this.input.setAttribute("autocapitalize", "off");
    this.input.setAttribute("autocomplete", "off");
    this.input.setAttribute("autocorrect", "off");
    this.input.setAttribute("aria-label", `Python code of cell ${cellEl.dataset.live || ""}; Shift+Enter runs it`);
    this.input.wrap = "soft";
    this.input.value = this.original;
    box.append(pre, this.input);
    this.el.append(box, bar);

    this.input.addEventListener("input", () => this.refresh());
    this.input.addEventListener("keydown", (e) => this.key(e, onRun));
    this.runBtn.addEventListener("click", () => onRun());
    this.stopBtn.addEventListener("click", () => onStop());
    this.resetBtn.addEventListener("click", () => {
      this.input.value = this.original;
      this.refresh();
      onReset();
    });
    this.escaped = false;
    this.refresh();
  }

  get code() {
    return this.input.value;
  }

  set code(text) {
    this.input.value = text;
    this.refresh();
  }

  refresh() {
    // a trailing newline keeps the last line's height when the code ends with one
    this.codeEl.innerHTML = highlight(this.input.value) + "\n";
    this.el.classList.toggle("edited", this.input.value !== this.original);
  }

  key(e, onRun) {
    if (e.key === "Enter" && (e.shiftKey || e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun();
      return;
    }
    if (e.key === "Escape") {
      this.escaped = true;
      return;
    }
    if (e.key === "Tab" && !this.escaped && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.indent(e.shiftKey);
    }
    this.escaped = false;
  }

  indent(out) {
    const t = this.input;
    const { selectionStart: s, selectionEnd: end, value } = t;
    const lineStart = value.lastIndexOf("\n", s - 1) + 1;
    if (!out && s === end) {
      t.setRangeText(INDENT, s, end, "end");
    } else {
      const block = value.slice(lineStart, end);
      const lines = block.split("\n");
      const changed = lines.map((l) => (out ? l.replace(/^ {1,4}/, "") : INDENT + l)).join("\n");
      t.setRangeText(changed, lineStart, end, "select");
    }
    this.refresh();
  }

  busy(on) {
    this.runBtn.disabled = on;
    this.stopBtn.hidden = !on;
  }

  say(text) {
    this.state.textContent = text;
  }
}
