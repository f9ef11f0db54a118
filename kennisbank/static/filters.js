// On a narrow screen the facets wait behind one "Filteren" line (closed) so the results come first; on a wide
// screen they stand open beside the results. Without JavaScript they are simply open.
(function () {
  var toggle = document.querySelector(".filter-toggle");
  if (toggle && window.matchMedia("(max-width: 48rem)").matches && !document.querySelector(".facets a.active")) {
    toggle.open = false;
  }
})();
