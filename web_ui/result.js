// The detail panel: the result of a finished job, the error of a failed one,
// or the progress of one still running.

import { annotatedImageUrl, correctHero, jobImageUrl, loadImage } from "./api.js";
import { progressOf, describeStage, describeTimes } from "./cards.js";
import { clear, el, setText } from "./dom.js";
import { features } from "./features.js";
import { clock, percent } from "./format.js";
import { buildTeams, rowKey } from "./teams.js";

const STAGE_ORDER = ["decoding", "detecting", "reading", "parsing"];
const MISSING_SCREENSHOT = "The screenshot is no longer stored on the server.";
const VIEW_LABELS = { scoreboard: "Scoreboard", damage: "Damage report", unknown: "Unrecognised screen" };

export class ResultPanel {
  /** `onEvent` receives the job event a hero correction returns. */
  constructor(node, { onEvent = () => {} } = {}) {
    this.node = node;
    this.onEvent = onEvent;
    this.job = null;
    this.renderedSeq = -1;
    this.renderedState = null;
    this.pending = null;
  }

  show(job) {
    this.job = job;
    this.renderedSeq = -1;
    this.render();
  }

  close() {
    this.job = null;
    this.pending = null;
    clear(this.node);
  }

  /** Refresh after a change of `job`. The screenshot is built once per view, so it never reloads. */
  update(job) {
    if (job !== this.job) return;
    if (this.pending && !job.isFinal) {
      this.updatePending();
      return;
    }
    if (job.seq !== this.renderedSeq || job.state !== this.renderedState) this.render();
  }

  tick() {
    if (this.pending) setText(this.pending.times, describeTimes(this.job));
  }

  heading() {
    return this.node.querySelector("h2");
  }

  render() {
    const job = this.job;
    this.renderedSeq = job.seq;
    this.renderedState = job.state;
    this.pending = null;
    if (job.state === "finished") this.node.replaceChildren(buildFinished(job, this.heroCorrector(job)));
    else if (job.state === "failed" || job.state === "rejected") this.node.replaceChildren(buildFailed(job));
    else this.node.replaceChildren(this.buildPending(job));
  }

  /** Render a finished job again, so the hero controls follow a change of `features`. */
  refresh() {
    if (this.job?.state === "finished") this.render();
  }

  heroCorrector(job) {
    if (!features.heroCorrections || !job.jobId) return null;
    return async (row, hero) => {
      this.onEvent(await correctHero(job.jobId, row.team, row.slot, hero));
      // The new event rendered the panel again, so focus moves to the same row's new Correct button.
      const key = rowKey(row);
      [...this.node.querySelectorAll(".hero-edit")].find((button) => button.dataset.row === key)?.focus();
    };
  }

  buildPending(job) {
    const progressAttrs = {
      role: "progressbar",
      "aria-label": "Analysis progress",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
    };
    const bar = el("span", { className: "progress-bar" });
    this.pending = {
      stage: el("p", { className: "pending-stage" }),
      times: el("p", { className: "pending-times" }),
      progress: el("span", { className: "progress progress-large", attrs: progressAttrs }, [bar]),
    };
    this.updatePending();
    return el("article", { className: "result result-pending" }, [
      el("p", { className: "eyebrow", text: job.title }),
      el("h2", { text: "Analysing screenshot", attrs: { tabindex: "-1" } }),
      this.pending.stage,
      this.pending.progress,
      this.pending.times,
      job.previewUrl || job.jobId ? buildScreenshot(job, null, false) : null,
    ]);
  }

  updatePending() {
    const progress = progressOf(this.job);
    setText(this.pending.stage, describeStage(this.job));
    setText(this.pending.times, describeTimes(this.job));
    this.pending.progress.style.setProperty("--progress", String(progress));
    this.pending.progress.setAttribute("aria-valuenow", String(Math.round(progress * 100)));
  }
}

function buildFinished(job, onCorrectHero) {
  const result = job.event.result ?? {};
  return el("article", { className: "result" }, [
    buildHeader(job, result),
    buildWarnings(result.warnings),
    buildTeams(result.players, { onCorrectHero }),
    buildScreenshot(job, result.image, true),
    buildTimings(result.timings_ms),
    buildText(result.text),
  ]);
}

function buildFailed(job) {
  const message = job.state === "rejected" ? job.uploadError : job.event?.error;
  const heading = job.state === "rejected" ? "Upload rejected" : "Could not read this screenshot";
  return el("article", { className: "result result-failed" }, [
    el("p", { className: "eyebrow", text: job.title }),
    el("h2", { text: heading, attrs: { tabindex: "-1" } }),
    el("p", { className: "error-text", text: message || "No reason was given" }),
    job.previewUrl || job.jobId ? buildScreenshot(job, null, false) : null,
  ]);
}

