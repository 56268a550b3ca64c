// The board's drag and drop: dropping a card on a column posts the move with htmx.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-card][draggable=true]");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.card);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-stage]");
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-stage]");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-stage]");
    if (!column || !dragged) return;
    event.preventDefault();
    var board = document.getElementById("board");
    var card = dragged;
    if (card.closest("[data-drop-stage]") === column) return;
    htmx.ajax("POST", card.dataset.moveUrl, {
      source: card,
      target: "#board",
      swap: "outerHTML",
      values: { stage: column.dataset.dropStage, version: card.dataset.version, query: board.dataset.query },
      headers: { "X-CSRFToken": board.dataset.csrf }
    });
  });

  // After a move (dragged or from the card's form) the board is drawn again: a refusal, or
  // the word that the card went further down its column, is brought into view and read out;
  // otherwise the moved card keeps the focus.
  var moved = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = event.detail.elt.closest && event.detail.elt.closest("[data-card]");
    moved = card ? card.dataset.card : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var board = document.getElementById("board");
    if (!board || moved === null) return;
    var said = board.querySelector("[role=alert], [role=status]");
    var card = board.querySelector('[data-card="' + moved + '"]');
    moved = null;
    if (said) {
      said.setAttribute("tabindex", "-1");
      said.scrollIntoView({ block: "center" });
      said.focus({ preventScroll: true });
    } else if (card) {
      (card.querySelector("a, select, button") || card).focus();
    }
  });
})();
