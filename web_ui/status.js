// The status strip: connection state, and queue depth, workers alive and jobs
// per minute from GET /api/health.

import { fetchHealth } from "./api.js";
import { setText } from "./dom.js";
import { setFeatures } from "./features.js";
import { decimal, integer } from "./format.js";

const HEALTH_INTERVAL_MS = 5000;
export const POLL_LABEL = "Live updates unavailable, polling every 2.5 s";

const CONNECTION_LABELS = {
  connecting: "Connecting…",
  live: "Live",
  down: POLL_LABEL,
  off: POLL_LABEL,
};

export class StatusStrip {
  constructor(root) {
    this.root = root;
    this.connection = root.querySelector("[data-connection]");
    this.connectionText = root.querySelector("[data-connection-text]");
    this.retryText = root.querySelector("[data-connection-retry]");
    this.metrics = {
      queue: root.querySelector("[data-metric=queue]"),
      workers: root.querySelector("[data-metric=workers]"),
      rate: root.querySelector("[data-metric=rate]"),
      service: root.querySelector("[data-metric=service]"),
    };
    this.retryAt = null;
    this.state = null;
  }

  setConnection({ state, retryAt = null }) {
    this.state = state;
    this.retryAt = retryAt;
    this.connection.dataset.state = state;
    setText(this.connectionText, CONNECTION_LABELS[state]);
    this.tick();
  }

  tick() {
    let note = "";
    if (this.state === "down" && this.retryAt !== null) {
      const seconds = Math.ceil((this.retryAt - Date.now()) / 1000);
      note = seconds > 0 ? `· reconnecting in ${seconds} s` : "· reconnecting";
    }
    setText(this.retryText, note);
    this.retryText.hidden = note === "";
  }

  startHealth() {
    const refresh = () => this.refreshHealth().finally(() => setTimeout(refresh, HEALTH_INTERVAL_MS));
    refresh();
  }

  async refreshHealth() {
    let health;
    try {
      health = await fetchHealth();
    } catch (error) {
      this.showHealth({ service: "API unreachable", serviceState: "down" });
      return;
    }
    setFeatures(health);
    const workers = health?.services?.workers;
    let service = { service: "Healthy", serviceState: "ok" };
    if (health?.services?.redis !== "ok") service = { service: "Redis down", serviceState: "down" };
    else if (!workers) service = { service: "No workers", serviceState: "degraded" };
    this.showHealth({
      queue: integer(health?.queue_depth),
      workers: integer(workers),
      rate: decimal(health?.jobs_per_minute),
      ...service,
    });
  }

  showHealth({ queue = "–", workers = "–", rate = "–", service, serviceState }) {
    setText(this.metrics.queue, queue);
    setText(this.metrics.workers, workers);
    setText(this.metrics.rate, rate);
    setText(this.metrics.service, service);
    this.metrics.service.dataset.state = serviceState;
  }
}
