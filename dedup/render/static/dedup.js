/* dedup report pages: sortable tables, source popovers, pair view controls.
   No network, no inline handlers, no HTML built from strings: popover content is cloned
   from <template> elements the server rendered (and escaped). */
(() => {
  "use strict";

  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // --- sortable tables -----------------------------------------------------------
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellValue(row, i) {
    const cell = row.cells[i];
    if (!cell) return "";
    const v = cell.getAttribute("data-v");
    return v !== null ? v : cell.textContent.trim();
  }

  function initSortable(table) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    const heads = Array.from(head.cells);
    heads.forEach((th, i) => {
      const button = th.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", () => {
        const numeric = th.getAttribute("data-type") === "num";
        const now = th.getAttribute("aria-sort");
        let dir;
        if (now === "descending") dir = "ascending";
        else if (now === "ascending") dir = "descending";
        else dir = numeric ? "descending" : "ascending";
        heads.forEach((h) => { if (h !== th && h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir);
        const sign = dir === "ascending" ? 1 : -1;
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = cellValue(a, i);
          const y = cellValue(b, i);
          const r = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : collator.compare(x, y);
          return r * sign;
        });
        const frag = document.createDocumentFragment();
        rows.forEach((r) => frag.appendChild(r));
        body.appendChild(frag);
      });
    });
  }

  // --- phrase filter --------------------------------------------------------------
  function initFilter(input) {
    const table = document.getElementById(input.getAttribute("data-table"));
    const status = document.getElementById(input.getAttribute("data-status"));
    if (!table) return;
    const rows = Array.from(table.tBodies[0].rows);
    input.addEventListener("input", () => {
      const q = input.value.trim().toLowerCase();
      let shown = 0;
      rows.forEach((row) => {
        const key = row.getAttribute("data-key") || row.textContent;
        const hit = !q || key.toLowerCase().includes(q);
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      if (status) status.textContent = q ? `${shown} of ${rows.length} shown` : "";
    });
  }

  // --- source popovers on report pages ------------------------------------------------
  // A reused span's first <mark> carries its sources: data-c (how many other reports),
  // data-m (ids of <template id="m-K">: matched passages of other reports), data-src
  // (other reports as tokens "3", "3:45" (at stock phrase 45), "3!" (no place), or "~"
  // followed by the reports that are NOT sources), data-ph (the span's stock phrase).
  let pop = null;
  let popMark = null;
  let pinned = false;
  let showTimer = 0;
  let hideTimer = 0;
  let docsTemplate = null;
  let quiet = false;

  const markOf = (node) => (node && node.closest ? node.closest("mark[data-s]") : null);
  const inPop = (node) => !!(pop && node && pop.contains(node));
  const spanMarks = (mark) => $$(`mark[data-s="${mark.getAttribute("data-s")}"]`);
  const headOf = (mark) => document.querySelector(`mark[data-s="${mark.getAttribute("data-s")}"][data-c]`) || mark;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function docLink(index, fragment) {
    if (!docsTemplate) return null;
    const found = docsTemplate.content.querySelector(`[data-i="${index}"]`);
    if (!found) return null;
    const link = found.cloneNode(true);
    if (fragment && link.hasAttribute("href")) {
      link.setAttribute("href", `${link.getAttribute("href").split("#")[0]}#${fragment}`);
    }
    return link;
  }

  function otherSources(head) {
    const tokens = (head.getAttribute("data-src") || "").split(" ").filter(Boolean);
    const ph = head.getAttribute("data-ph");
    const at = ph ? `p-${ph}` : "";
    if (tokens[0] === "~") {
      const excluded = new Set(tokens.slice(1));
      const all = docsTemplate ? Array.from(docsTemplate.content.querySelectorAll("[data-i]")) : [];
      return all.map((e) => e.getAttribute("data-i")).filter((i) => !excluded.has(i)).map((i) => [i, at]);
    }
    return tokens.map((t) => {
      if (t.endsWith("!")) return [t.slice(0, -1), ""];
      const colon = t.indexOf(":");
      return colon > 0 ? [t.slice(0, colon), `p-${t.slice(colon + 1)}`] : [t, at];
    });
  }

  function note(head) {
    const frag = document.createDocumentFragment();
    const label = head.classList.contains("l-shared") ? "shared" : "boilerplate";
    const count = parseInt(head.getAttribute("data-c"), 10) || 0;
    const top = el("p", "note-head");
    top.append(el("strong", "", label),
      ` — also in ${count} other report${count === 1 ? "" : "s"}${label === "boilerplate" ? " (stock phrasing)" : ""}`);
    frag.append(top);
    const hits = (head.getAttribute("data-m") || "").split(" ").filter(Boolean);
    if (hits.length) {
      const list = el("ol", "sources");
      hits.forEach((id) => {
        const tpl = document.getElementById(`m-${id}`);
        if (tpl && tpl.content) list.append(tpl.content.cloneNode(true));
      });
      frag.append(list);
    }
    const others = otherSources(head);
    const listed = hits.length + others.length;
    if (others.length || count > listed) {
      const p = el("p", "others");
      if (others.length) p.append(hits.length ? "Also in: " : "In: ");
      let first = true;
      others.forEach(([index, fragment]) => {
        const link = docLink(index, fragment);
        if (!link) return;
        if (!first) p.append(", ");
        p.append(link);
        first = false;
      });
      if (count > listed) p.append(`${first ? "" : ", "}and ${count - listed} more`);
      frag.append(p);
    }
    return frag;
  }

  function setHot(mark, on) {
    spanMarks(mark).forEach((m) => m.classList.toggle("hot", on));
  }

  function place(mark) {
    const host = mark.closest(".doc-text") || document.body;
    const hostBox = host.getBoundingClientRect();
    const rects = Array.from(mark.getClientRects());
    const r = rects.length ? rects[rects.length - 1] : mark.getBoundingClientRect();
    const width = pop.offsetWidth;
    const height = pop.offsetHeight;
    let left = r.left - hostBox.left;
    const maxLeft = Math.max(0, document.documentElement.clientWidth - hostBox.left - width - 12);
    left = Math.max(Math.min(left, maxLeft), -hostBox.left + 8);
    let top = r.bottom - hostBox.top + 6;
    if (r.bottom + height + 12 > window.innerHeight && r.top - height - 12 > 0) {
      top = r.top - hostBox.top - height - 6;
    }
    pop.style.left = `${Math.round(left)}px`;
    pop.style.top = `${Math.round(top)}px`;
  }

  function hide(restoreFocus) {
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    if (!pop) return;
    const mark = popMark;
    pop.remove();
    pop = null;
    popMark = null;
    pinned = false;
    if (mark) {
      setHot(mark, false);
      const head = headOf(mark);
      head.removeAttribute("aria-expanded");
      if (restoreFocus) {
        quiet = true; // focus events fire synchronously: do not reopen what was closed
        head.focus();
        quiet = false;
      }
    }
  }

  function show(mark, pin) {
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    if (pop && popMark && popMark.getAttribute("data-s") === mark.getAttribute("data-s")) {
      pinned = pinned || pin;
      return;
    }
    hide(false);
    const head = headOf(mark);
    pop = el("span", "pop");
    pop.id = "dedup-pop";
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", "Where this passage also occurs");
    const close = el("button", "close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => hide(true));
    pop.append(close, note(head));
    // At the end of the text, not after the mark: Tab goes from passage to passage;
    // Enter moves focus into the popover, Escape back.
    (mark.closest(".doc-text") || document.body).appendChild(pop);
    popMark = mark;
    pinned = pin;
    head.setAttribute("aria-expanded", "true");
    head.setAttribute("aria-controls", "dedup-pop");
    setHot(mark, true);
    place(mark);
  }

  function scheduleHide() {
    clearTimeout(showTimer);
    if (pinned) return;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => hide(false), 280);
  }

  function initPopovers(text) {
    docsTemplate = document.getElementById("docs");
    $$("mark[data-s][title]", text).forEach((m) => {
      // The popover says more than the tooltip would; keep the summary for screen readers.
      m.setAttribute("aria-description", m.getAttribute("title"));
      m.removeAttribute("title");
    });
    text.addEventListener("mouseover", (ev) => {
      if (inPop(ev.target)) { clearTimeout(hideTimer); return; }
      const mark = markOf(ev.target);
      if (!mark) return;
      clearTimeout(hideTimer);
      if (pinned) return;
      clearTimeout(showTimer);
      showTimer = setTimeout(() => show(mark, false), 120);
    });
    text.addEventListener("mouseout", (ev) => {
      const to = ev.relatedTarget;
      if (inPop(to) || (popMark && markOf(to) === popMark)) return;
      if (markOf(ev.target) || inPop(ev.target)) scheduleHide();
    });
    text.addEventListener("click", (ev) => {
      if (inPop(ev.target)) return;
      const mark = markOf(ev.target);
      if (!mark) return;
      if (pop && popMark === mark && pinned) hide(false);
      else show(mark, true);
    });
    text.addEventListener("focusin", (ev) => {
      if (inPop(ev.target)) { clearTimeout(hideTimer); return; }
      if (quiet) return;
      const mark = markOf(ev.target);
      if (mark) show(mark, false);
    });
    text.addEventListener("focusout", (ev) => {
      const to = ev.relatedTarget;
      if (inPop(to) || (popMark && to === popMark)) return;
      if (pinned && !to) return;
      pinned = false;
      scheduleHide();
    });
    text.addEventListener("keydown", (ev) => {
      const mark = markOf(ev.target);
      if (mark && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        show(mark, true);
        const link = pop && pop.querySelector("a[href]");
        if (link) link.focus();
      }
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && pop) {
        ev.preventDefault();
        hide(true);
      }
    });
    document.addEventListener("click", (ev) => {
      if (pop && !inPop(ev.target) && !markOf(ev.target)) hide(false);
    });
    window.addEventListener("resize", () => { if (pop && popMark) place(popMark); });
  }

  // n / p: next or previous reused passage.
  function initKeys(selector) {
    const stops = $$(selector);
    if (!stops.length) return;
    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key !== "n" && ev.key !== "p") return;
      const t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      ev.preventDefault();
      const here = document.activeElement;
      let i = stops.indexOf(here);
      if (i < 0) {
        // Start from what is on screen.
        const y = window.innerHeight / 3;
        i = stops.findIndex((m) => m.getBoundingClientRect().top > y) - (ev.key === "n" ? 1 : 0);
        if (i < -1) i = stops.length - 1;
      }
      const next = ev.key === "n" ? Math.min(i + 1, stops.length - 1) : Math.max(i - 1, 0);
      const mark = stops[next];
      mark.focus({ preventScroll: true });
      mark.scrollIntoView({ block: "center" });
    });
  }

  // Link targets inside a span: outline the whole span.
  function markTarget() {
    $$(".doc-text mark.target").forEach((m) => m.classList.remove("target"));
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id && document.getElementById(id);
    const mark = el && el.closest && el.closest("mark[data-s]");
    if (mark) spanMarks(mark).forEach((m) => m.classList.add("target"));
  }

  // --- pair page ---------------------------------------------------------------------------
  function initPair(table) {
    const toggle = document.getElementById("show-only");
    if (toggle) {
      const apply = () => table.classList.toggle("hide-only", !toggle.checked);
      toggle.addEventListener("change", apply);
      apply();
    }
    const expand = document.getElementById("expand-all");
    const folds = $$("details.fold", table);
    if (expand) {
      if (!folds.length) expand.hidden = true;
      expand.addEventListener("click", () => {
        const open = expand.getAttribute("aria-pressed") !== "true";
        folds.forEach((d) => { d.open = open; });
        expand.setAttribute("aria-pressed", String(open));
        expand.textContent = open ? "Fold long unmatched text" : "Unfold all text";
      });
    }
    let closed = [];
    window.addEventListener("beforeprint", () => {
      closed = folds.filter((d) => !d.open);
      closed.forEach((d) => { d.open = true; });
    });
    window.addEventListener("afterprint", () => {
      closed.forEach((d) => { d.open = false; });
      closed = [];
    });
  }

  // Heatmap: highlight the row and column headers of the cell under the pointer or focus.
  function initHeat(table) {
    let lit = [];
    const light = (cell) => {
      lit.forEach((h) => h.classList.remove("hl"));
      lit = [];
      const td = cell && cell.closest ? cell.closest("td") : null;
      if (!td || !table.contains(td)) return;
      const row = td.parentElement;
      const head = table.tHead && table.tHead.rows[0];
      const col = head && head.cells[td.cellIndex];
      lit = [row.cells[0], col].filter(Boolean);
      lit.forEach((h) => h.classList.add("hl"));
    };
    table.addEventListener("mouseover", (ev) => light(ev.target));
    table.addEventListener("focusin", (ev) => light(ev.target));
    table.addEventListener("mouseleave", () => light(null));
  }

  function init() {
    document.documentElement.classList.add("js");
    $$("table.sortable").forEach(initSortable);
    $$("input[data-table]").forEach(initFilter);
    $$("table.heat").forEach(initHeat);
    const text = document.querySelector(".doc-text");
    if (text) {
      initPopovers(text);
      initKeys(".doc-text mark[tabindex]");
      markTarget();
      window.addEventListener("hashchange", markTarget);
    }
    const sbs = document.querySelector("table.sbs");
    if (sbs) {
      initPair(sbs);
      initKeys("table.sbs tr.same");
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
