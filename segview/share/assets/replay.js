"use strict";
// The segview replay player. Every text from the log is set with textContent, never parsed
// as HTML; the page's Content-Security-Policy lets no other script run and nothing load.
(function () {
  const data = JSON.parse(document.getElementById("segview-replay").textContent);
  const events = data.events;
  const chapters = data.chapters;
  const SPEEDS = [1, 2, 5, 10, 50];
  const MAX_DELAY = 2000; // ms: long pauses of the log are cut to this
  const LONG_SYSTEM = 12; // lines: a longer system message (an attached file) starts collapsed
  const $ = (id) => document.getElementById(id);
  const conv = $("conversation");
  const own = chapters.findIndex((c) => c.own);

  // where a step by turn can stop: the start, every turn end, every chapter start, the end
  const chapterStart = chapters.map(() => null);
  const stopSet = new Set([0, events.length]);
  const prevTs = [];
  let ts = null;
  events.forEach((ev, i) => {
    prevTs.push(ts);
    if (ev.t !== null && ev.t !== undefined) ts = ev.t;
    if (ev.op === "turn") stopSet.add(i + 1);
    if (ev.op === "chapter" && chapterStart[ev.ch] === null) {
      chapterStart[ev.ch] = i + 1;
      stopSet.add(i + 1);
    }
  });
  const stops = Array.from(stopSet).sort((a, b) => a - b);
  const turnTotal = events.filter((ev) => ev.op === "turn").length;

  let pos = 0; // events applied
  let playing = false;
  let timer = null;
  let speed = 1;
  let timing = "log";
  let lastNew = null; // the element the last replay step revealed (highlighted)
  let view = null; // what is on screen: calls by id, current chapter and turn, scroll anchors

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear() {
    conv.replaceChildren();
    view = {
      calls: new Map(),
      chapter: -1,
      turn: null,
      turnsDone: 0,
      clock: null,
      prompt: null,
      anchor: null, // the first element of the turn in progress
      lastTurnAnchor: null, // the first element of the last finished turn
    };
  }

  function append(node) {
    conv.append(node);
    if (view.anchor === null) view.anchor = node;
    return node;
  }

  function head(role, item) {
    const h = el("div", "item-head");
    h.append(el("span", "role", role));
    if (item.badge) h.append(el("span", "badge", "[" + item.badge + "]"));
    if (item.chips) item.chips.forEach((c) => h.append(el("span", "chip", c)));
    if (item.clock) h.append(el("span", "clock", item.clock));
    if (item.seed) h.append(el("span", "tag", "seed"));
    if (item.inh) h.append(el("span", "tag", "inherited"));
    return h;
  }

  function article(kind, item) {
    const a = el("article", "item item-" + kind + (item.inh ? " inherited" : ""));
    a.dataset.ch = String(item.ch);
    return a;
  }

  function details(summary, body, cls) {
    const d = el("details", cls || null);
    d.append(el("summary", null, summary));
    d.append(body);
    return d;
  }

  function first(text) {
    return text.split("\n")[0].slice(0, 120);
  }

  function lines(text) {
    const n = text.split("\n").length;
    return n + (n === 1 ? " line" : " lines");
  }

  function resultBlock(item) {
    const r = el("div", "result" + (item.error ? " error" : ""));
    const line = el("div", "result-line");
    line.append(el("span", "result-mark", item.error ? "✗ error " : "✓ result "));
    line.append(el("span", "result-summary", item.summary));
    r.append(line);
    if (item.content) r.append(details("output · " + lines(item.content), el("pre", "block", item.content)));
    return r;
  }

  function renderItem(item) {
    const k = item.k;
    if (k === "user" || k === "assistant" || k === "system") {
      const a = article(k, item);
      a.append(head(k, item));
      const text = el("div", "text", item.text);
      const n = item.text.split("\n").length;
      a.append(k === "system" && n > LONG_SYSTEM ? details(first(item.text) + " · " + lines(item.text), text) : text);
      return append(a);
    }
    if (k === "reasoning") {
      const a = article("reasoning", item);
      const body = el("div");
      (item.summary || []).forEach((s) => body.append(el("div", "text", s)));
      if (item.text) body.append(el("pre", "block", item.text));
      const top = (item.summary && item.summary[0]) || item.text || "";
      const label = "reasoning" + (item.clock ? " · " + item.clock : "") + (top ? " · " + first(top) : "");
      a.append(details(label, body));
      if (item.inh) a.querySelector("summary").append(el("span", "tag", "inherited"));
      return append(a);
    }
    if (k === "call") {
      const a = article("call", item);
      const h = head("tool call", item);
      h.insertBefore(el("span", "mono", item.name), h.children[1] || null);
      h.append(el("span", "call-id mono", item.id));
      a.append(h);
      a.append(details("arguments · " + lines(item.args), el("pre", "block", item.args)));
      view.calls.set(item.id, a);
      return append(a);
    }
    if (k === "result") {
      const call = view.calls.get(item.id);
      if (call && !call.querySelector(".result")) {
        call.append(resultBlock(item));
        return call;
      }
      const a = article("result", item);
      if (item.error) a.classList.add("error");
      const h = head("tool result", item);
      h.append(el("span", "call-id mono", item.id));
      a.append(h);
      a.append(resultBlock(item));
      return append(a);
    }
    const a = article("other", item);
    a.append(head("item", item));
    a.append(el("pre", "block", item.text));
    return append(a);
  }

  function chapterHead(ev) {
    const ch = chapters[ev.ch];
    if (ev.reset && conv.childElementCount > 0) {
      const n = conv.querySelectorAll(".item").length;
      const old = el("details", "replaced");
      const what = ch.kind === "compaction" ? "replaced by the compaction summary below" : "replaced by the history recorded below";
      old.append(el("summary", null, n + (n === 1 ? " earlier item, " : " earlier items, ") + what));
      old.append(...Array.from(conv.childNodes));
      conv.append(old);
      view.calls = new Map();
    }
    const box = el("section", "chapter-head");
    box.dataset.ch = String(ev.ch);
    const label = el("div", "chapter-label", "Chapter " + (ev.ch + 1) + " of " + chapters.length + " · " + ch.short + " · " + ch.label + (ch.own ? " · this segment" : ""));
    box.append(label);
    box.append(el("div", "chapter-note", ch.title));
    if (ev.note && ev.note !== ch.short + " · " + ch.label) box.append(el("div", "chapter-note", ev.note));
    if (ch.problems) box.append(el("div", "chapter-note", ch.problems + (ch.problems === 1 ? " line" : " lines") + " of this log could not be read and are left out"));
    if (ch.system_prompt && ch.system_prompt !== view.prompt) {
      box.append(details("system prompt · " + lines(ch.system_prompt), el("pre", "block", ch.system_prompt), "prompt"));
      view.prompt = ch.system_prompt;
    }
    conv.append(box);
    view.anchor = box;
    view.chapter = ev.ch;
    view.turn = null;
    return box;
  }

  function apply(ev) {
    let node = null;
    if (ev.t !== null && ev.t !== undefined) view.clock = ev.t;
    if (ev.op === "chapter") {
      node = chapterHead(ev);
      (ev.items || []).forEach((item) => renderItem(item));
      if (ev.ch === own && own > 0) {
        const mark = el("div", "own-start", "▼ this segment's own turns start here (everything above is inherited)");
        append(mark);
      }
    } else if (ev.op === "add") {
      (ev.items || []).forEach((item) => {
        node = renderItem(item);
      });
    } else if (ev.op === "turn") {
      const d = el("div", "turn-end");
      d.dataset.turn = String(ev.turn);
      d.dataset.ch = String(ev.ch);
      d.append(el("span", "turn-label", "turn " + ev.turn));
      const parts = [];
      if (ev.outcome) parts.push(ev.outcome);
      if (ev.duration) parts.push(ev.duration);
      if (parts.length) d.append(document.createTextNode(" · " + parts.join(" · ")));
      conv.append(d);
      view.turn = ev.turn;
      view.turnsDone += 1;
      view.lastTurnAnchor = view.anchor || d;
      view.anchor = null;
      node = d;
    }
    return node;
  }

  function clockText(ms) {
    if (ms === null) return "";
    const d = new Date(ms);
    if (isNaN(d.getTime())) return "ts " + ms;
    return d.toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }

  function update() {
    const ch = view.chapter >= 0 ? chapters[view.chapter] : null;
    const parts = [];
    if (ch) parts.push("chapter " + (view.chapter + 1) + " / " + chapters.length + " · " + ch.short);
    parts.push(view.turn === null ? "turn –" : "turn " + view.turn);
    parts.push("turn ends " + view.turnsDone + " / " + turnTotal);
    parts.push("step " + pos + " / " + events.length);
    const clock = clockText(view.clock);
    if (clock) parts.push(clock);
    $("position").textContent = parts.join(" · ");
    $("play").textContent = playing ? "⏸ Pause" : "▶ Play";
    $("play").setAttribute("aria-pressed", playing ? "true" : "false");
    $("progress").value = events.length ? pos / events.length : 1;
    $("finished").textContent = !playing && pos >= events.length && events.length ? "end of the replay" : "";
    document.querySelectorAll("#chapters button").forEach((b) => {
      b.classList.toggle("current", Number(b.dataset.ch) === view.chapter);
    });
  }

  function render(p, scroll) {
    clear();
    for (let i = 0; i < p; i++) apply(events[i]);
    pos = p;
    update();
    if (scroll === "turn") {
      const target = pos > 0 && events[pos - 1].op === "turn" ? view.lastTurnAnchor : view.anchor;
      if (target) target.scrollIntoView({ block: "start" });
    }
  }

  function delayBefore(i) {
    const ev = events[i];
    let ms = 0;
    if (i === 0) return 0;
    if (timing === "log") {
      const prev = prevTs[i];
      if (ev.t !== null && ev.t !== undefined && prev !== null && ev.t > prev) ms = ev.t - prev;
      return Math.min(ms / speed, MAX_DELAY);
    }
    if (ev.op === "chapter") ms = 1500;
    else if (ev.op === "turn") ms = 700;
    else {
      (ev.items || []).forEach((item) => {
        const k = item.k;
        if (k === "user") ms += 1000;
        else if (k === "assistant") ms += 600 + Math.min((item.text || "").length, 1500) * 2;
        else if (k === "result") ms += 400;
        else ms += 500;
      });
    }
    return Math.min(ms, 4000) / speed;
  }

  function step() {
    timer = null;
    if (!playing) return;
    const node = apply(events[pos]);
    pos += 1;
    if (lastNew) lastNew.classList.remove("new");
    lastNew = node;
    if (node) {
      node.classList.add("new");
      node.scrollIntoView({ block: "nearest" });
    }
    update();
    schedule();
  }

  function schedule() {
    if (!playing) return;
    if (pos >= events.length) {
      pause();
      return;
    }
    timer = setTimeout(step, delayBefore(pos));
  }

  function play() {
    if (pos >= events.length) render(0, "none");
    playing = true;
    update();
    schedule();
  }

  function pause() {
    playing = false;
    if (lastNew) lastNew.classList.remove("new");
    lastNew = null;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    update();
  }

  function toggle() {
    if (playing) pause();
    else play();
  }

  function goTo(p) {
    pause();
    render(Math.max(0, Math.min(p, events.length)), "turn");
  }

  function nextStop() {
    const s = stops.find((x) => x > pos);
    goTo(s === undefined ? events.length : s);
  }

  function prevStop() {
    let s = 0;
    stops.forEach((x) => {
      if (x < pos) s = x;
    });
    goTo(s);
  }

  function setSpeed(s) {
    speed = s;
    $("speed").value = String(s);
  }

  function faster(dir) {
    const i = SPEEDS.indexOf(speed);
    setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + dir))]);
  }

  // --- the page around the player ---------------------------------------------------------

  const list = $("chapter-list");
  chapters.forEach((ch, i) => {
    const li = el("li");
    const b = el("button");
    b.type = "button";
    b.dataset.ch = String(i);
    b.append(el("span", "chapter-kind", (i + 1) + ". " + ch.short + " · " + ch.label + (ch.own ? " (this segment)" : "")));
    b.append(el("span", "chapter-title", ch.title));
    b.addEventListener("click", () => goTo(chapterStart[i] === null ? 0 : chapterStart[i]));
    li.append(b);
    list.append(li);
  });

  SPEEDS.forEach((s) => {
    const o = el("option", null, s + "×");
    o.value = String(s);
    $("speed").append(o);
  });
  $("speed").addEventListener("change", (e) => setSpeed(Number(e.target.value)));
  $("timing").addEventListener("change", (e) => {
    timing = e.target.value;
  });
  $("play").addEventListener("click", toggle);
  $("start").addEventListener("click", () => goTo(0));
  $("prev").addEventListener("click", prevStop);
  $("next").addEventListener("click", nextStop);
  $("end").addEventListener("click", () => goTo(events.length));
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === "SELECT" || t.tagName === "INPUT")) return;
    const k = e.key;
    if (k === " " || k === "p") toggle();
    else if (k === "]" || k === "ArrowRight") nextStop();
    else if (k === "[" || k === "ArrowLeft") prevStop();
    else if (k === "+" || k === "=") faster(1);
    else if (k === "-") faster(-1);
    else if (k === "Home") goTo(0);
    else if (k === "End") goTo(events.length);
    else return;
    e.preventDefault();
  });

  setSpeed(1);
  render(events.length, "none");
  document.body.dataset.ready = "true";
})();