function buildHeader(job, result) {
  const match = result.match ?? {};
  const outcome = match.result === "victory" || match.result === "defeat" ? match.result : null;
  const score = match.score ?? {};
  const facts = [
    ["Duration", clock(match.duration_s)],
    ["Your K/D/A", result.kda],
    ["Your hero", result.hero],
    ["Confidence", percent(result.confidence)],
    ["Battle ID", match.battle_id || "–", "fact-wide"],
  ].filter(([, value]) => value);
  const ally = score.ally ?? "?";
  const enemy = score.enemy ?? "?";

  const heading = el("h2", {
    className: `outcome outcome-${outcome ?? "unknown"}`,
    text: outcome ? capitalise(outcome) : "Result",
    attrs: { tabindex: "-1" },
  });
  const scoreLine = el("p", { className: "score", attrs: { "aria-label": `Score ${ally} to ${enemy}` } }, [
    el("span", { className: "score-ally", text: ally }),
    el("span", { className: "score-sep", text: "–" }),
    el("span", { className: "score-enemy", text: enemy }),
  ]);
  const factList = facts.map(([term, value, extra]) =>
    el("div", { className: `fact ${extra ?? ""}` }, [el("dt", { text: term }), el("dd", { text: value })]),
  );
  return el("header", { className: "result-head" }, [
    el("p", { className: "eyebrow", text: `${VIEW_LABELS[result.view] ?? "Result"} · ${job.title}` }),
    el("div", { className: "headline" }, [heading, scoreLine]),
    el("dl", { className: "facts" }, factList),
  ]);
}

function buildWarnings(warnings) {
  if (!Array.isArray(warnings) || warnings.length === 0) return null;
  return el("div", { className: "warnings", attrs: { role: "note" } }, [
    el("h3", { text: warnings.length === 1 ? "1 warning" : `${warnings.length} warnings` }),
    el("ul", {}, warnings.map((warning) => el("li", { text: warning }))),
  ]);
}

function buildScreenshot(job, size, annotatable) {
  const imageAttrs = {
    alt: `Uploaded screenshot ${job.title}`,
    width: size?.width,
    height: size?.height,
    decoding: "async",
  };
  const image = el("img", { className: "shot-image", attrs: imageAttrs });
  const note = el("p", { className: "shot-note", attrs: { hidden: true } });
  const toggleAttrs = { type: "button", "aria-pressed": "false" };
  const toggle = el("button", { className: "toggle", text: "Show detections", attrs: toggleAttrs });
  const original = job.previewUrl ?? jobImageUrl(job.jobId);
  let annotated = false;

  const showImage = () => {
    note.hidden = true;
    toggle.setAttribute("aria-pressed", String(annotated));
    loadImage(image, annotated ? annotatedImageUrl(job.jobId) : original);
  };
  const frame = el("div", { className: "shot-frame" }, [image]);
  image.addEventListener("load", () => {
    frame.hidden = false;
  });
  image.addEventListener("error", () => {
    frame.hidden = true;
    const missing = annotated ? "The annotated image is not available for this job." : MISSING_SCREENSHOT;
    setText(note, missing);
    note.hidden = false;
  });
  toggle.addEventListener("click", () => {
    annotated = !annotated;
    showImage();
  });
  showImage();

  const head = el("div", { className: "shot-head" }, [el("h3", { text: "Screenshot" }), annotatable ? toggle : null]);
  return el("figure", { className: "shot" }, [head, frame, note]);
}

function buildTimings(timings) {
  if (!timings || typeof timings !== "object") return null;
  const parts = Object.entries(timings)
    .filter(([, ms]) => Number.isFinite(ms))
    .sort(([a], [b]) => timingRank(a) - timingRank(b))
    .map(([stage, ms]) => `${stage} ${ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`}`);
  return parts.length ? el("p", { className: "timings", text: `Timings: ${parts.join(" · ")}` }) : null;
}

function buildText(text) {
  const items = Array.isArray(text) ? text : [text];
  const lines = items.map((line) => (typeof line === "string" ? line : line?.text));
  const content = lines.filter((line) => typeof line === "string" && line !== "").join("\n");
  if (!content) return null;
  return el("details", { className: "ocr-text" }, [
    el("summary", { text: "Text read from the screenshot" }),
    el("pre", { text: content }),
  ]);
}

// Stages in the order they run, then any other timing, then the total.
function timingRank(stage) {
  if (stage === "total") return Infinity;
  const index = STAGE_ORDER.indexOf(stage);
  return index === -1 ? STAGE_ORDER.length : index;
}

function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
