// Back office: Django's autocomplete pickers (select2) draw a combobox whose name comes only from the
// chosen value, so an empty picker has no name for a screen reader. Name each one after its field's
// label (or the aria-label the inline cells carry), also for pickers of inline rows added later.
(function () {
  function name(selection) {
    if (selection.dataset.regijaNamed) return;
    var container = selection.closest(".select2-container");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    // the chosen value's box (role textbox) is named too
    var rendered = selection.querySelector(".select2-selection__rendered");
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      var own = selection.getAttribute("aria-labelledby");
      selection.setAttribute("aria-labelledby", label.id + (own ? " " + own : ""));
      if (rendered) rendered.setAttribute("aria-labelledby", label.id);
    } else if (select.getAttribute("aria-label")) {
      selection.setAttribute("aria-label", select.getAttribute("aria-label"));
      if (rendered) rendered.setAttribute("aria-label", select.getAttribute("aria-label"));
    }
    selection.dataset.regijaNamed = "1";
  }
  function all(root) {
    root.querySelectorAll(".select2-selection[role=combobox]").forEach(name);
  }
  new MutationObserver(function () { all(document); }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
})();
