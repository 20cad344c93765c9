// The back office's autocompletes (Django's select2 boxes) are named by the text of their choice, which is
// empty until something is picked: a screen reader then announces a nameless combobox (axe-core's
// aria-input-field-name). Each box – and the text inside it – is named by its field's label as well; in a
// tabular inline, which has no labels, by its column's heading.
"use strict";
(function () {
  var headings = 0;

  function heading(select) {
    var cell = select.closest("td");
    var table = cell && cell.closest("table");
    if (!table) return null;
    var th = table.querySelectorAll("thead th")[Array.prototype.indexOf.call(cell.parentElement.children, cell)];
    if (th && !th.id) th.id = "regija-heading-" + ++headings;
    return th || null;
  }

  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var next = select.nextElementSibling;
      if (!next || !next.classList.contains("select2")) return;
      var label = (select.id && document.querySelector('label[for="' + select.id + '"]')) || heading(select);
      if (!label) return;
      if (!label.id) label.id = select.id + "-label";
      next.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (el) {
        var named = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
        if (named.indexOf(label.id) === -1) el.setAttribute("aria-labelledby", [label.id].concat(named).join(" "));
      });
    });
  }
  // Whenever select2 draws a box – Django's autocomplete.js does it on jQuery's ready, which jQuery runs in
  // a task of its own that may come after the page's load event, and again for each inline row added –
  // the box is named at once (a MutationObserver's callback runs before any later task, such as a screen
  // reader's or axe-core's look at the page).
  function drawn(changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1 && node.classList.contains("select2") && node.parentElement) name(node.parentElement);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    name(document);
    new MutationObserver(drawn).observe(document.body, { childList: true, subtree: true });
  });
})();
