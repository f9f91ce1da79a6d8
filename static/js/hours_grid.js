/* Monthly hours grid (clauses/hours_grid.html): Enter moves to the same column of the next row (Shift+Enter: the
 * previous row) instead of submitting the form; without JavaScript the form works as a plain form. On a failed save,
 * the error summary takes the focus so that screen readers announce it. */
(function () {
  "use strict";

  var form = document.getElementById("hours-grid-form");
  var summary = document.getElementById("grid-errors");
  if (summary) {
    summary.focus();
  }
  if (!form) {
    return;
  }

  function cellsOf(column) {
    return Array.prototype.slice.call(form.querySelectorAll('input[data-grid-col="' + column + '"]'));
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("input[data-grid-col]")) {
      return;
    }
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    var cells = cellsOf(input.getAttribute("data-grid-col"));
    var index = cells.indexOf(input) + (event.shiftKey ? -1 : 1);
    var target = cells[index];
    if (!target && !event.shiftKey) {
      target = document.getElementById("save-hours");
    }
    if (target) {
      target.focus();
      if (target.select) {
        target.select();
      }
    }
  });
})();
