// The voortoets panel: while a lead types a new project, show similar earlier work beside the form.
// Debounced, so typing stays fluent; the server renders the panel (escaped HTML), so this file only
// fetches and swaps it in. Without JavaScript the "Zoek vergelijkbaar werk" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar-url]");
  var panel = document.getElementById("vergelijkbaar-werk");
  if (!form || !panel || !window.fetch) { return; }
  var url = form.getAttribute("data-similar-url");
  var fields = { titel: "title", vraag: "question", doel: "goal", aanpak: "approach", gemeente: "municipality" };
  var timer = null;
  var inflight = null;
  var last = "";

  function params() {
    var query = new URLSearchParams();
    Object.keys(fields).forEach(function (name) {
      var input = form.elements[fields[name]];
      if (input && input.value) { query.append(name, input.value); }
    });
    form.querySelectorAll("input[name=themes]:checked").forEach(function (box) { query.append("themas", box.value); });
    var project = form.getAttribute("data-project");
    if (project) { query.append("project", project); }
    return query.toString();
  }

  function refresh() {
    var query = params();
    if (query === last) { return; }
    last = query;
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    panel.setAttribute("aria-busy", "true");
    fetch(url + "?" + query, { credentials: "same-origin", signal: inflight.signal,
                               headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { panel.innerHTML = html; updateBar(); })
      .catch(function () { /* keep the previous suggestions; the button still works */ })
      .then(function () { panel.removeAttribute("aria-busy"); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  // On a narrow screen the panel sits below the question; typing further down, it scrolls out of sight.
  // Then a bar at the bottom says how many suggestions there are and leads back to them.
  var bar = document.querySelector(".similar-bar");
  var narrow = window.matchMedia("(max-width: 60rem)");
  var pending = false;

  function suggestionsInSight(items) {
    for (var i = 0; i < items.length; i++) {
      var box = items[i].getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight) { return true; }
    }
    return false;
  }

  function updateBar() {
    pending = false;
    if (!bar) { return; }
    var items = panel.querySelectorAll("ol.suggestions li");
    bar.hidden = !(narrow.matches && items.length > 0 && !suggestionsInSight(items));
    bar.textContent = items.length + (items.length === 1 ? " vergelijkbaar resultaat" : " vergelijkbare resultaten") +
      ": bekijk wat er al eerder is gedaan";
  }

  function soon() {
    if (!pending) { pending = true; window.requestAnimationFrame(updateBar); }
  }

  if (bar) {
    window.addEventListener("scroll", soon, { passive: true });
    window.addEventListener("resize", soon);
    form.addEventListener("focusin", soon);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
}());
