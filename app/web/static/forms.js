// Forms on a phone: the error summary at the top takes the focus when the page opens, and a
// link in it opens the folded section holding its field before moving there.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    event.preventDefault();
    target.scrollIntoView({block: "center"});
    target.focus();
  });
}());
