// Entry point: wires uploads, live updates (WebSocket or polling), the job
// cards, the detail panel and the status strip together.

import { apiToken, onUnauthorized, setApiToken, socketUrl } from "./api.js";
import { CardList } from "./cards.js";
import { setText } from "./dom.js";
import { onFeaturesChange } from "./features.js";
import { JobList } from "./jobs.js";
import { Poller } from "./poller.js";
import { ResultPanel } from "./result.js";
import { LiveSocket } from "./socket.js";
import { StatusStrip } from "./status.js";
import { Uploader } from "./upload.js";

const TICK_MS = 500;

const page = {
  list: document.getElementById("job-list"),
  listEmpty: document.getElementById("jobs-empty"),
  jobCount: document.getElementById("job-count"),
  panel: document.getElementById("result-panel"),
  result: document.getElementById("result"),
  panelEmpty: document.getElementById("panel-empty"),
  closeButton: document.getElementById("close-result"),
  announcer: document.getElementById("announcer"),
  tokenForm: document.getElementById("token-form"),
  tokenInput: document.getElementById("token-input"),
};

const lastStates = new Map();
let selected = null;
let socket = null;

const cards = new CardList(page.list, { onOpen: (job) => openJob(job, { focus: true }) });
const panel = new ResultPanel(page.result, { onEvent: (event) => jobs.applyEvent(event) });
const jobs = new JobList({ onChange: jobChanged, onRemove: jobRemoved });
const poller = new Poller(jobs);
const status = new StatusStrip(document.getElementById("status-strip"));
const uploader = new Uploader(jobs);

function jobChanged(job) {
  const isNew = !lastStates.has(job.key);
  cards.render(job);
  panel.update(job);
  announceIfFinal(job);
  if (job.jobId !== null && !job.isFinal) socket?.follow(job.jobId);
  // Only a new upload opens an empty panel, so later events never reopen a panel the user closed.
  if (isNew && selected === null && job.fileName !== null) openJob(job, { focus: false });
  refreshCounts();
}

function jobRemoved(job) {
  cards.remove(job);
  lastStates.delete(job.key);
  if (selected === job) closeJob();
  refreshCounts();
}

function openJob(job, { focus }) {
  selected = job;
  cards.select(job);
  panel.show(job);
  page.panel.dataset.open = "true";
  page.panelEmpty.hidden = true;
  page.closeButton.hidden = false;
  if (focus) panel.heading()?.focus();
}

function closeJob() {
  const previous = selected;
  selected = null;
  cards.select(null);
  panel.close();
  page.panel.dataset.open = "false";
  page.panelEmpty.hidden = false;
  page.closeButton.hidden = true;
  if (previous) cards.focus(previous);
}

function announceIfFinal(job) {
  const previous = lastStates.get(job.key);
  lastStates.set(job.key, job.state);
  if (previous === undefined || previous === job.state || !job.isFinal || job.fileName === null) return;
  const outcome = { finished: "finished", failed: "failed", rejected: "was rejected" }[job.state];
  setText(page.announcer, `${job.title} ${outcome}`);
}

function refreshCounts() {
  const count = cards.size;
  page.listEmpty.hidden = count > 0;
  setText(page.jobCount, count ? String(count) : "");
}

function connectionChanged(connection) {
  status.setConnection(connection);
  poller.setActive(connection.state !== "live");
  // The "*" subscription replays only recent jobs (100 by default), so one poll covers older unfinished ones.
  if (connection.state === "live") poller.pollOnce();
}

function showTokenForm() {
  if (!page.tokenForm.hidden) return;
  page.tokenForm.hidden = false;
  page.tokenInput.value = apiToken();
}

function bindTokenForm() {
  onUnauthorized(showTokenForm);
  page.tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    setApiToken(page.tokenInput.value.trim());
    page.tokenForm.hidden = true;
    socket?.restart();
    poller.pollOnce();
    status.refreshHealth();
  });
}

function start() {
  bindTokenForm();
  uploader.bind({ input: document.getElementById("file-input"), dropZone: document.getElementById("dropzone") });
  page.closeButton.addEventListener("click", closeJob);
  onFeaturesChange(() => panel.refresh());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected !== null) closeJob();
  });

  const transport = new URLSearchParams(window.location.search).get("transport");
  if (transport === "poll") {
    connectionChanged({ state: "off" });
  } else {
    const onEvent = (event) => jobs.applyEvent(event);
    const ownJobIds = () => jobs.unfinished().map((job) => job.jobId);
    const onUnauthorized = showTokenForm;
    socket = new LiveSocket({ url: socketUrl, onEvent, onStatus: connectionChanged, ownJobIds, onUnauthorized });
    socket.start();
  }
  status.startHealth();
  setInterval(() => {
    cards.tick(jobs.active());
    panel.tick();
    status.tick();
  }, TICK_MS);
  refreshCounts();
}

start();
