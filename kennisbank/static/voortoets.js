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
      .then(function (html) { panel.innerHTML = html; })
      .catch(function () { /* keep the previous suggestions; the button still works */ })
      .then(function () { panel.removeAttribute("aria-busy"); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
}());
