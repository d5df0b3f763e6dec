// Keyboard for the review page: Space/Enter reveal, number keys grade, U undoes.
// Every action is also a visible button or link that works without this file.
(function () {
  "use strict";

  function review() { return document.getElementById("review"); }

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
    if (grade && !grade.disabled) { event.preventDefault(); grade.click(); }
  });

  // After each swap keep the keyboard on the card, and don't let focus fall to <body>.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = review();
    if (root && (event.target === root || event.target.id === "review" || !document.body.contains(event.target))) {
      root.focus({ preventScroll: true });
    }
  });
})();
