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

    // A deal form's probability follows the chosen stage until the user types one of their
    // own, as the save will have it; the hidden offered value moves along, so the save does
    // not take the stage's default for a probability set by hand.
    document.querySelectorAll("input[data-follows-stage]").forEach(function (probability) {
      var form = probability.form;
      if (!form) return;
      var stage = form.querySelector("select[name=stage]");
      var offered = form.querySelector("input[name=offered_probability]");
      if (!stage || !offered) return;
      stage.addEventListener("change", function () {
        var option = stage.options[stage.selectedIndex];
        var fallback = option && option.dataset.probability;
        if (fallback === undefined || probability.value !== offered.value) return;
        probability.value = offered.value = fallback;
      });
    });

    // A bulk bar shows the choice its action needs: the new stage or the new owner.
    document.querySelectorAll("form.bulk-bar").forEach(function (form) {
      var action = form.querySelector("select[name=action]");
      if (!action) return;
      var sync = function () {
        form.querySelectorAll("[data-bulk]").forEach(function (field) {
          field.hidden = field.dataset.bulk !== action.value;
        });
      };
      action.addEventListener("change", sync);
      sync();
    });

    // On a narrow screen the navigation scrolls sideways: bring the current section into view.
    var nav = document.querySelector(".mainnav");
    var current = nav && nav.querySelector("[aria-current=page]");
    if (current && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
    }
  });

  // A list's "select all" box ticks every row of the page for the bulk action, and shows
  // whether all, some or none of them are ticked.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var table = box.closest && box.closest("table");
    if (!table || box.type !== "checkbox") return;
    var rows = table.querySelectorAll('input[type=checkbox][name="selected"]:enabled');
    var all = table.querySelector("input.js-select-all");
    if (box === all) {
      rows.forEach(function (row) { row.checked = all.checked; });
    } else if (all && box.name === "selected") {
      var ticked = table.querySelectorAll('input[type=checkbox][name="selected"]:checked:enabled').length;
      all.checked = ticked > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
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
