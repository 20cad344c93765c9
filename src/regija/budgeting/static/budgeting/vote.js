// The ballot's running total (knapsack rule): the sum of the chosen proposals' costs beside the
// area's budget, updated as boxes are ticked; a ballot over the budget is not sent – the total says
// why and takes the focus. Voting works without it: the server checks the total and refuses the same.
(function () {
  "use strict";
  var box = document.getElementById("proposals");
  var out = document.getElementById("running-total");
  if (!box || !out) return;
  var budget = parseFloat(box.getAttribute("data-budget"));
  var lang = out.getAttribute("data-lang") === "en" ? "en-GB" : "sl-SI";
  var eur = function (n) {
    return n.toLocaleString(lang, { style: "currency", currency: "EUR" });
  };
  var over = false;
  var update = function () {
    var total = 0;
    box.querySelectorAll("input[type=checkbox]").forEach(function (c) {
      if (c.checked) total += parseFloat(c.getAttribute("data-cost"));
    });
    over = total > budget + 1e-9;
    var text = out.getAttribute(over ? "data-over" : "data-template");
    out.textContent = text.replace("{total}", eur(total)).replace("{budget}", eur(budget));
    out.classList.toggle("govuk-error-message", over);
    out.hidden = false;
  };
  box.addEventListener("change", update);
  var form = box.closest("form");
  if (form) {
    out.setAttribute("tabindex", "-1");
    form.addEventListener("submit", function (event) {
      update();
      if (over) {
        event.preventDefault();
        out.focus();
      }
    });
  }
  update();
})();
