// The review page: reveal the answer in place, and the keyboard (Space/Enter reveal, number
// keys grade, U undoes). Every action is also a visible button or link that works without this
// file: the card arrives with its answer and grades hidden, and without this file "Show answer"
// asks the server for the page with them shown.
(function () {
  "use strict";

  function review() { return document.getElementById("review"); }

  function reveal(root) {
    root.querySelectorAll("[data-answer]").forEach(function (part) { part.hidden = false; });
    var question = root.querySelector("[data-question]");
    if (question) question.remove();
    // Keep the keyboard on the card (not on a grade button, which Space would press).
    root.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#review [data-action=reveal]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    reveal(review());
  });

  document.addEventListener("keydown", function (event) {
    var root = review();
    if (!root || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;

    if (event.key === " " || event.key === "Enter") {
      var reveal = root.querySelector("[data-action=reveal]");
      if (reveal) { event.preventDefault(); reveal.click(); }
      return;  // with the answer shown, Space/Enter keep their native meaning on a focused button
    }
    if (event.key === "u" || event.key === "U") {
      var undo = root.querySelector("[data-action=undo] button");
      if (undo) { event.preventDefault(); undo.click(); }
      return;
    }
    var grade = root.querySelector('button[data-key="' + event.key + '"]');
    // Grades only once the answer is shown: the buttons are there, hidden, before that.
    if (grade && !grade.disabled && !grade.closest("[hidden]")) { event.preventDefault(); grade.click(); }
  });

  // After each swap keep the keyboard on the card, and don't let focus fall to <body>.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = review();
    if (root && (event.target === root || event.target.id === "review" || !document.body.contains(event.target))) {
      root.focus({ preventScroll: true });
    }
  });
})();
