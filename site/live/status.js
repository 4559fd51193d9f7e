// The status line of a live page: which loading stage Python is in (runtime, packages, engine),
// then "ready"; on a failure, what failed and a Retry button. It is a polite live region, so
// screen readers hear the stages, and it stays out of the text's way (a bar at the bottom).

const STAGES = [
  ["runtime", "Python runtime"],
  ["packages", "packages"],
  ["engine", "mlsysim engine"],
];

export class Status {
  constructor(onRetry) {
    this.el = document.createElement("div");
    this.el.className = "live-status";
    this.el.setAttribute("role", "status");
    this.el.setAttribute("aria-live", "polite");
    this.el.dataset.state = "loading";
    this.text = document.createElement("span");
    this.text.className = "live-status-text";
    this.list = document.createElement("ol");
    this.list.className = "live-stages";
    this.items = new Map();
    for (const [key, label] of STAGES) {
      const li = document.createElement("li");
      li.dataset.stage = key;
      li.textContent = label;
      this.items.set(key, li);
      this.list.append(li);
    }
    this.retry = document.createElement("button");
    this.retry.type = "button";
    this.retry.className = "live-btn live-retry";
    this.retry.textContent = "Retry";
    this.retry.hidden = true;
    this.retry.addEventListener("click", () => onRetry());
    this.close = document.createElement("button");
    this.close.type = "button";
    this.close.className = "live-status-close";
    this.close.setAttribute("aria-label", "Hide the status line");
    this.close.textContent = "×";
    this.close.addEventListener("click", () => (this.el.hidden = true));
    this.el.append(this.text, this.list, this.retry, this.close);
    document.body.append(this.el);
    this.loading();
  }

  loading() {
    this.el.hidden = false;
    this.el.dataset.state = "loading";
    this.retry.hidden = true;
    for (const li of this.items.values()) li.dataset.state = "";
    this.text.textContent = "Starting Python in your browser…";
  }

  stage(key, state, ms) {
    const li = this.items.get(key);
    if (!li) return;
    li.dataset.state = state;
    const label = STAGES.find((s) => s[0] === key)[1];
    if (state === "start") this.text.textContent = `Loading the ${label}…`;
    if (state === "done" && ms != null) li.title = `${(ms / 1000).toFixed(1)} s`;
  }

  ready(seconds) {
    this.el.dataset.state = "ready";
    this.text.textContent = `Python is ready (${seconds.toFixed(1)} s). Edit any cell and press Shift+Enter, or move a control.`;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.el.dataset.state === "ready") this.el.classList.add("quiet");
    }, 6000);
  }

  failed(stage, message) {
    this.el.hidden = false;
    this.el.classList.remove("quiet");
    this.el.dataset.state = "failed";
    const li = this.items.get(stage);
    if (li) li.dataset.state = "failed";
    const label = (STAGES.find((s) => s[0] === stage) || [stage, stage])[1];
    message = String(message).trim().replace(/[.!]+$/, "");
    this.text.textContent = `Could not load the ${label}: ${message}. The page still shows the results computed when it was built. Check your connection, then press Retry or reload the page.`;
    this.retry.hidden = false;
    this.retry.focus({ preventScroll: true });
  }

  restarting() {
    this.loading();
    this.el.classList.remove("quiet");
    this.text.textContent = "Stopped. Restarting Python…";
  }
}
