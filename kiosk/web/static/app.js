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

  async function showTab(name) {
    $$("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === name)));
    const page = $("#staff-page");
    page.textContent = "";
    page.dataset.tab = name;
    if (name === "status") {
      const r = await api("/api/staff/status");
      page.appendChild(table([], r.lines.map((l) => {
        const v = document.createElement("span");
        v.textContent = l.value;
        if (l.ok === false) { v.className = "fault"; v.textContent += " — " + t("staff.status.fault"); }
        return [pick(l.label), v];
      })));
    } else if (name === "bins") {
      const r = await api("/api/staff/bins");
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
      await TOOLS[name](page);
    }
  }

  // ------------------------------------------------------------------ staff tools

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    Object.assign(e, attrs || {});
    return e;
  }
  function button(text, id, onClick) {
    const b = el("button", text, { type: "button", className: "secondary" });
    if (id) b.id = id;
    b.addEventListener("click", onClick);
    return b;
  }
  function note(page, r) {
    const p = el("p", r && r.error ? r.error : t("staff.tags.done"), { className: r && r.error ? "error" : "" });
    p.id = "staff-tool-result";
    p.setAttribute("role", "status");
    page.prepend(p);
  }

  async function drawOutbox(page) {
    const r = await api("/api/staff/outbox");
    if (r.error) { page.appendChild(el("p", r.error, { className: "error" })); return; }
    page.appendChild(el("p", t("staff.outbox.depth", { count: r.depth }), { id: "staff-outbox-depth" }));
    page.appendChild(button(t("staff.outbox.sync"), "staff-sync", async () => { await api("/api/staff/sync", {}); showTab("outbox"); }));
    const cols = t("staff.outbox.columns").split("|");
    for (const [key, rows] of [["staff.outbox.parked", r.parked], ["staff.outbox.reconcile", r.reconcile], ["staff.outbox.queued", r.queued]]) {
      page.appendChild(el("h3", t(key)));
      if (!rows.length) { page.appendChild(el("p", t("staff.outbox.none"))); continue; }
      page.appendChild(table(cols.concat(key === "staff.outbox.parked" ? [""] : []), rows.map((x) => {
        const cells = [x.tx_id, x.op, x.pii || "", x.step, x.parked || x.note || ""];
        if (key === "staff.outbox.parked") {
          cells.push(button(t("staff.outbox.retry"), null, async () => { await api("/api/staff/outbox/retry", { tx_id: x.tx_id }); showTab("outbox"); }));
        }
        return cells;
      })));
    }
  }

  async function drawTags(page) {
    page.appendChild(button(t("staff.tags.scan"), "staff-scan", () => showTab("tags")));
    const r = await api("/api/staff/tags");
    if (r.error) { page.appendChild(el("p", r.error, { className: "error" })); return; }
    if (!r.tags.length) { page.appendChild(el("p", t("staff.tags.none"), { id: "staff-tags-none" })); return; }
    for (const tag of r.tags) {
      const box = el("div", null, { className: "tag-card" });
      box.dataset.uid = tag.uid;
      box.appendChild(el("h3", tag.uid + (tag.profile ? " · " + tag.profile : "")));
      if (tag.error) { box.appendChild(el("p", tag.error, { className: "error" })); page.appendChild(box); continue; }
      const secured = tag.eas || tag.afi === 7;
      box.appendChild(table([], [
        [t("staff.tags.security"), `AFI 0x${(tag.afi || 0).toString(16).padStart(2, "0").toUpperCase()} · EAS ${tag.eas ? "on" : "off"}`],
        ...tag.elements.map((e) => [`${e.oid} ${pick({ zh: e.zh, en: e.en })}`, e.value]),
      ]));
      box.appendChild(button(secured ? t("staff.tags.unsecure") : t("staff.tags.secure"), null, async () => {
        const res = await api("/api/staff/tags/secure", { uid: tag.uid, secured: !secured });
        await showTab("tags"); note(page, res);
      }));
      const form = el("form", null, { className: "tag-write" });
      const profile = el("select"); for (const p of ["gz-item", "gz-disc", "gz-card", "none"]) profile.appendChild(el("option", p, { value: p }));
      profile.name = "profile";
      const values = {};
      for (const e of tag.elements) values[String(e.oid)] = e.value;
      const fields = [];
      for (const oid of ["1", "3", "5", "4", "6", "7", "11", "22"]) {
        const input = el("input", null, { name: "oid" + oid, value: values[oid] || "", size: 16 });
        input.dataset.oid = oid;
        fields.push(el("label", "OID " + oid + " "), input);
      }
      form.append(profile, ...fields, el("button", t("staff.tags.write"), { type: "submit", className: "primary" }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const elements = {};
        for (const input of form.querySelectorAll("input[data-oid]")) elements[input.dataset.oid] = input.value;
        const res = await api("/api/staff/tags/write", { uid: tag.uid, profile: profile.value, elements });
        await showTab("tags"); note(page, res);
      });
      box.appendChild(form);
      box.appendChild(button(t("staff.tags.lock"), null, async () => {
        const blocks = [0];
        const first = await api("/api/staff/tags/lock", { uid: tag.uid, blocks });
        if (first.error) { note(page, first); return; }
        if (!window.confirm(t("staff.tags.lock_confirm", { blocks: blocks.join(", ") }))) return;
        const res = await api("/api/staff/tags/lock", { uid: tag.uid, blocks, confirm: first.confirm });
        await showTab("tags"); note(page, res);
      }));
      page.appendChild(box);
    }
  }

  async function drawHardware(page) {
    const r = await api("/api/staff/hardware");
    if (r.error) { page.appendChild(el("p", r.error, { className: "error" })); return; }
    page.appendChild(el("h3", t("staff.hw.inputs")));
    page.appendChild(table([], Object.entries(r.inputs).map(([k, v]) => [k, v === null ? "-" : String(v)])));
    for (const [device, patterns] of Object.entries(r.tests)) {
      page.appendChild(el("h3", t("staff.hw." + device)));
      for (const pattern of patterns) {
        const b = button(pattern, `hw-${device}-${pattern}`, async () => {
          const res = await api("/api/staff/hardware", { device, pattern });
          note(page, res.error ? res : { });
        });
        page.appendChild(b);
      }
    }
  }

  async function drawLogs(page) {
    const select = el("select", null, { id: "staff-log-level" });
    for (const level of ["info", "warning", "error", "debug"]) select.appendChild(el("option", level, { value: level }));
    select.value = page.dataset.level || "info";
    select.addEventListener("change", () => { page.dataset.level = select.value; showTab("logs"); });
    page.append(el("label", t("staff.logs.level") + " "), select);
    const r = await api("/api/staff/logs?level=" + encodeURIComponent(select.value));
    if (r.error) { page.appendChild(el("p", r.error, { className: "error" })); return; }
    if (!r.lines.length) { page.appendChild(el("p", t("staff.logs.none"))); return; }
    const pre = el("pre", r.lines.map((l) => `${l.ts} ${l.level.toUpperCase()} ${l.logger}: ${l.message}`).join("\n"), { id: "staff-log-lines" });
    page.appendChild(pre);
  }

  const TOOLS = { outbox: drawOutbox, tags: drawTags, hardware: drawHardware, logs: drawLogs };

  // ------------------------------------------------------------------ start

  fetch("/api/catalog").then((r) => r.json()).then((c) => {
    catalog = c;
    defaultLang = lang = c.default || "zh";
    applyLabels();
    connect();
  });
})();
