// SecureChat in the browser: speaks docs/PROTOCOL.md over a WebSocket, one protocol line per text frame.
// Runs under a strict CSP (script and style from this origin only): screens are switched with `hidden`, looks
// come from classes in app.css.
// Text from the server is only ever put into the page as text nodes (textContent, createTextNode, append of strings).
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  connectScreen: $("connect-screen"), chatScreen: $("chat-screen"),
  connectForm: $("connect-form"), name: $("name"), status: $("status"),
  passwordForm: $("password-form"), passwordLabel: $("password-label"), password: $("password"),
  passwordUser: $("password-user"),
  me: $("me"), leave: $("leave"), log: $("log"), users: $("users"),
  inputForm: $("input-form"), input: $("input"),
};

const MAX_LINE_BYTES = 4096; // PROTOCOL.md: a client line is at most 4096 bytes
const MAX_LOG = 1500; // oldest lines are dropped beyond this, so a long session stays light
// The one code a chat line sent by this page can get (ordering rule 3): it never sends an empty `say`, an over-long
// line or anything but UTF-8. Any other ERROR answers a command.
const CHAT_ERRORS = new Set(["rate-limited"]);
// The server answers a line at once; a chat line with no ERROR by then was accepted (it gets no answer at all).
const CHAT_SETTLED_MS = 2000;
// Lines go out at most 8 at once and then 4 a second, under the server's default limit (10, then 5 a second): a
// `rate-limited` answer does not say which line it refuses, so the page keeps out of its way (held lines wait).
const SEND_BURST = 8;
const SEND_PER_SECOND = 4;
const SEALED_HINT = " — open it in the terminal client (securechat-client)";

let ws = null;
let inChat = false;
let me = "";
let byeReason = null;
let nameSent = false; // a name was sent on this connection: a later name prompt waits for the user
let namePending = false; // a name prompt waits for the user to press Connect
let loginError = "";
// Ordering rule 2: commands are answered in order. Each entry is {type: "cmd"|"chat", word, hidden, ...};
// chat lines are queued too because a refused one gets an ERROR that must not be taken for a command's answer.
let pending = [];
const seenInbox = new Set(); // INBOX ids already shown: the inbox is at-least-once, show each id once
const users = new Map(); // lower-case name -> name as its owner spells it (names are case-insensitive)
const typed = [];
let typedPos = 0;

// ---- sending ----

let outbox = []; // [line, pending entry or null], waiting for the pace
let sendTokens = SEND_BURST;
let lastRefill = performance.now();
let pumpTimer = null;

function send(line, entry) {
  outbox.push([line.replace(/[\r\n]+/g, " "), entry || null]);
  pump();
}

function pump() {
  const now = performance.now();
  sendTokens = Math.min(SEND_BURST, sendTokens + ((now - lastRefill) / 1000) * SEND_PER_SECOND);
  lastRefill = now;
  while (outbox.length && sendTokens >= 1 && ws && ws.readyState === WebSocket.OPEN) {
    const [line, entry] = outbox.shift();
    ws.send(line);
    if (entry) entry.sent = now; // a chat line's settling time counts from here
    sendTokens -= 1;
  }
  if (outbox.length && pumpTimer === null) pumpTimer = setTimeout(() => { pumpTimer = null; pump(); }, 250);
}

function sendCommand(line, hidden) {
  pending.push({ type: "cmd", word: line.split(" ")[0].toLowerCase(), hidden, users: [], events: [] });
  send(line);
}

function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

// ---- the connect screen ----

function setStatus(text) {
  ui.status.textContent = text;
}

function connect() {
  byeReason = null;
  nameSent = false;
  namePending = false;
  loginError = "";
  pending = [];
  outbox = [];
  setStatus("connecting…");
  const sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat", "securechat.v1");
  ws = sock;
  // Events of an older socket are ignored: only the current one drives the page.
  sock.addEventListener("open", () => { if (sock === ws) setStatus("connected, logging in…"); });
  sock.addEventListener("message", (ev) => { if (sock === ws && typeof ev.data === "string") receive(ev.data); });
  sock.addEventListener("close", (ev) => { if (sock === ws) closed(ev.code); });
}

function sendName(name) {
  nameSent = true;
  namePending = false;
  send(name);
  setStatus("logging in as " + name + "…");
}

// A name prompt: answer it with the typed name once; after a refusal let the user correct it (never loop).
function askName(text) {
  ui.passwordForm.hidden = true;
  const name = ui.name.value.trim();
  if (name && !nameSent) return sendName(name);
  namePending = true;
  setStatus(loginError ? loginError + " — " + text : text);
  loginError = "";
  ui.name.focus();
}

