// Shared by every page: the teacher's key, links that keep it, and a socket that reconnects.
"use strict";
const KEY = new URLSearchParams(location.search).get("key") || "";
const $ = (id) => document.getElementById(id);
function withKey(path) { return path + (path.includes("?") ? "&" : "?") + "key=" + encodeURIComponent(KEY); }
function keepKeyInLinks() {
  document.querySelectorAll("a[data-keep-key]").forEach((a) => { a.href = withKey(a.getAttribute("href")); });
}
// Opens a WebSocket to `path`, calls onMessage with each parsed message and onOpen after
// every (re)connection; reconnects after a second when the connection drops, unless
// onDrop (called with the handle on every drop, or failed attempt) stops the handle.
function connect(path, onMessage, onOpen, onDrop) {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  const handle = {
    socket: null, stopped: false,
    connected() { return this.socket !== null && this.socket.readyState === 1; },
    send(obj) { if (this.connected()) this.socket.send(JSON.stringify(obj)); },
    stop() { this.stopped = true; if (this.socket) this.socket.close(); },
  };
  function open() {
    if (handle.stopped) return;
    const s = new WebSocket(url);
    handle.socket = s;
    s.onopen = () => { if (onOpen) onOpen(handle); };
    s.onmessage = (e) => onMessage(JSON.parse(e.data));
    s.onclose = () => { if (onDrop && !handle.stopped) onDrop(handle); setTimeout(open, 1000); };
  }
  open();
  return handle;
}
// What a page says when a request gets no answer at all; when its socket is down and
// retrying; and (the start of it) when the server no longer takes the page's key.
const UNREACHABLE = "Cannot reach the server: is `coprod serve` still running?";
const LOST = "Lost the connection to the server: trying again every second. Is `coprod serve` still running?";
const KEY_REFUSED = "The server no longer accepts this page's key: it has probably been restarted (each start makes a new key)";
function pct(x) { return x === null || x === undefined ? "–" : Math.round(100 * x) + "%"; }
function num(x, d) { return x === null || x === undefined ? "–" : Number(x).toFixed(d === undefined ? 1 : d); }
