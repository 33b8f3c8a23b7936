/* holonet radial explorer. Self-contained: no network access, no libraries.
 *
 * DOM contract (relied on by tests/viz/test_explorer_browser.py):
 *  - attention tokens: <circle class="token" data-token-index="i">; classes
 *    'focus', 'highlight' (top-k keys of the active query), 'attended-by'
 *    (top-k queries attending to it), 'pinned', 'pin-target', 'dim'.
 *  - code legs: <circle class="leg" data-leg-index="i">, class 'selected';
 *    bulk legs: <circle class="bulk" data-bulk-leg="q3">, tiles <path class="tile"
 *    data-tile-index="t">, classes 'wedge-greedy', 'wedge-exact',
 *    'wedge-complement', 'wedge-neither'.
 *  - state.ringMass: the active query's attention mass per ring (attention by scale);
 *    state.pinAcrossLayers[pin][layer]: a pinned token's top-k keys in every layer.
 *  - window.holonetExplorer: {state, select, hover, clear, setLayer, setHead, setK,
 *    pin, unpin, togglePin, zoomBy, resetView, setMode, selectInterval, topK}.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("holonet-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("canvas");
  var viewport = document.getElementById("viewport");
  var panel = document.getElementById("panel");
  var A = DATA.attention, C = DATA.code;

  var state = {
    mode: A ? "attention" : "code",
    layer: null, head: null, k: A ? A.k : 0,
    focus: null, hover: null, active: null,
    highlighted: [], attendedBy: [], pinned: [], pinTargets: {}, pinAcrossLayers: {},
    ringMass: [],
    zoom: 1, tx: 0, ty: 0,
    selection: null, wedge: null
  };

  function el(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var key in attrs) { if (attrs[key] !== null) { e.setAttribute(key, attrs[key]); } }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function fmt(x) { return (Math.round(x * 1000) / 1000).toFixed(3); }

  /* ---------------------------------------------------------------- attention */
  // sparse maps arrive as {sparse: [[cols], [values]] per row}: expand once
  if (A) {
    Object.keys(A.maps).forEach(function (key) {
      var m = A.maps[key];
      if (m && m.sparse) {
        A.maps[key] = m.sparse.map(function (row) {
          var dense = new Array(A.tokens.length).fill(0);
          row[0].forEach(function (c, t) { dense[c] = row[1][t]; });
          return dense;
        });
      }
    });
  }
  var tokenEls = [], labelEls = [], haloEls = [], linkLayer = null, attnGroup = null;
  var meanCache = {};

  function matrix(layer, head) {
    if (head === "mean") {
      var key = String(layer);
      if (!meanCache[key]) {
        var hs = A.heads[String(layer)], n = A.tokens.length, out = [];
        for (var i = 0; i < n; i++) {
          var row = new Array(n).fill(0);
          for (var h = 0; h < hs.length; h++) {
            var src = A.maps[layer + "," + hs[h]][i];
            for (var j = 0; j < n; j++) { row[j] += src[j] / hs.length; }
          }
          out.push(row);
        }
        meanCache[key] = out;
      }
      return meanCache[key];
    }
    return A.maps[layer + "," + head];
  }

  /* Same ordering as AttentionRecord.top_k: weight descending, ties -> lower index. */
  function topKOf(values, k) {
    var idx = values.map(function (_, i) { return i; });
    idx.sort(function (a, b) { return (values[b] - values[a]) || (a - b); });
    return idx.slice(0, Math.max(0, k)).sort(function (a, b) { return a - b; });
  }
  function topK(layer, head, query, k) { return topKOf(matrix(layer, head)[query], k); }
  function column(m, key) { return m.map(function (row) { return row[key]; }); }

  function buildAttention() {
    attnGroup = el("g", {id: "attention-view"}, viewport);
    if (A.underlay && C) {
      // tokens are the code's legs: draw the tiling underneath (holographic attention)
      var under = el("g", {id: "attention-underlay"}, attnGroup);
      el("circle", {"class": "disk-rim", cx: 0, cy: 0, r: 1}, under);
      C.tiles.forEach(function (t) {
        el("path", {"class": "tile underlay", d: t.path, fill: t.color}, under);
      });
    }
    var guides = el("g", {id: "ring-guides"}, attnGroup);
    A.ring_radius.forEach(function (r, ring) {
      if (r > 0 && !A.underlay) {
        el("circle", {"class": "ring-guide", cx: 0, cy: 0, r: r, "data-ring": ring,
                      "stroke-width": 0.004}, guides);
      }
    });
    linkLayer = el("g", {id: "links"}, attnGroup);
    var halos = el("g", {id: "halos"}, attnGroup);
    var tokens = el("g", {id: "tokens"}, attnGroup);
    var labels = el("g", {id: "labels"}, attnGroup);
    A.tokens.forEach(function (tok, i) {
      haloEls.push(el("circle", {"class": "halo", cx: A.x[i], cy: A.y[i], r: 0}, halos));
      var c = el("circle", {"class": "token", cx: A.x[i], cy: A.y[i], r: A.r[i],
                            fill: A.colors[i], "data-token-index": i, "data-ring": A.ring[i]},
                 tokens);
      var t = el("title", {}, c);
      t.textContent = tok + " (token " + i + ", ring " + A.ring[i] + ")";
      c.addEventListener("mouseenter", function () { hover(i); });
      c.addEventListener("mouseleave", function () { hover(null); });
      c.addEventListener("click", function (ev) {
        ev.stopPropagation();
        if (ev.shiftKey) { togglePin(i); } else { select(i); }
      });
      c.addEventListener("dblclick", function (ev) { ev.stopPropagation(); togglePin(i); });
      tokenEls.push(c);
      var ang = Math.atan2(A.y[i], A.x[i]), rad = Math.hypot(A.x[i], A.y[i]);
      var off = A.r[i] + 0.012, lx = A.x[i], ly = A.y[i], anchor = "middle";
      if (rad > 1e-9) {
        lx += off * Math.cos(ang); ly += off * Math.sin(ang);
        anchor = Math.cos(ang) >= 0 ? "start" : "end";
      } else { ly -= off + 0.02; }
      var lab = el("text", {"class": "token-label", x: lx, y: ly, "text-anchor": anchor,
                            "data-label-index": i}, labels);
      lab.textContent = tok;
      labelEls.push(lab);
    });

    var layerSel = document.getElementById("layer-select");
    A.layers.forEach(function (l) {
      var o = document.createElement("option"); o.value = l; o.textContent = l;
      layerSel.appendChild(o);
    });
    layerSel.addEventListener("change", function () { setLayer(Number(layerSel.value)); });
    document.getElementById("head-select").addEventListener("change", function (ev) {
      var v = ev.target.value; setHead(v === "mean" ? "mean" : Number(v));
    });
    var kIn = document.getElementById("k-input");
    kIn.max = A.tokens.length; kIn.value = state.k;
    kIn.addEventListener("change", function () { setK(Number(kIn.value)); });
    document.getElementById("pin-button").addEventListener("click", function () {
      if (state.focus !== null) { togglePin(state.focus); }
    });
    document.getElementById("clear-button").addEventListener("click", function () { clear(); });
    state.layer = A.layers.length ? A.layers[0] : null;
    fillHeads();
  }

  function fillHeads() {
    var sel = document.getElementById("head-select");
    sel.innerHTML = "";
    var hs = state.layer === null ? [] : A.heads[String(state.layer)];
    hs.forEach(function (h) {
      var o = document.createElement("option"); o.value = h; o.textContent = h;
      sel.appendChild(o);
    });
    if (hs.length > 1) {
      var o = document.createElement("option"); o.value = "mean"; o.textContent = "mean";
      sel.appendChild(o);
    }
    if (state.head === null || (state.head !== "mean" && hs.indexOf(state.head) < 0)
        || (state.head === "mean" && hs.length < 2)) {
      state.head = hs.length ? hs[0] : null;
    }
    sel.value = String(state.head);
    document.getElementById("layer-select").value = String(state.layer);
  }

  function linkPath(i, j) {
    var x1 = A.x[i], y1 = A.y[i], x2 = A.x[j], y2 = A.y[j];
    // pull the control point towards the core: links bundle through the centre,
    // like information routed through the bulk
    var cx = 0.45 * (x1 + x2) / 2, cy = 0.45 * (y1 + y2) / 2;
    return "M" + x1 + "," + y1 + " Q" + cx + "," + cy + " " + x2 + "," + y2;
  }

  function renderAttention() {
    var n = A.tokens.length;
    var ok = state.layer !== null && state.head !== null;
    var m = ok ? matrix(state.layer, state.head) : null;
    var act = state.hover !== null ? state.hover : state.focus;
    state.active = act;
    state.highlighted = (act !== null && m) ? topKOf(m[act], state.k) : [];
    // context: the queries attending most to the active token (zero weights are no context)
    state.attendedBy = (act !== null && m) ? topKOf(column(m, act), state.k)
      .filter(function (q) { return m[q][act] > 0; }) : [];
    // introspection: how much of the active token's attention each scale (ring) receives
    state.ringMass = [];
    if (act !== null && m) {
      state.ringMass = A.ring_radius.map(function () { return 0; });
      m[act].forEach(function (w, j) { state.ringMass[A.ring[j]] += w; });
    }
    state.pinTargets = {};
    state.pinAcrossLayers = {};
    state.pinned.forEach(function (p) {
      state.pinTargets[p] = m ? topKOf(m[p], state.k) : [];
      // the concept's top-k keys in every layer, for the same head
      state.pinAcrossLayers[p] = {};
      A.layers.forEach(function (l) {
        var hs = A.heads[String(l)];
        var ok = state.head === "mean" ? hs.length > 1 : hs.indexOf(state.head) >= 0;
        state.pinAcrossLayers[p][l] = ok ? topK(l, state.head, p, state.k) : null;
      });
    });
    var hl = {}, ab = {}, pt = {}, pn = {};
    state.highlighted.forEach(function (j) { hl[j] = true; });
    state.attendedBy.forEach(function (j) { ab[j] = true; });
    state.pinned.forEach(function (p) {
      pn[p] = true; state.pinTargets[p].forEach(function (j) { pt[j] = true; });
    });
    var anything = act !== null || state.pinned.length > 0;
    var manyLabels = A.labels === "active";
    for (var i = 0; i < n; i++) {
      var c = tokenEls[i].classList;
      c.toggle("focus", i === act);
      c.toggle("highlight", !!hl[i]);
      c.toggle("attended-by", !!ab[i]);
      c.toggle("pinned", !!pn[i]);
      c.toggle("pin-target", !!pt[i]);
      var rel = i === act || hl[i] || ab[i] || pn[i] || pt[i];
      c.toggle("dim", anything && !rel);
      labelEls[i].classList.toggle("dim", anything && !rel);
      labelEls[i].classList.toggle("hidden", manyLabels && !rel);
      var w = (act !== null && m) ? m[act][i] : 0;
      haloEls[i].setAttribute("r", act !== null ? A.r[i] * (1 + 2.2 * Math.sqrt(w)) : 0);
    }
    while (linkLayer.firstChild) { linkLayer.removeChild(linkLayer.firstChild); }
    var scale = 0.02;
    function addLinks(from, targets, cls, weightOf) {
      targets.forEach(function (j) {
        var q = cls === "context" ? j : from, key = cls === "context" ? from : j;
        var w = weightOf(q, key);
        if (q === key) {
          el("circle", {"class": "link " + cls, cx: A.x[q], cy: A.y[q], r: A.r[q] * 1.9,
                        "stroke-width": Math.max(0.002, scale * Math.sqrt(w))}, linkLayer);
        } else {
          el("path", {"class": "link " + cls, d: linkPath(q, key),
                      "stroke-width": Math.max(0.002, scale * Math.sqrt(w))}, linkLayer);
        }
      });
    }
    var wOf = function (q, key) { return m[q][key]; };
    if (m) {
      state.pinned.forEach(function (p) { addLinks(p, state.pinTargets[p], "pin", wOf); });
      if (act !== null) {
        addLinks(act, state.attendedBy, "context", wOf);
        addLinks(act, state.highlighted, "focus-link", wOf);
      }
    }
    renderAttentionPanel(m, act);
  }

  function weightTable(m, q, list, byColumn) {
    if (!list.length) { return "<p class='muted'>none</p>"; }
    var vals = list.map(function (j) { return byColumn ? m[j][q] : m[q][j]; });
    var mx = Math.max.apply(null, vals) || 1;
    var order = list.map(function (j, t) { return [j, vals[t]]; })
      .sort(function (a, b) { return (b[1] - a[1]) || (a[0] - b[0]); });
    return "<table>" + order.map(function (p) {
      return "<tr><td>" + esc(A.tokens[p[0]]) + " <span class='muted'>#" + p[0] +
        " r" + A.ring[p[0]] + "</span></td><td class='num'>" + fmt(p[1]) +
        "</td><td><span class='bar' style='width:" + Math.round(60 * p[1] / mx) +
        "px'></span></td></tr>";
    }).join("") + "</table>";
  }

  function renderAttentionPanel(m, act) {
    var h = "";
    if (A.description) { h += "<p>" + esc(A.description) + "</p>"; }
    h += "<p class='muted'>" + A.tokens.length + " tokens on " + A.ring_radius.length +
      " rings (core inside, boundary outside); layer " + esc(state.layer) + ", head " +
      esc(state.head) + ".</p>";
    if (act === null) {
      h += "<p>Hover or click a token to see the <b>top-" + state.k +
        "</b> keys it attends to (focus) and the queries attending to it (context). " +
        "Shift+click or <i>pin</i> keeps a concept highlighted across layers. Wheel or " +
        "buttons zoom, drag pans.</p>";
    } else {
      h += "<h2>" + esc(A.tokens[act]) + " <span class='muted'>#" + act + ", " +
        esc(A.ring_names[A.ring[act]]) + "</span></h2>";
      h += "<h2><span class='legend-swatch' style='border-color:var(--hl)'></span>" +
        "attends to (top-" + state.k + ")</h2>" + weightTable(m, act, state.highlighted, false);
      h += "<h2><span class='legend-swatch' style='border-color:var(--ctx)'></span>" +
        "attended by (top-" + state.k + ")</h2>" + weightTable(m, act, state.attendedBy, true);
      h += "<h2>attention by scale</h2><table>" + state.ringMass.map(function (v, r) {
        return "<tr><td>" + esc(A.ring_names[r]) + "</td><td class='num'>" + fmt(v) +
          "</td><td><span class='bar' style='width:" + Math.round(60 * v) +
          "px'></span></td></tr>";
      }).join("") + "</table>";
    }
    if (state.pinned.length) {
      h += "<h2><span class='legend-swatch' style='border-color:var(--pin)'></span>" +
        "pinned concepts across layers (head " + esc(state.head) + ")</h2>";
      state.pinned.forEach(function (p) {
        h += "<p><b>" + esc(A.tokens[p]) + "</b> <span class='muted'>#" + p + "</span></p><table>";
        A.layers.forEach(function (l) {
          var keys = state.pinAcrossLayers[p][l];
          h += "<tr" + (l === state.layer ? " style='font-weight:600'" : "") + "><td>layer " +
            esc(l) + "</td><td>" + (keys === null ? "<span class='muted'>no such head</span>"
              : keys.map(function (j) { return esc(A.tokens[j]); }).join(", ")) + "</td></tr>";
        });
        h += "</table>";
      });
    }
    var actv = A.activity ? A.activity[String(state.layer)] : null;
    if (actv) {
      var mx = Math.max.apply(null, actv) || 1;
      h += "<h2>ring activity, layer " + esc(state.layer) + "</h2><table>" +
        actv.map(function (v, r) {
          return "<tr><td>" + esc(A.ring_names[r] || ("ring " + r)) + "</td><td class='num'>" +
            fmt(v) + "</td><td><span class='bar' style='width:" + Math.round(60 * v / mx) +
            "px'></span></td></tr>";
        }).join("") + "</table>";
    }
    panel.innerHTML = h;
  }

  function select(i) {
    state.focus = (i === null || i === undefined) ? null : Number(i);
    renderAttention();
  }
  function hover(i) { state.hover = (i === null || i === undefined) ? null : Number(i); renderAttention(); }
  function clear() { state.focus = null; state.hover = null; renderAttention(); }
  function setLayer(l) {
    if (A.layers.indexOf(Number(l)) < 0) { throw new Error("unknown layer " + l); }
    state.layer = Number(l); fillHeads(); renderAttention();
  }
  function setHead(h) {
    var hs = A.heads[String(state.layer)];
    if (h !== "mean" && hs.indexOf(Number(h)) < 0) { throw new Error("unknown head " + h); }
    state.head = h === "mean" ? "mean" : Number(h); fillHeads(); renderAttention();
  }
  function setK(k) {
    k = Math.max(1, Math.min(A.tokens.length, Math.round(Number(k)) || 1));
    state.k = k; document.getElementById("k-input").value = k; renderAttention();
  }
  function pin(i) {
    i = Number(i);
    if (state.pinned.indexOf(i) < 0) { state.pinned.push(i); state.pinned.sort(function (a, b) { return a - b; }); }
    renderAttention();
  }
  function unpin(i) {
    state.pinned = state.pinned.filter(function (p) { return p !== Number(i); });
    renderAttention();
  }
  function togglePin(i) { if (state.pinned.indexOf(Number(i)) < 0) { pin(i); } else { unpin(i); } }

  /* ---------------------------------------------------------------- code */
  var legEls = [], bulkEls = {}, tileEls = [], codeGroup = null;

  function buildCode() {
    codeGroup = el("g", {id: "code-view"}, viewport);
    el("circle", {"class": "disk-rim", cx: 0, cy: 0, r: 1}, codeGroup);
    var tiles = el("g", {id: "tiles"}, codeGroup);
    C.tiles.forEach(function (t) {
      var p = el("path", {"class": "tile", d: t.path, fill: t.color,
                          "data-tile-index": t.index, "data-bulk-leg": null}, tiles);
      var ttl = el("title", {}, p);
      ttl.textContent = "tile " + t.index + " (layer " + t.layer + ")" +
        (t.bulk ? ", bulk leg " + t.bulk : "");
      tileEls.push(p);
    });
    var stubs = el("g", {id: "leg-stubs"}, codeGroup);
    var bulks = el("g", {id: "bulk-legs"}, codeGroup);
    C.bulk.forEach(function (b) {
      var c = el("circle", {"class": "bulk", cx: b.x, cy: b.y, r: b.r, "data-bulk-leg": b.name},
                 bulks);
      var ttl = el("title", {}, c); ttl.textContent = "bulk leg " + b.name;
      bulkEls[b.name] = c;
    });
    var legs = el("g", {id: "legs"}, codeGroup);
    C.legs.forEach(function (g, i) {
      el("line", {"class": "leg-stub", x1: g.ax, y1: g.ay, x2: g.x, y2: g.y}, stubs);
      var c = el("circle", {"class": "leg", cx: g.x, cy: g.y, r: C.leg_radius,
                            "data-leg-index": i, "data-leg": g.name}, legs);
      var ttl = el("title", {}, c); ttl.textContent = "boundary leg " + g.name;
      c.addEventListener("click", function (ev) {
        ev.stopPropagation();
        if (ev.shiftKey && state.selection) {
          var n = C.legs.length;
          var len = ((i - state.selection.start) % n + n) % n + 1;
          selectInterval(state.selection.start, Math.min(len, n - 1));
        } else {
          selectInterval(i, state.selection ? state.selection.len : C.default_len);
        }
      });
      legEls.push(c);
    });
    var lenIn = document.getElementById("len-input");
    lenIn.max = C.legs.length - 1; lenIn.value = C.default_len;
    lenIn.addEventListener("change", function () {
      selectInterval(state.selection ? state.selection.start : 0, Number(lenIn.value));
    });
  }

  function wedgeOf(start, len) {
    var n = C.legs.length, key = start + ":" + len;
    if (C.wedges[key]) { return C.wedges[key]; }
    var ck = ((start + len) % n) + ":" + (n - len), w = C.wedges[ck];
    if (w) { return {greedy: w.cgreedy, exact: w.cexact, cgreedy: w.greedy, cexact: w.exact}; }
    return null;
  }

  function selectInterval(start, len) {
    var n = C.legs.length;
    len = Math.max(1, Math.min(n - 1, Math.round(Number(len)) || 1));
    start = ((Math.round(Number(start)) % n) + n) % n;
    var legsSel = [];
    for (var t = 0; t < len; t++) { legsSel.push((start + t) % n); }
    state.selection = {start: start, len: len, legs: legsSel.slice().sort(function (a, b) { return a - b; })};
    state.wedge = wedgeOf(start, len);
    document.getElementById("len-input").value = len;
    renderCode();
  }

  function renderCode() {
    var sel = {}, w = state.wedge;
    if (state.selection) { state.selection.legs.forEach(function (i) { sel[i] = true; }); }
    legEls.forEach(function (c, i) {
      c.classList.toggle("selected", !!sel[i]);
      c.classList.toggle("complement", !!state.selection && !sel[i]);
    });
    function setOf(a) { var s = {}; (a || []).forEach(function (x) { s[x] = true; }); return s; }
    var g = setOf(w && w.greedy), e = setOf(w && w.exact), cg = setOf(w && w.cexact);
    function cls(name) {
      if (!w || !name) { return null; }
      if (g[name]) { return "wedge-greedy"; }
      if (e[name]) { return "wedge-exact"; }
      if (cg[name]) { return "wedge-complement"; }
      return "wedge-neither";
    }
    var all = ["wedge-greedy", "wedge-exact", "wedge-complement", "wedge-neither"];
    C.bulk.forEach(function (b) {
      var c = bulkEls[b.name], k = cls(b.name);
      all.forEach(function (a) { c.classList.toggle(a, a === k); });
    });
    C.tiles.forEach(function (t, i) {
      var k = cls(t.bulk);
      all.forEach(function (a) { tileEls[i].classList.toggle(a, a === k && a !== "wedge-neither"); });
    });
    renderCodePanel();
  }

  function natural(a, b) {
    var na = Number(String(a).replace(/\D+/g, "")), nb = Number(String(b).replace(/\D+/g, ""));
    return (na - nb) || (a < b ? -1 : a > b ? 1 : 0);
  }
  function listNames(a) {
    return a && a.length ? a.slice().sort(natural).map(esc).join(", ")
      : "<span class='muted'>none</span>";
  }

  function renderCodePanel() {
    var h = "<h2>" + esc(C.name) + "</h2><p class='muted'>[[n, k]] = [[" + C.n + ", " + C.k +
      "]]; " + C.bulk.length + " bulk legs, " + C.legs.length + " boundary legs. Wedges " +
      "precomputed by holonet.verify.complementary_recovery for intervals up to length " +
      C.max_len + " (and their complements).</p>";
    if (!state.selection) {
      h += "<p>Click a boundary leg to select an interval A starting there (its length is " +
        "set above); shift+click another leg to extend A counter-clockwise. The entanglement " +
        "wedge of A is shown: <span class='legend-swatch' style='border-color:var(--wedge)'></span>" +
        "greedy, <span class='legend-swatch' style='border-color:var(--exact)'></span>exact only " +
        "(greedy misses it), <span class='legend-swatch' style='border-color:var(--comp)'></span>" +
        "complement's wedge, hollow: recoverable from neither.</p>";
    } else {
      var s = state.selection, w = state.wedge;
      h += "<h2>A = " + esc(C.legs[s.start].name) + " .. " +
        esc(C.legs[(s.start + s.len - 1) % C.legs.length].name) + " (" + s.len + " legs)</h2>";
      if (!w) {
        h += "<p class='muted'>wedge not precomputed for this interval (raise max_interval).</p>";
      } else {
        var extra = w.exact.filter(function (x) { return w.greedy.indexOf(x) < 0; });
        var both = {}; w.exact.concat(w.cexact).forEach(function (x) { both[x] = true; });
        var neither = C.bulk.map(function (b) { return b.name; })
          .filter(function (x) { return !both[x]; });
        h += "<table><tr><td>greedy wedge of A</td><td>" + listNames(w.greedy) + "</td></tr>" +
          "<tr><td>exact wedge of A</td><td>" + listNames(w.exact) + "</td></tr>" +
          "<tr><td>exact, not greedy</td><td>" + listNames(extra) + "</td></tr>" +
          "<tr><td>greedy wedge of A&#7580;</td><td>" + listNames(w.cgreedy) + "</td></tr>" +
          "<tr><td>exact wedge of A&#7580;</td><td>" + listNames(w.cexact) + "</td></tr>" +
          "<tr><td>neither</td><td>" + listNames(neither) + "</td></tr></table>";
      }
    }
    panel.innerHTML = h;
  }

  /* ---------------------------------------------------------------- view */
  function applyView() {
    viewport.setAttribute("transform", "translate(" + state.tx + "," + state.ty + ") scale(" +
      state.zoom + ")");
  }
  function zoomBy(f, px, py) {
    var z = Math.max(0.25, Math.min(40, state.zoom * f));
    px = px === undefined ? 0 : px; py = py === undefined ? 0 : py;
    var ux = (px - state.tx) / state.zoom, uy = (py - state.ty) / state.zoom;
    state.zoom = z; state.tx = px - z * ux; state.ty = py - z * uy;
    applyView();
  }
  function resetView() { state.zoom = 1; state.tx = 0; state.ty = 0; applyView(); }
  function svgPoint(ev) {
    var pt = svg.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = svgPoint(ev);
    zoomBy(Math.exp(-ev.deltaY * 0.0015), p.x, p.y);
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target !== svg && !ev.target.classList.contains("ring-guide") &&
        !ev.target.classList.contains("tile") && !ev.target.classList.contains("disk-rim")) { return; }
    var p = svgPoint(ev);
    drag = {x: p.x, y: p.y, tx: state.tx, ty: state.ty, moved: false};
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var p = svgPoint(ev);
    var dx = p.x - drag.x, dy = p.y - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 0.005) {
      drag.moved = true; document.getElementById("stage").classList.add("dragging");
    }
    // svgPoint is in viewBox units, which do not move while panning
    state.tx = drag.tx + dx; state.ty = drag.ty + dy; applyView();
  });
  window.addEventListener("pointerup", function () {
    drag = null; document.getElementById("stage").classList.remove("dragging");
  });
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  document.getElementById("zoom-reset").addEventListener("click", resetView);
  window.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT") { return; }
    if (ev.key === "+" || ev.key === "=") { zoomBy(1.25); }
    else if (ev.key === "-") { zoomBy(0.8); }
    else if (ev.key === "0") { resetView(); }
    else if (state.mode === "attention" && ev.key === "Escape") { clear(); }
    else if (state.mode === "attention" && ev.key === "p" && state.focus !== null) { togglePin(state.focus); }
    else if (state.mode === "attention" && (ev.key === "]" || ev.key === "[")) {
      var i = A.layers.indexOf(state.layer) + (ev.key === "]" ? 1 : -1);
      if (i >= 0 && i < A.layers.length) { setLayer(A.layers[i]); }
    } else if (state.mode === "code" && state.selection &&
               (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) {
      selectInterval(state.selection.start + (ev.key === "ArrowRight" ? 1 : -1), state.selection.len);
    }
  });

  function setMode(mode) {
    if ((mode === "attention" && !A) || (mode === "code" && !C)) {
      throw new Error("no " + mode + " data in this explorer");
    }
    state.mode = mode;
    document.getElementById("mode-" + mode).checked = true;
    if (attnGroup) { attnGroup.classList.toggle("hidden", mode !== "attention"); }
    if (codeGroup) { codeGroup.classList.toggle("hidden", mode !== "code"); }
    document.querySelectorAll(".attention-only").forEach(function (e) {
      e.classList.toggle("hidden", mode !== "attention");
    });
    document.querySelectorAll(".code-only").forEach(function (e) {
      e.classList.toggle("hidden", mode !== "code");
    });
    if (mode === "attention") { renderAttention(); } else { renderCode(); }
  }

  if (C) { buildCode(); }
  if (A) { buildAttention(); }
  document.getElementById("mode-group").classList.toggle("hidden", !(A && C));
  ["attention", "code"].forEach(function (m) {
    document.getElementById("mode-" + m).addEventListener("change", function () { setMode(m); });
  });

  window.holonetExplorer = {
    state: state, data: DATA,
    select: select, hover: hover, clear: clear, setLayer: setLayer, setHead: setHead,
    setK: setK, pin: pin, unpin: unpin, togglePin: togglePin, zoomBy: zoomBy,
    resetView: resetView, setMode: setMode, selectInterval: selectInterval, topK: topK
  };
  setMode(state.mode);
  applyView();
  document.body.setAttribute("data-ready", "1");
})();
