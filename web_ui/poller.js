// Polling of GET /api/jobs/{id} for unfinished jobs while push updates are not available.

import { fetchJob } from "./api.js";

export const POLL_INTERVAL_MS = 2500;
// Bounds the requests per round when many jobs are open. The newest jobs are polled first.
const MAX_JOBS_PER_ROUND = 20;

export class Poller {
  constructor(jobs) {
    this.jobs = jobs;
    this.timer = null;
    this.inFlight = false;
  }

  setActive(active) {
    if (active && this.timer === null) {
      this.timer = setInterval(() => this.pollOnce(), POLL_INTERVAL_MS);
      this.pollOnce();
    } else if (!active && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Fetch the latest event of every unfinished job, unless the previous round is still running. */
  async pollOnce() {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const jobs = this.jobs.unfinished().slice(-MAX_JOBS_PER_ROUND);
      await Promise.all(jobs.map((job) => this.pollJob(job)));
    } finally {
      this.inFlight = false;
    }
  }

  async pollJob(job) {
    try {
      this.jobs.applyEvent(await fetchJob(job.jobId));
    } catch (error) {
      if (error.status === 404) this.jobs.markLost(job);
      else console.warn(`polling job ${job.jobId} failed:`, error.message);
    }
  }
}