// A password prompt (or a kind this page does not know: hidden all the same, PROTOCOL.md "What a prompt asks for").
function askPassword(text) {
  namePending = false;
  ui.passwordLabel.textContent = text || "Password";
  ui.passwordUser.value = ui.name.value.trim(); // for password managers: whose password this is
  ui.passwordForm.hidden = false;
  setStatus(loginError); // the label already shows the prompt
  loginError = "";
  ui.password.focus();
}

function loginLine(kind, rest) {
  if (kind === "PROMPT") {
    const space = rest.indexOf(" ");
    const first = space < 0 ? rest : rest.slice(0, space);
    if (/^[a-z-]+$/.test(first)) askPassword(space < 0 ? "" : rest.slice(space + 1));
    else askName(rest);
  } else if (kind === "ERROR") {
    loginError = rest;
    setStatus(rest);
  } else if (kind === "WELCOME") {
    welcome(rest);
  }
}

function welcome(rest) {
  const space = rest.indexOf(" ");
  me = space < 0 ? rest : rest.slice(0, space);
  inChat = true;
  ui.me.textContent = me;
  ui.passwordForm.hidden = true;
  ui.connectScreen.hidden = true;
  ui.chatScreen.hidden = false;
  setUsers([], []);
  if (space >= 0) addMsg("notice", "", rest.slice(space + 1));
  sendCommand("whoelse", true); // fills the online list; its answer is not shown
  ui.input.focus();
}

// The end of a session, whichever comes first: BYE or the socket closing.
function closed(code) {
  let text = byeReason !== null ? "disconnected: " + byeReason : "connection closed (code " + code + ")";
  if (!inChat && loginError) text += " — " + loginError; // e.g. name-locked: the ERROR says for how long
  if (inChat) addMsg("notice", "", text);
  ws = null;
  inChat = false;
  pending = [];
  namePending = false;
  setStatus(text);
  ui.passwordForm.hidden = true;
  ui.chatScreen.hidden = true;
  ui.connectScreen.hidden = false;
  ui.name.focus();
}

// ---- receiving ----

function receive(data) {
  const line = data.replace(/\r?\n$/, "");
  const space = line.indexOf(" ");
  const kind = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? "" : line.slice(space + 1);
  if (kind === "PING") return send("pong");
  if (kind === "BYE") {
    byeReason = rest;
    const sock = ws;
    closed(1000);
    if (sock) sock.close();
    return;
  }
  if (inChat) chatLine(kind, rest); else loginLine(kind, rest);
}

// "<name>: <text>" (also "<name> to <a>,<b>: <text>"): names hold no colon, so the first one ends the head.
function splitFrom(rest) {
  const colon = rest.indexOf(":");
  if (colon < 0) return ["", rest];
  return [rest.slice(0, colon), rest.slice(colon + 1).replace(/^ /, "")];
}

function chatLine(kind, rest) {
  switch (kind) {
    case "CHAT": { const [from, text] = splitFrom(rest); return addMsg("chat", from, text); }
    case "PRIVATE": { const [from, text] = splitFrom(rest); return addMsg("private", from, text, undefined, "private"); }
    case "SEALED": return addSealed("sealed", splitFrom(rest)[0]); // never show the base64
    case "BROADCAST": { const [head, text] = splitFrom(rest); return addMsg("broadcast", head.replace(" to ", " → "), text, undefined, "broadcast"); }
    case "NOTICE": return notice(rest);
    case "USER": case "DELIVERY": case "INBOX": case "HISTORY": case "HELP": case "CERT": return dataLine(kind, rest);
    case "OK": case "ERROR": return finalLine(kind, rest);
    default: return addMsg("notice", "", kind + " " + rest);
  }
}

function notice(rest) {
  let m;
  const joined = (m = /^(\S+) joined the conversation$/.exec(rest)) ? m[1] : null;
  const left = joined === null && (m = /^(\S+) left the conversation/.exec(rest)) ? m[1] : null;
  if (joined !== null || left !== null) {
    const event = [joined !== null, joined !== null ? joined : left];
    applyUser(event);
    // A whoelse under way may list the world from before or after this event: replay it on its answer.
    for (const p of pending) if (p.word === "whoelse") p.events.push(event);
  }
  addMsg("notice", "", rest);
}

