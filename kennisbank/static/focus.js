// After a page load that follows a submit, put keyboard and screen-reader focus where the answer is:
// the error summary of a refused form, else the item the address points to (a verdict just given:
// #suggestie-12), else the message that confirms what happened. Without JavaScript the page still
// announces itself (role="alert" and role="status"), only focus stays at the top.
(function () {
  var hash = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
  var target = document.querySelector(".error-summary") ||
    (hash && document.getElementById(hash)) ||
    document.querySelector(".flashes");
  if (!target) {
    return;
  }
  if (!target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
})();
