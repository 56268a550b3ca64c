// Pipeline CRM behaviour: small progressive enhancements, no inline script (CSP).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // The number of filters that hold a value, shown on the "Filters" button of a folded filter bar.
  function updateFilterCount(form) {
    var count = form.querySelector(".filter-count");
    if (!count) return;
    var active = 0;
    form.querySelectorAll(".filter-fields select, .filter-fields input").forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) active += 1;
      } else if (field.value) {
        active += 1;
      }
    });
    count.textContent = active ? String(active) : "";
  }

  function setupFilters(form) {
    var toggle = form.querySelector(".filter-toggle");
    if (!toggle) return;
    updateFilterCount(form);
    // Fields with an error stay in view.
    if (form.querySelector(".filter-fields .has-error")) {
      form.classList.add("is-expanded");
      toggle.setAttribute("aria-expanded", "true");
    }
    toggle.addEventListener("click", function () {
      var expanded = form.classList.toggle("is-expanded");
      toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
    });
    form.addEventListener("change", function () { updateFilterCount(form); });
  }

  onReady(function () {
    document.documentElement.classList.add("js");

    // Forms marked js-autosubmit submit when a select changes (the language switcher).
    document.querySelectorAll("form.js-autosubmit select").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
      });
    });

    document.querySelectorAll("form.filters").forEach(setupFilters);

    // On a narrow screen the navigation scrolls sideways: bring the current section into view.
    var nav = document.querySelector(".mainnav");
    var current = nav && nav.querySelector("[aria-current=page]");
    if (current && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
    }
  });

  // Confirm buttons carrying data-confirm before their form submits.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Drop-down menus (<details class="dropdown">) close on a click elsewhere and on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();