// The command the next data, OK or ERROR line answers. Chat lines before it were accepted (they got no ERROR).
function answerOwner() {
  while (pending.length && pending[0].type === "chat") pending.shift();
  return pending.length ? pending[0] : null;
}

function dataLine(kind, rest) {
  const cmd = answerOwner();
  if (cmd && cmd.word === "whoelse" && kind === "USER") cmd.users.push(rest.split(" ")[0]);
  if (kind === "INBOX") return inboxLine(rest, cmd);
  if (cmd && cmd.hidden) return;
  if (kind === "HISTORY") return historyLine(rest);
  if (kind === "CERT") return certLine(rest);
  addMsg("answer", "", rest, null, kind === "USER" || kind === "DELIVERY" ? kind.toLowerCase() : "");
}

function finalLine(kind, rest) {
  const code = kind === "ERROR" ? rest.split(" ")[0] : "";
  let cmd = null;
  const now = performance.now();
  while (pending.length && pending[0].type === "chat" && now - pending[0].sent > CHAT_SETTLED_MS) pending.shift();
  // `rate-limited` after a chat line just sent is ambiguous in the protocol (that line's, or the next command's); it
  // is taken as the older line's, which is what the server does first.
  if (kind === "ERROR" && pending.length && pending[0].type === "chat" && CHAT_ERRORS.has(code)) pending.shift();
  else if ((cmd = answerOwner())) pending.shift();
  if (kind === "ERROR") return addMsg("error", code, rest.slice(code.length + 1)); // shown even for hidden commands
  if (cmd && cmd.word === "whoelse") setUsers(cmd.users, cmd.events);
  if (cmd && cmd.word === "inbox" && cmd.inboxMax) sendCommand("read " + cmd.inboxMax, true); // acknowledge the page
  if (!cmd || !cmd.hidden) addMsg("answer", "", rest);
}

// INBOX <id> <time> <kind> <name>: <text>
function inboxLine(rest, cmd) {
  const m = /^(\d+) (\S+) (\S+) ([^:]*): ?([\s\S]*)$/.exec(rest);
  if (!m) return cmd && cmd.hidden ? undefined : addMsg("answer", "", rest);
  const id = BigInt(m[1]);
  if (cmd && (!cmd.inboxMax || id > cmd.inboxMax)) cmd.inboxMax = id;
  if (seenInbox.has(id)) return;
  seenInbox.add(id);
  const when = parseTime(m[2]);
  if (m[3] === "sealed") addSealed("answer", m[4], when, "inbox");
  else addMsg("answer", m[4], m[5], when, "inbox · " + m[3]);
}

// HISTORY <time> <from> -> <to>: <text>   or   HISTORY <time> <from> -> <to> sealed: <sealed>
function historyLine(rest) {
  const space = rest.indexOf(" "); // the time holds colons, so it goes first
  const when = parseTime(rest.slice(0, space));
  const [head, text] = splitFrom(rest.slice(space + 1));
  const sealed = / sealed$/.test(head);
  const route = head.replace(/ sealed$/, "");
  const arrow = route.indexOf(" -> ");
  if (sealed) addSealed("answer", arrow < 0 ? route : route.slice(0, arrow), when, "history → " + route.slice(arrow + 4));
  else addMsg("answer", route.replace(" -> ", " → "), text, when, "history");
}

// CERT <name> <base64 DER>: say whose and how big, never the base64.
function certLine(rest) {
  const [name, b64 = ""] = rest.split(" ");
  const bytes = Math.floor((b64.length * 3) / 4) - (b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0);
  addMsg("answer", "", "certificate of " + name + " (" + bytes + " bytes)");
}

function parseTime(text) {
  const d = new Date(text);
  return isNaN(d.getTime()) ? null : d;
}

// ---- the log ----

function span(cls, text) {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  return s;
}

function newRow(kind, when, tag) {
  const row = document.createElement("div");
  row.className = "msg";
  row.dataset.kind = kind;
  const d = when || new Date();
  const t = document.createElement("time");
  t.dateTime = d.toISOString();
  const today = d.toDateString() === new Date().toDateString();
  t.textContent = (today ? "" : d.toLocaleDateString() + " ") + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  row.append(t, " ");
  if (tag) row.append(span("tag", "[" + tag + "]"), " ");
  return row;
}

function appendRow(row) {
  const log = ui.log;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  log.append(row);
  while (log.childElementCount > MAX_LOG) log.firstElementChild.remove();
  if (atBottom || row.dataset.kind === "own" || row.dataset.kind === "private-out") log.scrollTop = log.scrollHeight;
}

