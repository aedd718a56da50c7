// The WebSocket to WS /ws, subscribed to every job ("*"), with reconnects on a
// doubling backoff. The connection counts as live only once the server has
// confirmed the subscription, so a socket that opens and drops at once never
// shows "Live". A server with API tokens lets only admin tokens follow "*", so
// after that error the socket follows this page's own jobs one by one.

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const SUBSCRIBE_TIMEOUT_MS = 10000;
const CLOSE_UNAUTHORIZED = 4401;

export class LiveSocket {
  constructor({ url, onEvent, onStatus, ownJobIds, onUnauthorized }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.ownJobIds = ownJobIds;
    this.onUnauthorized = onUnauthorized;
    this.followsAll = true;
    this.followed = new Set();
    this.socket = null;
    this.retryMs = FIRST_RETRY_MS;
    this.retryTimer = null;
    this.subscribeTimer = null;
    this.live = false;
  }

  start() {
    window.addEventListener("online", () => this.reconnectNow());
    this.onStatus({ state: "connecting" });
    this.connect();
  }

  /** Follow one job. This is needed only while the token may not follow every job. */
  follow(jobId) {
    if (!this.live || this.followsAll || this.followed.has(jobId)) return;
    this.followed.add(jobId);
    this.socket.send(JSON.stringify({ op: "subscribe", job_id: jobId }));
  }

  /** Reconnect at once, for example with a new API token in the URL. */
  restart() {
    const socket = this.socket;
    this.socket = null;
    this.live = false;
    socket?.close(1000, "Reconnecting");
    this.retryMs = FIRST_RETRY_MS;
    clearTimeout(this.retryTimer);
    clearTimeout(this.subscribeTimer);
    this.connect();
  }

  reconnectNow() {
    if (this.socket !== null) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  connect() {
    this.retryTimer = null;
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch (error) {
      console.warn("WebSocket could not be created", error);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.followsAll = true;
    this.followed = new Set();
    socket.addEventListener("open", () => this.subscribe(socket));
    socket.addEventListener("message", (message) => this.receive(socket, message));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  subscribe(socket) {
    socket.send(JSON.stringify({ op: "subscribe", job_id: "*" }));
    this.subscribeTimer = setTimeout(() => socket.close(4000, "No subscription confirmation"), SUBSCRIBE_TIMEOUT_MS);
  }

  receive(socket, message) {
    if (socket !== this.socket) return;
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      console.warn("ignored a WebSocket message that is not JSON");
      return;
    }
    if (data.type === "event") {
      this.onEvent(data);
    } else if (data.type === "subscribed" && data.job_id === "*") {
      this.confirmed();
    } else if (data.type === "error" && data.job_id === "*") {
      this.followsAll = false;
      this.confirmed();
      for (const jobId of this.ownJobIds()) this.follow(jobId);
    } else if (data.type === "error") {
      console.warn("WebSocket error from the server:", data.detail);
    }
  }

  confirmed() {
    clearTimeout(this.subscribeTimer);
    this.retryMs = FIRST_RETRY_MS;
    this.live = true;
    this.onStatus({ state: "live" });
  }

  closed(socket, code) {
    if (socket !== this.socket) return;
    if (code === CLOSE_UNAUTHORIZED) this.onUnauthorized();
    clearTimeout(this.subscribeTimer);
    this.socket = null;
    this.live = false;
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const delayMs = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.onStatus({ state: "down", retryAt: Date.now() + delayMs });
  }
}
