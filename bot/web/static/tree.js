// The tree works without this: "Show N aligned objectives" opens the objective's
// page. With it, the branch loads in place, and opening a node loads its branch.
"use strict";
(function () {
  function load(link) {
    if (link.dataset.loading) { return; }
    link.dataset.loading = "1";
    fetch(link.dataset.branch, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var list = holder.querySelector("ul.tree");
        var more = link.closest("p.more");
        if (list && more) { more.replaceWith(list); }
      })
      .catch(function () { window.location.href = link.href; });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-branch]");
    if (!link) { return; }
    event.preventDefault();
    load(link);
  });
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.open || details.tagName !== "DETAILS") { return; }
    var link = details.querySelector(":scope > p.more > a[data-branch]");
    if (link && !details.querySelector(":scope > ul.tree")) { load(link); }
  }, true);
})();
