// Job cards in the job list. A card is built once and then updated in place,
// so live updates never move focus or shift the layout.

import { jobImageUrl, loadImage } from "./api.js";
import { el, setText } from "./dom.js";
import { elapsed, serverNow } from "./format.js";

export const STAGE_PROGRESS = { decoding: 0.1, detecting: 0.3, reading: 0.6, parsing: 0.9 };

const STAGE_LABELS = {
  decoding: "Decoding image",
  detecting: "Detecting rows",
  reading: "Reading text",
  parsing: "Parsing results",
};

const STATE_LABELS = {
  uploading: "Uploading",
  queued: "Queued",
  started: "Analysing",
  finished: "Finished",
  failed: "Failed",
  rejected: "Rejected",
};

export class CardList {
  constructor(listNode, { onOpen }) {
    this.listNode = listNode;
    this.onOpen = onOpen;
    this.cards = new Map();
  }

  render(job) {
    let card = this.cards.get(job.key);
    if (!card) {
      card = buildCard(job, () => this.onOpen(job));
      this.cards.set(job.key, card);
      this.listNode.prepend(card.item);
    }
    updateCard(card, job);
  }

  remove(job) {
    const card = this.cards.get(job.key);
    if (!card) return;
    card.item.remove();
    this.cards.delete(job.key);
  }

  tick(jobs) {
    for (const job of jobs) {
      const card = this.cards.get(job.key);
      if (card) setText(card.times, describeTimes(job));
    }
  }

  select(job) {
    for (const [key, card] of this.cards) {
      if (job && key === job.key) card.button.setAttribute("aria-current", "true");
      else card.button.removeAttribute("aria-current");
    }
  }

  focus(job) {
    this.cards.get(job.key)?.button.focus();
  }

  get size() {
    return this.cards.size;
  }
}

function buildCard(job, onOpen) {
  const image = el("img", { attrs: { alt: "", loading: "lazy", decoding: "async" } });
  image.addEventListener("error", () => image.closest(".job-thumb")?.classList.add("is-missing"));
  const card = {
    image,
    title: el("span", { className: "job-title" }),
    badge: el("span", { className: "badge" }),
    stage: el("span", { className: "job-stage" }),
    bar: el("span", { className: "progress-bar" }),
    times: el("span", { className: "job-times" }),
    detail: el("span", { className: "job-detail" }),
  };
  card.progress = el("span", { className: "progress", attrs: { "aria-hidden": "true" } }, [card.bar]);
  card.button = el("button", { className: "job-card", attrs: { type: "button", "data-key": job.key } }, [
    el("span", { className: "job-thumb" }, [image]),
    el("span", { className: "job-body" }, [
      el("span", { className: "job-head" }, [card.title, card.badge]),
      card.stage,
      card.progress,
      el("span", { className: "job-foot" }, [card.times]),
      card.detail,
    ]),
  ]);
  card.button.addEventListener("click", onOpen);
  card.item = el("li", { className: "job" }, [card.button]);
  return card;
}

function updateCard(card, job) {
  const state = job.state;
  card.button.dataset.state = state;
  card.button.dataset.jobId = job.jobId ?? "";
  setText(card.title, job.title);
  card.title.title = job.title;
  setText(card.badge, STATE_LABELS[state] ?? state);
  setText(card.stage, describeStage(job));
  setText(card.times, describeTimes(job));
  setText(card.detail, describeDetail(job));
  card.detail.hidden = card.detail.textContent === "";
  card.progress.style.setProperty("--progress", String(progressOf(job)));

  const source = job.previewUrl ?? (job.jobId ? jobImageUrl(job.jobId) : null);
  const thumb = card.image.parentElement;
  if (source === null) {
    thumb.classList.add("is-missing");
  } else if (card.image.dataset.source !== source) {
    card.image.dataset.source = source;
    thumb.classList.remove("is-missing");
    loadImage(card.image, source);
  }
}

export function progressOf(job) {
  switch (job.state) {
    case "queued":
      return 0.04;
    case "started":
      return STAGE_PROGRESS[job.event.stage] ?? 0.05;
    case "finished":
    case "failed":
    case "rejected":
      return 1;
    default:
      return 0.02;
  }
}

export function describeStage(job) {
  if (job.lost) return "No longer known to the server";
  switch (job.state) {
    case "uploading":
      return job.uploadNote ?? "Sending to the server";
    case "queued":
      return "Waiting for a worker";
    case "started":
      return STAGE_LABELS[job.event.stage] ?? "Starting";
    case "finished":
      return describeOutcome(job.event.result);
    case "failed":
      return job.event.cancelled ? "Cancelled" : "Could not be read";
    default:
      return "Upload rejected";
  }
}

function describeOutcome(result) {
  const outcome = result?.match?.result;
  const score = result?.match?.score;
  const parts = [];
  if (outcome === "victory" || outcome === "defeat") parts.push(outcome === "victory" ? "Victory" : "Defeat");
  if (score && Number.isFinite(score.ally) && Number.isFinite(score.enemy)) parts.push(`${score.ally}–${score.enemy}`);
  if (result?.kda) parts.push(`K/D/A ${result.kda}`);
  if (parts.length === 0) return result?.view === "unknown" ? "Screen not recognised" : "Result ready";
  return parts.join(" · ");
}

function describeDetail(job) {
  if (job.state === "rejected") return job.uploadError;
  if (job.state === "failed") return job.event.error ?? "The analysis failed without a message";
  return "";
}

export function describeTimes(job) {
  const event = job.event;
  if (job.state === "rejected") return "";
  if (!event) return `Uploading for ${elapsed((Date.now() - job.uploadStartedAt) / 1000)}`;
  const { created_at: created, started_at: started, finished_at: finished } = event;
  if (job.state === "queued") return `Queued for ${elapsed(serverNow() - created)}`;
  if (job.state === "started") {
    return `Waited ${elapsed(started - created)} · running for ${elapsed(serverNow() - started)}`;
  }
  if (typeof started === "number" && typeof finished === "number") {
    return `Waited ${elapsed(started - created)} · ran for ${elapsed(finished - started)}`;
  }
  if (typeof finished === "number") return `Ended after ${elapsed(finished - created)}`;
  return "";
}
