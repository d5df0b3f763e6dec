// Keyboard for quizzes: 1–4 choose an answer, Enter goes to the next question.
// Every action is also a visible button or link that works without this file.
(function () {
  "use strict";

  function quiz() { return document.getElementById("quiz"); }

  document.addEventListener("keydown", function (event) {
    var root = quiz();
    if (!root || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "Enter") {
      var next = root.querySelector("[data-action=next]");
      if (next) { event.preventDefault(); next.click(); }
      return;
    }
    var option = root.querySelector('button[data-key="' + event.key + '"]');
    if (option && !option.disabled) { event.preventDefault(); option.click(); }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var root = quiz();
    if (!root) return;
    var typed = root.querySelector("input[name=typed]:not([disabled])");
    if (typed) { typed.focus(); } else { root.focus({ preventScroll: true }); }
  });
})();
