// Uploads from the file picker, drag-and-drop anywhere on the page, and paste.
// Each file gets a card at once, and the 202 then links the card to its job.

import { uploadScreenshot } from "./api.js";

const MAX_PARALLEL_UPLOADS = 3;
const MAX_ATTEMPTS = 4;
const RETRYABLE_STATUSES = new Set([0, 429, 503]);
const DEFAULT_RETRY_S = 5;
const MAX_RETRY_S = 30;

export class Uploader {
  constructor(jobs) {
    this.jobs = jobs;
    this.waiting = [];
    this.running = 0;
  }

  bind({ input, dropZone }) {
    input.addEventListener("change", () => {
      this.submit(input.files);
      input.value = "";
    });
    bindDragAndDrop(dropZone, (files) => this.submit(files));
    document.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith("image/"));
      if (files.length === 0) return;
      event.preventDefault();
      this.submit(files);
    });
  }

  submit(fileList) {
    for (const file of fileList ?? []) {
      const previewUrl = file.type.startsWith("image/") ? URL.createObjectURL(file) : null;
      const job = this.jobs.addUpload(file, previewUrl);
      this.waiting.push({ job, file });
    }
    this.pump();
  }

  pump() {
    while (this.running < MAX_PARALLEL_UPLOADS && this.waiting.length > 0) {
      const { job, file } = this.waiting.shift();
      this.running += 1;
      this.send(job, file).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  async send(job, file) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const event = await uploadScreenshot(file);
        this.jobs.accept(job, event);
        return;
      } catch (error) {
        if (!RETRYABLE_STATUSES.has(error.status) || attempt >= MAX_ATTEMPTS) {
          this.jobs.reject(job, describeRejection(error));
          return;
        }
        const waitS = Math.min(error.retryAfterS ?? DEFAULT_RETRY_S, MAX_RETRY_S);
        this.jobs.note(job, `${error.message}. Retrying in ${Math.ceil(waitS)} s`);
        await sleep(waitS * 1000);
      }
    }
  }
}

function describeRejection(error) {
  const status = error.status ? ` (HTTP ${error.status})` : "";
  return `${error.message ?? "The upload failed"}${status}`;
}

function bindDragAndDrop(dropZone, onFiles) {
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
  window.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    dropZone.classList.add("is-dragging");
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dropZone.classList.remove("is-dragging");
  });
  window.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    dropZone.classList.remove("is-dragging");
    onFiles(event.dataTransfer.files);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
