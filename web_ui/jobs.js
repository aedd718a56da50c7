// Client-side job records. Every server event, pushed or polled, goes through
// applyEvent, which drops any event whose seq is not above the last one shown,
// so a card never shows a duplicate or an older state.

import { observeServerTime } from "./format.js";

export const FINAL_STATES = new Set(["finished", "failed"]);
const MAX_JOBS = 200;

let nextKey = 1;

export class Job {
  constructor({ jobId = null, fileName = null, previewUrl = null } = {}) {
    this.key = `job-${nextKey++}`;
    this.jobId = jobId;
    this.fileName = fileName;
    this.previewUrl = previewUrl;
    this.event = null;
    this.seq = 0;
    this.uploadStartedAt = Date.now();
    this.uploadNote = null;
    this.uploadError = null;
    this.lost = false;
  }

  get state() {
    if (this.uploadError !== null) return "rejected";
    return this.event?.state ?? "uploading";
  }

  get isFinal() {
    return this.state === "rejected" || FINAL_STATES.has(this.state);
  }

  get title() {
    if (this.fileName) return this.fileName;
    return this.jobId ? `Job ${this.jobId.slice(0, 8)}` : "Screenshot";
  }
}

export class JobList {
  constructor({ onChange, onRemove }) {
    this.onChange = onChange;
    this.onRemove = onRemove;
    this.byKey = new Map();
    this.byId = new Map();
  }

  addUpload(file, previewUrl) {
    const job = new Job({ fileName: file.name || "Pasted screenshot", previewUrl });
    this.byKey.set(job.key, job);
    this.trim();
    this.onChange(job);
    return job;
  }

  get(key) {
    return this.byKey.get(key) ?? null;
  }

  /** Link an optimistic upload card to the job the API created (202). */
  accept(job, event) {
    const earlier = this.byId.get(event.job_id);
    job.jobId = event.job_id;
    job.uploadNote = null;
    this.byId.set(job.jobId, job);
    if (earlier && earlier !== job) {
      // The pushed event can arrive before the 202, so the upload card takes over the newer state.
      this.adopt(job, earlier);
    }
    this.applyEvent(event);
    this.onChange(job);
  }

  reject(job, message) {
    job.uploadError = message;
    job.uploadNote = null;
    this.onChange(job);
  }

  note(job, message) {
    job.uploadNote = message;
    this.onChange(job);
  }

  markLost(job) {
    job.lost = true;
    this.onChange(job);
  }

  /** Apply a server event. Returns the job when it changed, or null for a stale event. */
  applyEvent(event) {
    if (typeof event?.job_id !== "string" || typeof event.seq !== "number") return null;
    observeServerTime(event.published_at);
    let job = this.byId.get(event.job_id);
    if (!job) {
      job = new Job({ jobId: event.job_id });
      this.byKey.set(job.key, job);
      this.byId.set(job.jobId, job);
      this.trim();
    }
    if (event.seq <= job.seq) return null;
    job.event = event;
    job.seq = event.seq;
    job.lost = false;
    this.onChange(job);
    return job;
  }

  unfinished() {
    return [...this.byKey.values()].filter((job) => job.jobId !== null && !job.isFinal && !job.lost);
  }

  active() {
    return [...this.byKey.values()].filter((job) => !job.isFinal && !job.lost);
  }

  adopt(job, earlier) {
    if (earlier.seq > job.seq) {
      job.event = earlier.event;
      job.seq = earlier.seq;
    }
    this.remove(earlier);
  }

  remove(job) {
    this.byKey.delete(job.key);
    if (job.jobId !== null && this.byId.get(job.jobId) === job) this.byId.delete(job.jobId);
    if (job.previewUrl) URL.revokeObjectURL(job.previewUrl);
    this.onRemove(job);
  }

  trim() {
    if (this.byKey.size <= MAX_JOBS) return;
    const oldestFinal = [...this.byKey.values()].find((job) => job.isFinal);
    if (oldestFinal) this.remove(oldestFinal);
  }
}
