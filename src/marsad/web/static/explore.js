// marsad explorer: when a choice changes, fetch the new chart and table (an HTML
// fragment from this server), swap them in, and keep the whole view in the URL.
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

  function update() {
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
        history.replaceState(null, "", "/" + lang + "/explore" + (q ? "?" + q : ""));
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
    update();
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
})();