function addMsg(kind, from, text, when, tag) {
  const row = newRow(kind, when, tag);
  if (from) row.append(span("from", from), ": ");
  row.append(span("text", text));
  appendRow(row);
}

// A sealed message only the terminal client (holding the key) can open: name the sender, never show the base64.
function addSealed(kind, from, when, tag) {
  const row = newRow(kind, when, tag);
  const text = span("text", "sealed message from ");
  text.append(span("from", from), SEALED_HINT);
  row.append(text);
  appendRow(row);
}

// ---- the online list ----

function applyUser([joined, name]) {
  if (name.toLowerCase() === me.toLowerCase()) return;
  if (joined) users.set(name.toLowerCase(), name); else users.delete(name.toLowerCase());
  renderUsers();
}

function setUsers(names, events) {
  users.clear();
  for (const n of names) if (n.toLowerCase() !== me.toLowerCase()) users.set(n.toLowerCase(), n);
  for (const e of events) applyUser(e);
  renderUsers();
}

function renderUsers() {
  const items = [...users.values()].sort((a, b) => a.localeCompare(b)).map((name) => {
    const li = document.createElement("li");
    li.textContent = name;
    return li;
  });
  ui.users.replaceChildren(...items);
}

// ---- typing ----

// Returns false when the line was not sent (the input then keeps it).
function submit(text) {
  if (!text.trim()) return true;
  let line = text;
  let entry = { type: "cmd", hidden: false, users: [], events: [] };
  let echo = null;
  if (text.startsWith("/")) {
    // Words are split as the server splits them: at spaces and tabs only.
    const word = text.slice(1).split(/[ \t]/, 1)[0].toLowerCase();
    entry.word = word;
    const sendTo = /^\/send[ \t]+([^ \t]+)[ \t]+([\s\S]+)$/i.exec(text);
    if (word === "say") {
      entry = { type: "chat" };
      const said = text.replace(/^\/say[ \t]*/i, "");
      if (!said.trim()) {
        addMsg("error", "usage", "say <text>: there is nothing to say");
        return false;
      }
      echo = ["own", me, said];
    } else if (word === "tata") {
      line = "tata";
      entry = null;
    } else if (word === "pong") {
      entry = null; // gets no answer
    } else if (word === "send" && sendTo) {
      echo = ["private-out", "to " + sendTo[1], sendTo[2]];
    }
  } else if (text.trim().toLowerCase() === "tata") {
    line = "tata"; // as the welcome line says: 'tata' alone leaves
    entry = null;
  } else {
    line = "say " + text; // every chat line goes as `say`, so a first word like "help" is never a command
    entry = { type: "chat" };
    echo = ["own", me, text];
  }
  if (byteLength(line) > MAX_LINE_BYTES) {
    addMsg("error", "line-too-long", "not sent: a line may have at most " + MAX_LINE_BYTES + " bytes");
    return false;
  }
  // Chat lines at the head of the queue were accepted once anything later is answered; keep the queue short.
  while (pending.length >= 200 && pending[0].type === "chat") pending.shift();
  if (entry) pending.push(entry);
  send(line, entry && entry.type === "chat" ? entry : null);
  if (echo) addMsg(echo[0], echo[1], echo[2]);
  if (!/^\/register\b/i.test(text)) typed.push(text); // a password never goes into the history
  typedPos = typed.length;
  return true;
}

ui.connectForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (ws && ws.readyState === WebSocket.OPEN && namePending) {
    const name = ui.name.value.trim();
    if (name) sendName(name); else setStatus("type a name first");
  } else if (!ws) {
    connect();
  }
});

ui.passwordForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!ui.password.value) return;
  send(ui.password.value);
  ui.password.value = "";
  setStatus("checking…");
});

ui.inputForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!inChat) return;
  if (submit(ui.input.value)) ui.input.value = "";
});

ui.input.addEventListener("keydown", (ev) => {
  if (ev.key === "ArrowUp" && typedPos > 0) {
    typedPos -= 1;
  } else if (ev.key === "ArrowDown" && typedPos < typed.length) {
    typedPos += 1;
  } else {
    return;
  }
  ev.preventDefault();
  ui.input.value = typedPos < typed.length ? typed[typedPos] : "";
});

ui.leave.addEventListener("click", () => {
  if (ws && ws.readyState === WebSocket.OPEN) send("tata"); else closed(1000);
});

ui.name.focus();
