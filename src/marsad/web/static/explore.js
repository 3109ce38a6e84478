// marsad explorer: when a choice changes, fetch the new chart and table (an HTML
// fragment from this server), swap them in, and keep the whole view in the URL. Each
// change is a history entry: Back shows the previous view again (form, chart, table).
(function () {
  "use strict";
  var form = document.getElementById("explore");
  if (!form || !window.fetch) { return; }
  var lang = form.getAttribute("data-lang");

  // The segments keep the order of the view shown (its columns), new ones at the end, so
  // that the URL, the form and the table always agree.
  function ordered(segments) {
    var view = document.getElementById("view");
    var shown = new URLSearchParams((view && view.getAttribute("data-query")) || "");
    var before = (shown.get("segment") || "").split(",").filter(function (s) { return segments.indexOf(s) >= 0; });
    return before.concat(segments.filter(function (s) { return before.indexOf(s) < 0; }));
  }

  function query() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    var segments = ordered(data.getAll("segment"));
    ["indicator", "flow"].forEach(function (k) { if (data.get(k)) { params.set(k, data.get(k)); } });
    if (segments.length) { params.set("segment", segments.join(",")); }
    ["service", "partner", "freq", "start", "end", "release"].forEach(function (k) {
      if (data.get(k)) { params.set(k, data.get(k)); }
    });
    return params.toString();
  }

  function relink(q) {
    document.querySelectorAll("a.lang-link").forEach(function (a) {
      a.setAttribute("href", "/" + a.getAttribute("data-lang") + "/explore" + (q ? "?" + q : ""));
    });
  }

  // Sets the form to the view of query string ``q`` (what Back returns to).
  function fill(q) {
    var params = new URLSearchParams(q);
    var segments = (params.get("segment") || "").split(",");
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name === "segment") { el.checked = segments.indexOf(el.value) >= 0; }
      else if (el.tagName === "SELECT") { el.value = params.get(el.name) || ""; }
    });
  }

  // Only the latest request's answer is shown: a quicker second change aborts the first
  // request, and an answer that is no longer the latest is dropped (its view, URL and
  // history entry never appear). The view is looked up when the answer arrives, since
  // another answer may have replaced it meanwhile.
  var latest = 0, pending = null;

  function settle(seq) {
    if (seq !== latest) { return; }
    var view = document.getElementById("view");
    if (view) { view.classList.remove("loading"); }
  }

  // Shows the view of query string ``q`` (by default the form's); ``push`` makes it a
  // new history entry.
  function update(push, q) {
    var seq = ++latest;
    q = q === undefined ? query() : q;
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    document.getElementById("view").classList.add("loading");
    return fetch("/" + lang + "/explore/view?" + q,
                 { headers: { "Accept": "text/html" }, signal: pending && pending.signal })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (answer) {
        if (seq !== latest) { return; }
        if (!answer.ok) { settle(seq); return; }
        var box = document.createElement("div");
        box.innerHTML = answer.text;
        var fresh = box.querySelector("#view") || box.firstElementChild;
        document.getElementById("view").replaceWith(fresh);
        var url = "/" + lang + "/explore" + (q ? "?" + q : "");
        if (push) { history.pushState({ q: q }, "", url); } else { history.replaceState({ q: q }, "", url); }
        relink(q);
        document.dispatchEvent(new CustomEvent("marsad:view", { detail: q }));
      })
      .catch(function () { settle(seq); });
  }

  // The period and release lists depend on the frequency and the release: changing
  // those reloads the whole page (at the same URL the form would give).
  form.addEventListener("change", function (e) {
    var name = e.target && e.target.name;
    if (name === "freq" || name === "release") {
      location.assign("/" + lang + "/explore?" + query());
      return;
    }
    update(true);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(true); });
  // Back and Forward: the URL already holds the view; show it (a page with other period
  // lists, another frequency or release, is loaded whole).
  window.addEventListener("popstate", function () {
    var q = location.search.replace(/^\?/, "");
    var params = new URLSearchParams(q);
    var freq = form.elements.freq, release = form.elements.release;
    if ((params.get("freq") || freq.value) !== freq.value ||
        (params.get("release") || "") !== release.value) {
      location.reload();
      return;
    }
    fill(q);
    update(false, q);
  });
  // A page restored by Back (the browser's page cache or its remembered form) shows the
  // form of its URL, and the first entry holds the page's canonical view (the server's:
  // a start or end of another frequency already put in this one), equal to the form.
  window.addEventListener("pageshow", function () {
    fill(location.search.replace(/^\?/, ""));
  });
  var view = document.getElementById("view");
  var canonical = (view && view.getAttribute("data-query")) || query();
  fill(canonical);
  history.replaceState({ q: canonical }, "", "/" + lang + "/explore?" + canonical);
  relink(canonical);
})();
