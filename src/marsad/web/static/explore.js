// marsad explorer: when a choice changes, fetch the new chart and table (an HTML
// fragment from this server), swap them in, and keep the whole view in the URL. Each
// change is a history entry: Back shows the previous view again (form, chart, table).
(function () {
  "use strict";
  var form = document.getElementById("explore");
  if (!form || !window.fetch) { return; }
  var lang = form.getAttribute("data-lang");

  function query() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    var segments = data.getAll("segment");
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

  function update(push) {
    var q = query();
    var view = document.getElementById("view");
    view.classList.add("loading");
    return fetch("/" + lang + "/explore/view?" + q, { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (answer) {
        if (!answer.ok) { view.classList.remove("loading"); return; }
        var box = document.createElement("div");
        box.innerHTML = answer.text;
        var fresh = box.querySelector("#view") || box.firstElementChild;
        view.replaceWith(fresh);
        var url = "/" + lang + "/explore" + (q ? "?" + q : "");
        if (push) { history.pushState({ q: q }, "", url); } else { history.replaceState({ q: q }, "", url); }
        relink(q);
        document.dispatchEvent(new CustomEvent("marsad:view", { detail: q }));
      })
      .catch(function () { view.classList.remove("loading"); });
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
    update(false);
  });
  // The first entry holds its whole view too (a bare /explore gets the form's query), so
  // that Back to it restores every choice.
  history.replaceState({ q: query() }, "",
    location.search ? location.href : "/" + lang + "/explore?" + query());
})();
