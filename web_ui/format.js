// Formatting of durations, numbers and server timestamps for display.

const numberFormat = new Intl.NumberFormat("en-US");

// Offset between the server clock and this browser's clock, in seconds. An event
// is published before it is received, so published_at - now is a lower bound of
// the offset. The largest bound seen so far is the best estimate.
let serverOffsetS = null;

export function observeServerTime(publishedAt) {
  if (typeof publishedAt !== "number") return;
  const bound = publishedAt - Date.now() / 1000;
  if (serverOffsetS === null || bound > serverOffsetS) serverOffsetS = bound;
}

export function serverNow() {
  return Date.now() / 1000 + (serverOffsetS ?? 0);
}

export function elapsed(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const clamped = Math.max(0, seconds);
  if (clamped < 10) return `${clamped.toFixed(1)} s`;
  if (clamped < 60) return `${Math.floor(clamped)} s`;
  const minutes = Math.floor(clamped / 60);
  const rest = Math.floor(clamped % 60);
  if (minutes < 60) return `${minutes} min ${String(rest).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function clock(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "–";
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function integer(value) {
  return typeof value === "number" && Number.isFinite(value) ? numberFormat.format(value) : "–";
}

export function decimal(value, digits = 1) {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "–";
}

export function percent(fraction) {
  return typeof fraction === "number" && Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : "–";
}

// Damage shares arrive as percentages (19 means 19 %), not as fractions of 1.
export function share(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "";
  return Number.isInteger(value) ? `${value}%` : `${value.toFixed(1)}%`;
}

export function timeOfDay(unixSeconds) {
  if (typeof unixSeconds !== "number") return "";
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
