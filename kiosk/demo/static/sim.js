// The demo simulator: lays tags on the virtual pad, lifts them, flips the cabinet's switches and
// shows what the machine does (LED, buzzer, latch, receipt). Plain JS, polling /api/sim/state.
(() => {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const ROLES = {
    own_loan: ["王小明借的本馆书：还书后上架", "own library's book on loan: returns to the shelf"],
    member_loan: ["王小明借的越秀区的书：还书后转运", "Yuexiu's book on loan: returns in transit"],
    reserved_loan: ["已被李华预约：还书被拒，请到服务台", "reserved by Li Hua: return refused, go to the desk"],
    overdue_loan: ["王小明借的海珠区的书，已逾期", "Haizhu's book on loan, overdue"],
    held_shelf: ["在架，为陈静预留：他人借阅被拒", "on the shelf, held for Chen Jing"],
    ill: ["馆际互借：请到服务台", "inter-library loan: staff desk"],
    disc_set: ["三张光盘：须全部放上", "three discs: all parts on the pad"],
    discarded: ["已剔除：不能借", "discarded: cannot be lent"],
    member_shelf: ["越秀区的少儿书", "Yuexiu's children's book"],
    loans: ["4 本在借，其中 1 本逾期", "4 loans, one overdue"],
    reserver: ["预约了《白鹿原》", "has reserved a loaned copy"],
    hold_pickup: ["越秀区读者，有一本预留书", "Yuexiu reader with a hold to pick up"],
    blocked: ["证已挂失：拒绝", "card reported lost: refused"],
  };
  let catalogue = null;
  let state = null;
  const byUid = new Map();

  async function post(path, body) {
    const r = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await r.json();
    if (!r.ok) { $("#faults").textContent = data.error || r.statusText; return null; }
    draw(data);
    return data;
  }

  function roleText(role) {
    const t = ROLES[role];
    return t ? `${t[0]} · ${t[1]}` : "";
  }

  function tagItem(entry) {
    const li = document.createElement("li");
    li.className = "tag";
    li.draggable = true;
    li.dataset.uid = entry.uid;
    li.id = "tag-" + entry.uid;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = `${entry.label} `;
    const code = document.createElement("code");
    code.textContent = entry.detail;
    name.appendChild(code);
    if (entry.role) {
      const role = document.createElement("span");
      role.className = "role";
      role.textContent = roleText(entry.role);
      name.appendChild(role);
    }
    li.appendChild(name);
    if (entry.kind === "item") {
      const sec = document.createElement("span");
      sec.className = "sec";
      sec.dataset.secFor = entry.uid;
      li.appendChild(sec);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "place";
    button.textContent = "放上 Place";
    button.addEventListener("click", () => toggle(entry.uid));
    li.appendChild(button);
    li.addEventListener("dragstart", (e) => { e.dataTransfer.setData("text/plain", entry.uid); });
    return li;
  }

  function toggle(uid) {
    const onPad = state && state.pad.includes(uid);
    return post(onPad ? "/api/sim/lift" : "/api/sim/place", { uid });
  }

  function fillMore(filter) {
    const list = $("#more");
    list.replaceChildren();
    const f = (filter || "").trim().toLowerCase();
    const rest = catalogue.items.filter((e) => !e.featured);
    let shown = 0;
    for (const e of rest) {
      if (f && !(e.label.toLowerCase().includes(f) || e.detail.includes(f))) continue;
      list.appendChild(tagItem(e));
      if (++shown >= 60) break;
    }
    $("#more-count").textContent = String(rest.length);
    if (state) draw(state);
  }

  function draw(s) {
    state = s;
    const pad = $("#pad-tags");
    pad.replaceChildren();
    for (const uid of s.pad) {
      const entry = byUid.get(uid);
      const li = document.createElement("li");
      li.className = "tag on-pad";
      li.dataset.uid = uid;
      li.textContent = entry ? `${entry.label} (${entry.detail}) ` : uid;
      const lift = document.createElement("button");
      lift.type = "button";
      lift.className = "lift";
      lift.textContent = "拿走 Lift";
      lift.addEventListener("click", () => post("/api/sim/lift", { uid }));
      li.appendChild(lift);
      pad.appendChild(li);
    }
    $("#pad-empty").hidden = s.pad.length > 0;
    for (const li of document.querySelectorAll(".tags li.tag")) {
      const on = s.pad.includes(li.dataset.uid);
      li.classList.toggle("on-pad", on);
      const b = li.querySelector("button.place");
      if (b) b.textContent = on ? "拿走 Lift" : "放上 Place";
    }
    for (const el of document.querySelectorAll("[data-sec-for]")) {
      const secured = s.secured[el.dataset.secFor];
      el.className = "sec " + (secured ? "on" : "off");
      el.textContent = secured ? "防盗 secured" : "已解除 unsecured";
    }
    $("#net").checked = s.network;
    $("#bin_full").checked = !!s.inputs.bin_full;
    $("#service_key").checked = !!s.inputs.service_key;
    $("#led").classList.toggle("lit", s.outputs.status_led);
    $("#buzzer").classList.toggle("lit", s.outputs.buzzer);
    $("#latch").classList.toggle("lit", s.outputs.latch);
    $("#latch-count").textContent = String(s.latch_pulses);
    $("#link").textContent = s.link || "-";
    $("#outbox").textContent = s.outbox === null ? "-" : String(s.outbox);
    $("#receipt").textContent = s.receipt || "—";
    const faults = Object.entries(s.faults).map(([k, v]) => `${k}: ${v}`).join("; ");
    $("#faults").textContent = faults;
  }

  async function poll() {
    try {
      const r = await fetch("/api/sim/state");
      if (r.ok) draw(await r.json());
    } catch (e) { /* the demo is stopping */ }
    setTimeout(poll, 400);
  }

  async function start() {
    catalogue = await (await fetch("/api/sim/catalogue")).json();
    for (const e of [...catalogue.cards, ...catalogue.items]) byUid.set(e.uid, e);
    const cards = $("#cards");
    for (const e of catalogue.cards) cards.appendChild(tagItem(e));
    const items = $("#items");
    for (const e of catalogue.items.filter((x) => x.featured)) items.appendChild(tagItem(e));
    fillMore("");
    $("#pin-hint").textContent = `PIN ${catalogue.pin}`;
    $("#staff-hint").textContent =
      `维护模式：转动钥匙，或在读者屏幕按 Ctrl+Alt+S；工号 ${catalogue.staff.id}，密码 ${catalogue.staff.pin}` +
      ` · Staff mode: service key or Ctrl+Alt+S; staff ${catalogue.staff.id}, PIN ${catalogue.staff.pin}`;
    $("#screen").src = catalogue.screen;
    $("#search").addEventListener("input", (e) => fillMore(e.target.value));
    $("#clear").addEventListener("click", () => post("/api/sim/clear"));
    $("#net").addEventListener("change", (e) => post("/api/sim/network", { up: e.target.checked }));
    for (const name of ["bin_full", "service_key"]) {
      $("#" + name).addEventListener("change", (e) =>
        post("/api/sim/input", { name, active: e.target.checked }));
    }
    const pad = $("#pad");
    pad.addEventListener("dragover", (e) => { e.preventDefault(); pad.classList.add("over"); });
    pad.addEventListener("dragleave", () => pad.classList.remove("over"));
    pad.addEventListener("drop", (e) => {
      e.preventDefault();
      pad.classList.remove("over");
      const uid = e.dataTransfer.getData("text/plain");
      if (uid) post("/api/sim/place", { uid });
    });
    poll();
  }
  start();
})();
