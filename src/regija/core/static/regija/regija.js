// Regija's page script (an ES module, so it runs after the page is parsed). Everything here only
// improves a page that works without it. GOV.UK Frontend is imported from the address the page gives
// (data-govuk-frontend on this script's tag: the collected file's hashed name).
const own = document.querySelector("script[data-govuk-frontend]");
if (own) {
  import(own.dataset.govukFrontend).then(({ initAll }) => {
    document.body.classList.add("govuk-frontend-supported");
    initAll();
  });
}

// Wide tables scroll inside their own box (long lists too, .regija-scroll-y): make that box reachable
// and named for keyboard users.
for (const box of document.querySelectorAll(".table-wrap, .regija-scroll, .regija-scroll-y, .chart")) {
  if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1) {
    box.tabIndex = 0;
    if (!box.hasAttribute("role")) box.setAttribute("role", "region");
    const caption = box.querySelector("caption");
    const name = box.dataset.label || (caption && caption.textContent.trim());
    if (name) box.setAttribute("aria-label", name);
  }
}

// Filter forms fold behind a button on a phone (CSS shows the button only on narrow screens).
for (const form of document.querySelectorAll("form.filters[data-fold]")) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary regija-filters-toggle";
  button.textContent = form.dataset.fold;
  button.setAttribute("aria-controls", form.id);
  const open = form.querySelector(".govuk-error-message, .errorlist") !== null;
  button.setAttribute("aria-expanded", String(open));
  if (!open) form.classList.add("regija-folded");
  button.addEventListener("click", () => {
    const folded = form.classList.toggle("regija-folded");
    button.setAttribute("aria-expanded", String(!folded));
  });
  form.before(button);
}

// "Add another" for form sets: the server renders spare empty rows; they stay hidden until asked for.
for (const group of document.querySelectorAll("[data-add-another]")) {
  const rows = Array.from(group.querySelectorAll("[data-spare]"));
  if (!rows.length) continue;
  rows.forEach((row) => { row.hidden = true; });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary";
  button.textContent = group.dataset.addAnother;
  button.addEventListener("click", () => {
    const next = rows.shift();
    if (!next) return;
    next.hidden = false;
    const field = next.querySelector("input, select, textarea");
    if (field) field.focus();
    if (!rows.length) button.remove();
  });
  group.append(button);
}
