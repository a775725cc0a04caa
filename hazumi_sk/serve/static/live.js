// The live page of hazumi-sk serve: listens to /v1/events and draws each open dialogue's
// running impression as SVG trajectories. No library, no network beyond this server.
(function () {
  "use strict";
  const params = new URLSearchParams(window.location.search);
  const token = params.get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                   "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  const SENTIMENT = "#555555";
  const W = 640, H = 240, LEFT = 40, RIGHT = 12, TOP = 12, BOTTOM = 30;
  const SVG = "http://www.w3.org/2000/svg";
  const state = { items: [], dialogues: new Map(), renders: 0, connected: false };
  window.hazumiLive = state;
  const container = document.getElementById("dialogues");

  function color(i) { return PALETTE[i % PALETTE.length]; }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function series(exchanges) {
    const out = state.items.map(item => ({
      name: item, values: exchanges.map(e => e.items[item] ? e.items[item].proba_high : null),
    }));
    out.forEach((s, i) => { s.color = color(i); s.sentiment = false; });
    if (exchanges.some(e => e.exchange_sentiment_proba_high !== null)) {
      out.push({ name: "exchange sentiment", color: SENTIMENT, sentiment: true,
                 values: exchanges.map(e => e.exchange_sentiment_proba_high) });
    }
    return out;
  }

  function plot(exchanges) {
    const svg = el("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "plot" });
    const n = exchanges.length;
    const x = i => LEFT + (n <= 1 ? 0.5 : i / (n - 1)) * (W - LEFT - RIGHT);
    const y = p => TOP + (1 - p) * (H - TOP - BOTTOM);
    for (const p of [0, 0.5, 1]) {
      el("line", { x1: LEFT, x2: W - RIGHT, y1: y(p), y2: y(p), stroke: "#e3e3e3" }, svg);
      el("text", { x: LEFT - 6, y: y(p) + 4, "text-anchor": "end" }, svg).textContent = p;
    }
    el("text", { x: (LEFT + W - RIGHT) / 2, y: H - 8, "text-anchor": "middle" }, svg)
      .textContent = n ? `exchange (1 to ${n})` : "exchange";
    const all = series(exchanges);
    for (const s of all) {
      const points = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
        .filter(p => p !== null);
      if (points.length > 1) {
        el("polyline", { points: points.join(" "), fill: "none", stroke: s.color,
                         "stroke-width": 2, "stroke-opacity": 0.45,
                         "stroke-dasharray": s.sentiment ? "5 4" : "none" }, svg);
      }
    }
    // Markers last, the first item on top of the others.
    for (const s of all.slice().reverse()) {
      s.values.forEach((v, i) => {
        if (v === null) return;
        el("circle", { cx: x(i), cy: y(v), r: s.sentiment ? 3.5 : 4.5, fill: s.color,
                       class: "pt", "data-series": s.name, "data-exchange": i }, svg);
      });
    }
    return svg;
  }

  function table(exchanges) {
    const t = document.createElement("table");
    const last = exchanges[exchanges.length - 1];
    for (const s of series(exchanges)) {
      const row = t.insertRow();
      const name = row.insertCell();
      const swatch = document.createElement("span");
      swatch.className = "swatch" + (s.sentiment ? " sentiment" : "");
      swatch.style.borderTopColor = s.color;
      name.appendChild(swatch);
      name.appendChild(document.createTextNode(s.name));
      const value = row.insertCell();
      value.className = "value";
      const v = last ? s.values[s.values.length - 1] : null;
      value.textContent = v === null || v === undefined ? "–" : v.toFixed(2);
    }
    return t;
  }

  function section(id) {
    for (const node of container.children) if (node.dataset.dialogueId === id) return node;
    const node = document.createElement("section");
    node.className = "dialogue";
    node.dataset.dialogueId = id;
    container.appendChild(node);
    return node;
  }

  function render(id) {
    const exchanges = state.dialogues.get(id) || [];
    const node = section(id);
    node.replaceChildren();
    const left = document.createElement("div");
    const title = document.createElement("h2");
    title.textContent = `${id} — ${exchanges.length} exchange${exchanges.length === 1 ? "" : "s"}`;
    left.appendChild(title);
    left.appendChild(plot(exchanges));
    node.appendChild(left);
    node.appendChild(table(exchanges));
    node.dataset.exchanges = exchanges.length;
    state.renders += 1;
    document.getElementById("empty").hidden = state.dialogues.size > 0;
  }

  function remove(id) {
    state.dialogues.delete(id);
    for (const node of Array.from(container.children)) {
      if (node.dataset.dialogueId === id) node.remove();
    }
    document.getElementById("empty").hidden = state.dialogues.size > 0;
  }

  function status(text) { document.getElementById("status").textContent = text; }

  function connect() {
    const source = new EventSource("v1/events" + query);
    source.onopen = () => { state.connected = true; status("live"); };
    source.onerror = () => { state.connected = false; status("reconnecting…"); };
    source.addEventListener("snapshot", ev => {
      state.dialogues.clear();
      container.replaceChildren();
      for (const d of JSON.parse(ev.data).dialogues) state.dialogues.set(d.dialogue_id, d.exchanges);
      for (const id of state.dialogues.keys()) render(id);
      document.getElementById("empty").hidden = state.dialogues.size > 0;
    });
    source.addEventListener("started", ev => {
      const id = JSON.parse(ev.data).dialogue_id;
      if (!state.dialogues.has(id)) state.dialogues.set(id, []);
      render(id);
    });
    source.addEventListener("estimate", ev => {
      const e = JSON.parse(ev.data);
      const list = state.dialogues.get(e.dialogue_id) || [];
      state.dialogues.set(e.dialogue_id, list);
      if (e.exchange <= list.length) list[e.exchange] = e;
      render(e.dialogue_id);
    });
    source.addEventListener("ended", ev => remove(JSON.parse(ev.data).dialogue_id));
  }

  fetch("v1/model" + query)
    .then(r => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then(model => {
      state.items = model.items;
      document.getElementById("model").textContent =
        `model: ${model.method || "?"}, ${model.feature_set || "?"} — items: ${model.items.join(", ")}`;
      connect();
    })
    .catch(error => { status(`cannot read the model: ${error.message}`); });
})();
