// Patron screen and staff mode. No framework, no build step: the server sends the whole view
// (every text in both languages) over a WebSocket; this file draws it and sends patron input.
"use strict";
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const params = new URLSearchParams(location.search);
  const muted = params.get("mute") === "1";

  let catalog = { zh: {}, en: {} };
  let defaultLang = "zh";
  let lang = "zh";
  let view = null;
  let drawn = false;
  let socket = null;
  let lastSeq = null;
  let errorTimer = null;
  let audio = null;
  // Every cue played (or that would have been played when muted), for tests and diagnostics.
  window.kioskBeeps = [];

  const t = (key, vars) => {
    const text = (catalog[lang] && catalog[lang][key]) || key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m)) : text;
  };
  const pick = (localized) => (localized ? localized[lang] || "" : "");

  // ------------------------------------------------------------------ static labels

  function applyLabels() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    $$("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $$("[data-i18n-label]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.i18nLabel)));
    $$(".keypad").forEach(buildKeypad);
  }

  function buildKeypad(pad) {
    const target = pad.dataset.target;
    pad.setAttribute("role", "group");
    pad.setAttribute("aria-label", t("keypad.label"));
    pad.textContent = "";
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"];
    for (const k of keys) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.key = k;
      b.dataset.target = target;
      b.textContent = /\d/.test(k) ? k : t("keypad." + k);
      pad.appendChild(b);
    }
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.className = "ok";
    ok.textContent = t("keypad.ok");
    pad.appendChild(ok);
  }

  function keypadPress(target, key) {
    const input = document.getElementById(target);
    if (!input) return;
    const max = Number(input.getAttribute("maxlength") || 32);
    if (key === "clear") input.value = "";
    else if (key === "delete") input.value = input.value.slice(0, -1);
    else if (input.value.length < max) input.value += key;
  }

  // ------------------------------------------------------------------ sound

  const CUES = { ok: [[880, 0.12]], error: [[330, 0.18], [262, 0.25]], attention: [[660, 0.1], [660, 0.1]] };

  function beep(pattern) {
    window.kioskBeeps.push(pattern);
    if (muted) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      let at = audio.currentTime;
      for (const [freq, len] of CUES[pattern] || []) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.2, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + len);
        osc.connect(gain).connect(audio.destination);
        osc.start(at);
        osc.stop(at + len);
        at += len + 0.05;
      }
    } catch (e) { /* no audio device: the screen still says it */ }
  }

  // ------------------------------------------------------------------ drawing the view

  function render() {
    if (!view) return;
    const before = drawn ? document.body.dataset.screen : null;
    drawn = true;
    document.body.dataset.screen = view.screen;
    $("#title").textContent = pick(view.title);
    $("#message").textContent = pick(view.message);
    $("#attempts").textContent = pick(view.attempts_left);
    $("#summary").textContent = pick(view.summary);

    const p = view.patron;
    $("#patron").hidden = !p;
    $("#greeting").textContent = p ? pick(p.greeting) : "";
    $("#quota").textContent = p ? pick(p.quota) : "";
    $("#overdue").textContent = p ? pick(p.overdue) : "";

    const banners = $("#banners");
    banners.textContent = "";
    for (const b of view.banners) {
      const div = document.createElement("div");
      div.className = "banner banner-" + b.kind;
      div.dataset.kind = b.kind;
      div.setAttribute("role", "status");
      div.textContent = pick(b.text);
      banners.appendChild(div);
    }

    drawOps($("#choose-ops"), view.screen === "choose");
    drawOps($("#items-ops"), false);

    const list = $("#items");
    list.textContent = "";
    for (const item of view.items) {
      const li = document.createElement("li");
      li.dataset.uid = item.uid;
      li.dataset.status = item.status;
      if (item.reason) li.dataset.reason = item.reason;
      const title = document.createElement("span");
      title.className = "item-title";
      title.textContent = pick(item.title);
      const status = document.createElement("span");
      status.className = "item-status";
      status.textContent = pick(item.status_text);
      li.append(title, status);
      if (item.detail && pick(item.detail)) {
        const detail = document.createElement("span");
        detail.className = "item-detail";
        detail.textContent = pick(item.detail);
        li.appendChild(detail);
      }
      list.appendChild(li);
    }
    $("#items-empty").hidden = view.items.length > 0;

    if (before !== view.screen) onScreenChange(before, view.screen);
    servicePrompt(!!view.staff_prompt);
  }

  // The service key turned on opens the staff sign-in; turned off, closes staff mode.
  let prompted = false;
  function servicePrompt(on) {
    if (on === prompted) return;
    prompted = on;
    if (on && $("#staff").hidden) openStaff();
    if (!on && !$("#staff-pages").hidden) $("#staff-logout").click();  // signs out too
    else if (!on && !$("#staff").hidden) closeStaff();
  }

  function drawOps(box, focusFirst) {
    box.textContent = "";
    for (const o of view.ops) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.op = o.op;
      b.textContent = pick(o.label);
      if (view.screen !== "choose") b.setAttribute("aria-pressed", String(o.op === view.op));
      box.appendChild(b);
    }
    if (focusFirst && box.firstChild && !box.contains(document.activeElement)) box.firstChild.focus();
  }

  function onScreenChange(before, screen) {
    if (screen === "welcome" && before && before !== "welcome") {
      lang = defaultLang;  // the next patron starts in the machine's language
      applyLabels();
      render();
    }
    for (const id of ["card", "pin"]) $("#" + id).value = "";
    const first = { welcome: "#card", pin: "#pin", receipt: "#receipt-print", still_there: "#resume" }[screen];
    if (first) $(first).focus();
    else if (screen !== "choose") $("#title").focus();
  }

  function play(events, announce) {
    for (const e of events) {
      if (lastSeq !== null && e.seq <= lastSeq) continue;
      if (!announce) continue;
      if (e.kind === "beep") beep(e.pattern);
      else if (e.kind === "announce" && e.text) {
        const line = document.createElement("p");
        line.textContent = pick(e.text);
        const live = $("#live");
        live.appendChild(line);
        while (live.childNodes.length > 10) live.removeChild(live.firstChild);
      }
    }
    if (events.length) lastSeq = Math.max(lastSeq || 0, events[events.length - 1].seq);
  }

  // ------------------------------------------------------------------ the socket

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(proto + "//" + location.host + "/ws");
    socket.onopen = () => { $("#connection").hidden = true; };
    socket.onmessage = (msg) => {
      let frame;
      try { frame = JSON.parse(msg.data); } catch (e) { return; }
      if (frame.type === "view") {
        const first = lastSeq === null;
        view = frame.view;
        render();
        play(view.events, !first);
        if (first && lastSeq === null) lastSeq = 0;
        document.body.dataset.version = String(view.version);
      } else if (frame.type === "error") {
        showError(frame.code === "not_now" ? "error.not_now" : "error.bad_input");
      }
    };
    socket.onclose = () => {
      $("#connection").hidden = false;
      setTimeout(connect, 1000);
    };
  }

  function send(msg) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
  }

  function showError(key) {
    const el = $("#error");
    el.textContent = t(key);
    el.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { el.hidden = true; }, 4000);
  }

  // ------------------------------------------------------------------ input

  document.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.key) keypadPress(b.dataset.target, b.dataset.key);
    else if (b.dataset.op) send({ type: "mode", op: b.dataset.op });
    else if (b.dataset.send) send({ type: b.dataset.send });
    else if (b.dataset.receipt) send({ type: "receipt", print: b.dataset.receipt === "true" });
  });

  // Digits typed on a physical keyboard while a keypad button has the focus go to its input.
  document.addEventListener("keydown", (e) => {
    const el = document.activeElement;
    if (e.ctrlKey && e.altKey && (e.key === "s" || e.key === "S")) { e.preventDefault(); openStaff(); return; }
    if (!el || !el.dataset || !el.dataset.target || e.ctrlKey || e.altKey || e.metaKey) return;
    if (/^[0-9]$/.test(e.key)) { e.preventDefault(); keypadPress(el.dataset.target, e.key); }
    else if (e.key === "Backspace") { e.preventDefault(); keypadPress(el.dataset.target, "delete"); }
  });

  $("#card-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const number = $("#card").value.trim();
    if (number) send({ type: "card", number });
  });
  $("#pin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const pin = $("#pin").value;
    $("#pin").value = "";
    if (pin) send({ type: "pin", pin });
  });

  $("#lang-toggle").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    applyLabels();
    render();
  });
  $("#contrast-toggle").addEventListener("click", (e) => {
    const on = document.body.classList.toggle("contrast");
    e.currentTarget.setAttribute("aria-pressed", String(on));
  });

  // ------------------------------------------------------------------ staff mode (hidden)

  let pressTimer = null;
  const corner = $("#corner");
  corner.addEventListener("pointerdown", () => { pressTimer = setTimeout(openStaff, 2500); });
  for (const ev of ["pointerup", "pointerleave", "pointercancel"]) {
    corner.addEventListener(ev, () => clearTimeout(pressTimer));
  }

  function openStaff() {
    $("#staff").hidden = false;
    $("#staff-login").hidden = false;
    $("#staff-pages").hidden = true;
    $("#staff-login-error").textContent = "";
    $("#staff-id").focus();
  }
  function closeStaff() {
    $("#staff").hidden = true;
    $("#staff-id").value = "";
    $("#staff-pin").value = "";
  }
  $("#staff-close").addEventListener("click", closeStaff);

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const r = await fetch(path, Object.assign({ credentials: "same-origin" }, init));
    if (r.status === 401) { closeStaff(); throw new Error("signed out"); }
    return r.json();
  }

  $("#staff-login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const staff_id = $("#staff-id").value;
    const pin = $("#staff-pin").value;
    $("#staff-pin").value = "";
    if (!staff_id || !pin) return;
    const r = await api("/api/staff/login", { staff_id, pin });
    if (r.ok) {
      $("#staff-login").hidden = true;
      $("#staff-pages").hidden = false;
      showTab("status");
    } else if (r.locked_for > 0) {
      $("#staff-login-error").textContent = t("staff.locked", { minutes: Math.ceil(r.locked_for / 60) });
    } else {
      $("#staff-login-error").textContent = t("staff.refused", { count: r.attempts_left });
    }
  });
  $("#staff-logout").addEventListener("click", async () => {
    await fetch("/api/staff/logout", { method: "POST", credentials: "same-origin" });
    closeStaff();
  });
  $$("[data-tab]").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));

  function table(headers, rows) {
    const tbl = document.createElement("table");
    if (headers.length) {
      const head = tbl.insertRow();
      for (const h of headers) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
    }
    for (const row of rows) {
      const tr = tbl.insertRow();
      for (const cell of row) {
        const td = tr.insertCell();
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
      }
    }
    return tbl;
  }

  function statLabel(event) {
    const [kind, arg] = event.split(":");
    if (kind === "refusal") return t("staff.stats.refusal", { reason: arg });
    if (kind === "offline") return t("staff.stats.offline", { op: t("op." + (arg === "checkin" ? "return" : arg)) });
    return t("staff.stats." + kind);
  }

  // Draws one staff page. A later call wins: an earlier one still waiting for its answer sees it
  // is stale and draws nothing (a poll, a double click and a tab change cannot mix two pages).
  let tabGen = 0;
  async function showTab(name) {
    const gen = ++tabGen;
    const stale = () => gen !== tabGen;
    stopPolling();
    $$("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
    const page = $("#staff-page");
    page.textContent = "";
    page.dataset.tab = name;
    if (name === "status") {
      const r = await api("/api/staff/status");
      if (stale()) return;
      page.appendChild(table([], r.lines.map((l) => {
        const v = document.createElement("span");
        v.textContent = l.value;
        if (l.ok === false) { v.className = "fault"; v.textContent += " — " + t("staff.status.fault"); }
        return [pick(l.label), v];
      })));
    } else if (name === "bins") {
      const r = await api("/api/staff/bins");
      if (stale()) return;
      if (!r.bins.length) {
        const p = document.createElement("p"); p.textContent = t("staff.bins.none"); page.appendChild(p);
      } else {
        page.appendChild(table([t("staff.bins.destination"), t("staff.bins.count")],
          r.bins.map((b) => [b.name, String(b.count)])));
        const empty = document.createElement("button");
        empty.type = "button"; empty.id = "staff-empty"; empty.className = "primary";
        empty.textContent = t("staff.bins.empty");
        empty.addEventListener("click", async () => {
          const d = await api("/api/staff/bins/empty", { destination: null });
          page.textContent = "";
          const p = document.createElement("p");
          p.textContent = t("staff.bins.emptied", { count: d.total });
          const rows = [];
          for (const l of d.lists) for (const pk of l.packages) rows.push([l.name, pk.number, String(pk.count)]);
          const link = document.createElement("a");
          link.href = d.handover + "?lang=" + lang; link.target = "_blank"; link.id = "staff-handover";
          link.textContent = t("staff.bins.handover");
          page.append(p, table([t("staff.bins.destination"), t("transit.package_column"), t("staff.bins.count")], rows), link);
        });
        page.appendChild(empty);
      }
    } else if (name === "stats") {
      const r = await api("/api/staff/stats");
      if (stale()) return;
      for (const [key, data] of [["staff.stats.today", r.today], ["staff.stats.month", r.month]]) {
        const h = document.createElement("h3"); h.textContent = t(key); page.appendChild(h);
        const rows = Object.entries(data).map(([ev, n]) => [statLabel(ev), String(n)]);
        if (rows.length) page.appendChild(table([t("staff.stats.event"), t("staff.stats.count")], rows));
        else { const p = document.createElement("p"); p.textContent = t("staff.stats.none"); page.appendChild(p); }
      }
      const link = document.createElement("a");
      link.href = "/api/staff/stats.csv"; link.id = "staff-csv"; link.textContent = t("staff.stats.csv");
      page.appendChild(link);
    } else if (TOOLS[name]) {
      await TOOLS[name](page, stale);
    }
  }

  // ------------------------------------------------------------------ staff tools
  // Outbox, tag tools, hardware test and logs (kiosk/web/staff_tools.py). Each answer that says
  // "unavailable" means this machine lacks the part; any other error is one line from the server.

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    Object.assign(e, attrs || {});
    return e;
  }
  function button(text, id, onClick, className) {
    const b = el("button", text, { type: "button", className: className || "secondary" });
    if (id) b.id = id;
    b.addEventListener("click", onClick);
    return b;
  }
  // The outcome of an action, at the top of the page; ``focus`` moves keyboard users to it
  // (after a redraw the button they pressed is gone).
  function note(page, text, bad, focus) {
    let p = $("#staff-tool-result");
    if (!p) {
      p = el("p", null, { id: "staff-tool-result", tabIndex: -1 });
      p.setAttribute("role", "status");
    }
    p.textContent = text;
    p.className = bad ? "error" : "done";
    page.prepend(p);
    if (focus !== false) p.focus();
  }
  function failed(page, r) {
    if (!r.error) return false;
    const p = el("p", r.unavailable ? t("staff.unavailable") : r.error,
      { className: r.unavailable ? "hint" : "error", id: "staff-tool-error" });
    page.appendChild(p);
    return true;
  }
  const locale = () => (lang === "zh" ? "zh-CN" : "en-GB");
  function when(ms) {
    return new Date(ms).toLocaleString(locale(), {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }
  function age(s) {
    if (s < 60) return t("staff.age.s", { n: Math.round(s) });
    if (s < 3600) return t("staff.age.min", { n: Math.round(s / 60) });
    if (s < 86400) return t("staff.age.h", { n: (s / 3600).toFixed(1) });
    return t("staff.age.d", { n: (s / 86400).toFixed(1) });
  }
  const hex = (n) => (n === null || n === undefined ? "—" : "0x" + n.toString(16).padStart(2, "0").toUpperCase());
  function opLabel(op) {
    if (op.startsWith("staff:")) return t("staff.outbox.staff_op", { action: op.slice(6) });
    return t("op." + (op === "checkin" ? "return" : op));
  }

  // -- outbox and exception queue

  async function drawOutbox(page, stale) {
    const r = await api("/api/staff/outbox");
    if (stale() || failed(page, r)) return;
    page.appendChild(el("p", t("staff.outbox.depth", { count: r.depth }), { id: "staff-outbox-depth" }));
    page.appendChild(table([], [
      [t("staff.outbox.oldest"), r.oldest_queued_age_s === null ? "—" : age(r.oldest_queued_age_s)],
      [t("staff.outbox.last_sync"), r.last_sync_ms === null ? t("staff.outbox.never") : when(r.last_sync_ms)],
      [t("staff.outbox.parked"), String(r.parked)],
      [t("staff.outbox.reconcile"), String(r.reconcile)],
    ]));
    if (r.can_sync) {
      page.appendChild(button(t("staff.outbox.sync"), "staff-sync", async () => {
        const res = await api("/api/staff/sync", {});
        await showTab("outbox");
        note(page, res.error || t("staff.outbox.synced"), !!res.error);
      }, "primary"));
    } else {
      page.appendChild(el("p", t("staff.outbox.no_link"), { className: "hint" }));
    }
    const cols = t("staff.outbox.columns").split("|");
    const counts = { parked: r.parked, reconcile: r.reconcile, queued: r.depth };
    for (const kind of ["parked", "reconcile", "queued"]) {
      const rows = r.rows.filter((x) => x.kind === kind);
      page.appendChild(el("h3", `${t("staff.outbox." + kind)} (${counts[kind]})`));
      if (!rows.length) { page.appendChild(el("p", t("staff.outbox.none"))); continue; }
      const tbl = table(cols.concat(kind === "parked" ? [""] : []), rows.map((x) => {
        const cells = [x.tx_id, opLabel(x.op) + (x.offline ? t("staff.outbox.offline") : ""), x.pii || "",
          when(x.ts_ms), t("staff.outbox.step." + x.step), x.reason];
        if (kind === "parked") {
          const b = button(t("staff.outbox.retry"), null, async () => {
            const res = await api("/api/staff/outbox/retry", { tx_id: x.tx_id });
            await showTab("outbox");
            note(page, res.error || t(res.retried ? "staff.outbox.retried" : "staff.outbox.not_parked", { tx: x.tx_id }), !!res.error);
          });
          b.dataset.retry = x.tx_id;
          b.setAttribute("aria-label", t("staff.outbox.retry_label", { tx: x.tx_id }));
          cells.push(b);
        }
        return cells;
      }));
      tbl.className = "outbox-" + kind;
      rows.forEach((x, i) => { tbl.rows[i + 1].dataset.tx = x.tx_id; });
      page.appendChild(tbl);
    }
  }

  // -- tag tools

  let profiles = null;

  async function drawTags(page, stale) {
    const bar = el("div", null, { className: "tool-bar" });
    bar.appendChild(button(t("staff.tags.scan"), "staff-scan", async () => {
      await showTab("tags");
      const first = $("#staff-page .tag-card h3");
      if (first) first.focus();
    }, "primary"));
    page.appendChild(bar);
    const r = await api("/api/staff/tags");
    if (stale() || failed(page, r)) return;
    if (!profiles) profiles = (await api("/api/staff/tags/profiles")).profiles || [];
    if (stale()) return;
    if (!r.tags.length) { page.appendChild(el("p", t("staff.tags.none"), { id: "staff-tags-none" })); return; }
    page.appendChild(el("p", t("staff.tags.count", { count: r.tags.length }), { id: "staff-tags-count" }));
    for (const tag of r.tags) page.appendChild(tagCard(page, tag));
  }

  function profileTitle(name) {
    const p = (profiles || []).find((x) => x.name === name);
    return p ? `${name} ${pick({ zh: p.title_zh, en: p.title_en })}` : name;
  }

  function tagCard(page, tag) {
    const box = el("div", null, { className: "tag-card" });
    box.dataset.uid = tag.uid;
    box.setAttribute("role", "group");
    const title = tag.uid + " · " + (tag.profile ? profileTitle(tag.profile) : t("staff.tags.no_profile"));
    box.appendChild(el("h3", title, { tabIndex: -1 }));
    box.setAttribute("aria-label", title);
    if (tag.error) { box.appendChild(el("p", tag.error, { className: "error" })); return box; }
    if (tag.secured !== null) box.dataset.secured = String(tag.secured);
    const afi = { 7: t("staff.tags.afi_in"), 194: t("staff.tags.afi_out") }[tag.afi] || "";
    const eas = tag.eas === null ? t("staff.tags.eas_none") : t(tag.eas ? "staff.tags.eas_on" : "staff.tags.eas_off");
    const info = el("div", null, { className: "tag-info" });
    box.appendChild(info);
    info.appendChild(table([], [
      [t("staff.tags.chip"), tag.chip],
      [t("staff.tags.memory"), t("staff.tags.blocks", { count: tag.block_count, size: tag.block_size })],
      ["AFI", `${hex(tag.afi)} ${afi}`.trim()],
      ["DSFID", hex(tag.dsfid)],
      ["EAS", eas],
      [t("staff.tags.security"), t("staff.tags.secured." + String(tag.secured))],
      [t("staff.tags.locked"), tag.locked_blocks.length ? tag.locked_blocks.join(", ") : t("staff.tags.locked_none")],
    ]));
    if (tag.elements.length) {
      const data = table([t("staff.tags.oid"), t("staff.tags.element"), t("staff.tags.value")],
        tag.elements.map((e) => [String(e.oid), pick({ zh: e.name_zh, en: e.name_en }), e.value]));
      data.className = "tag-elements";
      info.appendChild(data);
    } else {
      info.appendChild(el("p", t("staff.tags.empty"), { className: "hint" }));
    }
    if (tag.problems.length) {
      box.appendChild(el("h4", t("staff.tags.problems")));
      const ul = el("ul", null, { className: "problems" });
      for (const text of tag.problems) ul.appendChild(el("li", text));
      box.appendChild(ul);
    }
    const actions = el("div", null, { className: "tool-bar" });
    for (const [secured, key] of [[true, "staff.tags.secure"], [false, "staff.tags.unsecure"]]) {
      const b = button(t(key), null, async () => {
        const res = await api("/api/staff/tags/secure", { uid: tag.uid, secured });
        await showTab("tags");
        const bad = !!res.error || !["secured", "unsecured"].includes(res.result);
        note(page, res.error || t("staff.tags.result." + res.result, { detail: res.detail }), bad);
      });
      b.dataset.secure = String(secured);
      b.disabled = tag.secured === secured;
      actions.appendChild(b);
    }
    box.appendChild(actions);
    box.appendChild(writeForm(page, tag));
    box.appendChild(lockForm(page, tag));
    return box;
  }

  function writeForm(page, tag) {
    const details = el("details", null, { className: "tag-write" });
    details.appendChild(el("summary", t("staff.tags.write_title")));
    const form = el("form");
    form.setAttribute("autocomplete", "off");
    details.appendChild(form);
    const selectId = "tw-profile-" + tag.uid;
    const select = el("select", null, { id: selectId, name: "profile" });
    for (const p of profiles || []) select.appendChild(el("option", profileTitle(p.name), { value: p.name }));
    select.value = tag.profile || tag.closest || "gz-item";
    const row = el("div", null, { className: "tool-bar" });
    row.append(el("label", t("staff.tags.profile"), { htmlFor: selectId }), select,
      el("span", t("staff.tags.mandatory_hint"), { className: "hint" }));
    const fields = el("div", null, { className: "tag-fields" });
    const error = el("p", null, { className: "error" });
    error.setAttribute("role", "alert");
    const values = {};
    for (const e of tag.elements) values[e.oid] = e.value;
    function drawFields() {
      for (const input of fields.querySelectorAll("input")) values[input.dataset.oid] = input.value;
      fields.textContent = "";
      const profile = (profiles || []).find((p) => p.name === select.value);
      for (const f of profile ? profile.fields : []) {
        const id = `tw-${tag.uid}-${f.oid}`;
        const label = el("label", `OID ${f.oid} ${pick({ zh: f.name_zh, en: f.name_en })}${f.mandatory ? " *" : ""}`, { htmlFor: id });
        const input = el("input", null, { id, name: "oid" + f.oid, value: values[f.oid] || "", autocomplete: "off" });
        input.dataset.oid = String(f.oid);
        if (f.mandatory) input.setAttribute("aria-required", "true");
        fields.append(label, input);
      }
    }
    select.addEventListener("change", drawFields);
    drawFields();
    const submit = el("button", t("staff.tags.write"), { type: "submit", className: "primary" });
    form.append(row, fields, error, submit);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const elements = {};
      for (const input of fields.querySelectorAll("input")) elements[input.dataset.oid] = input.value;
      error.textContent = "";
      const res = await api("/api/staff/tags/write", { uid: tag.uid, profile: select.value, elements });
      if (res.error) { error.textContent = res.error; return; }  // the typed values stay
      await showTab("tags");
      note(page, t("staff.tags.written", { uid: tag.uid }), false);
    });
    return details;
  }

  function lockForm(page, tag) {
    const box = el("details", null, { className: "tag-lock" });
    box.appendChild(el("summary", t("staff.tags.lock_title")));
    const grid = el("div", null, { className: "block-grid" });
    for (let b = 0; b < (tag.block_count || 0); b++) {
      const id = `lk-${tag.uid}-${b}`;
      const locked = tag.locked_blocks.includes(b);
      const box2 = el("input", null, { type: "checkbox", id, value: String(b), checked: locked, disabled: locked });
      const label = el("label", null, { htmlFor: id, className: locked ? "locked" : "" });
      label.append(box2, document.createTextNode(" " + b));
      grid.appendChild(label);
    }
    const message = el("p", null, { className: "error" });
    message.setAttribute("role", "alert");
    const ask = button(t("staff.tags.lock"), null, async () => {
      const blocks = $$("input:checked:not(:disabled)", grid).map((c) => Number(c.value));
      message.textContent = "";
      if (!blocks.length) { message.textContent = t("staff.tags.lock_pick"); return; }
      const first = await api("/api/staff/tags/lock", { uid: tag.uid, blocks });
      if (first.error) { message.textContent = first.error; return; }
      confirmLock(page, box, ask, tag, first);
    });
    ask.classList.add("lock-ask");
    box.append(grid, ask, message);
    return box;
  }

  // The second step: nothing is locked until staff confirm here (Escape or Cancel: nothing).
  function confirmLock(page, box, ask, tag, first) {
    const old = $(".lock-confirm", box);
    if (old) old.remove();
    const panel = el("div", null, { className: "lock-confirm" });
    panel.setAttribute("role", "alertdialog");
    const textId = "lock-text-" + tag.uid;
    panel.setAttribute("aria-labelledby", textId);
    panel.appendChild(el("p", t("staff.tags.lock_confirm", { uid: tag.uid, blocks: first.blocks.join(", ") }), { id: textId }));
    const cancel = () => { panel.remove(); ask.focus(); };
    const yes = button(t("staff.tags.lock_yes"), "staff-lock-confirm", async () => {
      const res = await api("/api/staff/tags/lock", { uid: tag.uid, blocks: first.blocks, confirm: first.confirm });
      await showTab("tags");
      note(page, res.error || t("staff.tags.locked_done", { blocks: first.blocks.join(", ") }), !!res.error);
    }, "danger");
    const no = button(t("staff.tags.lock_no"), "staff-lock-cancel", cancel);
    panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } });
    panel.append(yes, no);
    box.appendChild(panel);
    no.focus();  // the safe choice has the focus
  }

  // -- hardware test

  let hwTimer = null;
  let lastStaffInput = 0;
  const HW_POLL_MS = 1000;
  const HW_POLL_FOR_MS = 60000;  // polling keeps the staff session alive: stop when nobody is there
  for (const ev of ["keydown", "pointerdown"]) {
    document.addEventListener(ev, () => { if (!$("#staff").hidden) lastStaffInput = Date.now(); }, true);
  }
  function stopPolling() { clearInterval(hwTimer); hwTimer = null; }
  function fillInputs(tbl, inputs) {
    if (!tbl) return;
    while (tbl.rows.length > 1) tbl.deleteRow(1);
    for (const [name, v] of Object.entries(inputs)) {
      const tr = tbl.insertRow();
      tr.dataset.input = name;
      tr.dataset.state = String(v);
      tr.insertCell().textContent = t("staff.hw.in." + name);
      tr.insertCell().textContent = v === null ? t("staff.hw.unwired") : t(`staff.hw.state.${name}.${v}`);
    }
  }

  async function drawHardware(page, stale) {
    const r = await api("/api/staff/hardware");
    if (stale() || failed(page, r)) return;
    page.appendChild(el("h3", t("staff.hw.inputs")));
    const inputs = table([t("staff.hw.input"), t("staff.hw.state")], []);
    inputs.id = "staff-hw-inputs";
    inputs.setAttribute("aria-live", "polite");
    page.append(inputs, el("p", t("staff.hw.live"), { className: "hint" }));
    fillInputs(inputs, r.inputs);
    for (const [device, patterns] of Object.entries(r.tests)) {
      page.appendChild(el("h3", t("staff.hw." + device), { id: "hw-title-" + device }));
      const group = el("div", null, { className: "tool-bar" });
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", "hw-title-" + device);
      for (const pattern of patterns) {
        const what = t(`staff.hw.${device}.${pattern}`);
        group.appendChild(button(what, `hw-${device}-${pattern}`, async () => {
          const res = await api("/api/staff/hardware", { device, pattern });
          if (!res.error) fillInputs($("#staff-hw-inputs"), res.inputs);
          const text = res.error || t("staff.hw.result." + res.result.replace("-", "_"), { what });
          note(page, text, !!res.error || res.result === "door-open" || res.result === "absent", false);
        }));
      }
      page.appendChild(group);
    }
    lastStaffInput = Date.now();
    hwTimer = setInterval(async () => {
      if ($("#staff-page").dataset.tab !== "hardware" || $("#staff").hidden
          || Date.now() - lastStaffInput > HW_POLL_FOR_MS) { stopPolling(); return; }
      const now = await api("/api/staff/hardware");
      if (!now.error && $("#staff-page").dataset.tab === "hardware") fillInputs($("#staff-hw-inputs"), now.inputs);
    }, HW_POLL_MS);
  }

  // -- logs

  let logLevel = "info";

  async function drawLogs(page, stale) {
    const bar = el("div", null, { className: "tool-bar" });
    const select = el("select", null, { id: "staff-log-level" });
    for (const level of ["debug", "info", "warning", "error"]) {
      select.appendChild(el("option", t("staff.logs.level." + level), { value: level }));
    }
    select.value = logLevel;
    select.addEventListener("change", async () => {
      logLevel = select.value;
      await showTab("logs");
      $("#staff-log-level").focus();
    });
    bar.append(el("label", t("staff.logs.level"), { htmlFor: "staff-log-level" }), select,
      button(t("staff.logs.refresh"), "staff-log-refresh", async () => {
        await showTab("logs");
        $("#staff-log-refresh").focus();
      }));
    page.appendChild(bar);
    const r = await api("/api/staff/logs?level=" + encodeURIComponent(logLevel) + "&limit=500");
    if (stale() || failed(page, r)) return;
    if (!r.lines.length) { page.appendChild(el("p", t("staff.logs.none"))); return; }
    page.appendChild(el("p", t("staff.logs.count", { count: r.lines.length })));
    const pre = el("pre", r.lines.map((l) => `${when(l.ts_ms)} ${l.level.toUpperCase().padEnd(7)} ${l.logger}: ${l.message}`).join("\n"),
      { id: "staff-log-lines", tabIndex: 0 });
    pre.setAttribute("aria-label", t("staff.tab.logs"));
    page.appendChild(pre);
  }

  const TOOLS = { outbox: drawOutbox, tags: drawTags, hardware: drawHardware, logs: drawLogs };

  // Tabs: Left/Right/Home/End move between them (Tab and Enter work as on any button).
  $("#staff-pages nav").addEventListener("keydown", (e) => {
    const tabs = $$('#staff-pages [role="tab"]');
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const j = { ArrowRight: (i + 1) % tabs.length, ArrowLeft: (i - 1 + tabs.length) % tabs.length,
      Home: 0, End: tabs.length - 1 }[e.key];
    if (j === undefined) return;
    e.preventDefault();
    tabs[j].focus();
    showTab(tabs[j].dataset.tab);
  });
  $("#staff-lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    applyLabels();
    render();
    showTab($("#staff-page").dataset.tab || "status");
  });

  // ------------------------------------------------------------------ start

  fetch("/api/catalog").then((r) => r.json()).then((c) => {
    catalog = c;
    defaultLang = lang = c.default || "zh";
    applyLabels();
    connect();
  });
})();
