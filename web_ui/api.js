// HTTP calls to the SkillShift API. Every error the API returns is JSON {"detail": ...}.
// When the server has API tokens configured, the page sends the stored token as
// a Bearer header, and in the query of the WebSocket URL because browsers cannot
// set headers on a WebSocket.

const TOKEN_KEY = "skillshift.apiToken";
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(status, detail, retryAfterS = null) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.retryAfterS = retryAfterS;
  }
}

export const jobImageUrl = (jobId) => `/api/jobs/${encodeURIComponent(jobId)}/image`;
export const annotatedImageUrl = (jobId) => `/api/jobs/${encodeURIComponent(jobId)}/annotated.png`;

export function apiToken() {
  return window.localStorage.getItem(TOKEN_KEY) ?? "";
}

export function setApiToken(token) {
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  else window.localStorage.removeItem(TOKEN_KEY);
}

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function socketUrl() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const token = apiToken();
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${scheme}://${window.location.host}/ws${query}`;
}

/** Show `url` in `image`. With a token the image is fetched with the header, since <img> cannot send one. */
export async function loadImage(image, url) {
  const token = apiToken();
  if (!token || url.startsWith("blob:")) {
    image.src = url;
    return;
  }
  try {
    const response = await fetch(url, { headers: authHeaders() });
    if (!response.ok) throw new ApiError(response.status, `Image request failed with HTTP ${response.status}`);
    const objectUrl = URL.createObjectURL(await response.blob());
    image.addEventListener("load", () => URL.revokeObjectURL(objectUrl), { once: true });
    image.src = objectUrl;
  } catch {
    image.dispatchEvent(new Event("error"));
  }
}

export async function uploadScreenshot(file) {
  const body = new FormData();
  body.append("file", file, file.name || "pasted-screenshot.png");
  return request("/api/jobs", { method: "POST", body });
}

export async function fetchJob(jobId) {
  return request(`/api/jobs/${encodeURIComponent(jobId)}`);
}

export async function correctHero(jobId, team, slot, hero) {
  const url = `/api/jobs/${encodeURIComponent(jobId)}/players/${encodeURIComponent(team)}/${Number(slot)}/hero`;
  const body = JSON.stringify({ hero });
  return request(url, { method: "POST", body, headers: { "Content-Type": "application/json" } });
}

export async function fetchHealth() {
  return request("/api/health", {}, { acceptStatus: [503] });
}

async function request(url, init = {}, { acceptStatus = [] } = {}) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", ...init, headers: { ...init.headers, ...authHeaders() } });
  } catch (error) {
    throw new ApiError(0, "The SkillShift server cannot be reached. Check the network connection and try again");
  }
  const body = await readJson(response);
  if (response.status === 401) unauthorizedHandler();
  if (response.ok || acceptStatus.includes(response.status)) return body;
  const detail = typeof body?.detail === "string" ? body.detail : `Request failed with HTTP ${response.status}`;
  throw new ApiError(response.status, detail, parseRetryAfter(response.headers.get("Retry-After")));
}

function authHeaders() {
  const token = apiToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function parseRetryAfter(header) {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}
