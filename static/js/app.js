// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Registration and settings: preselect the browser's time zone when the form still shows
  // the default.
  function guessTimezone(root) {
    var select = root.querySelector("select[name=timezone][data-guess]");
    if (!select || select.dataset.guessed) return;
    select.dataset.guessed = "1";
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.value === "UTC" && select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
      }
    } catch (e) { /* old browser: keep the default */ }
  }

  // htmx 2 swaps only 2xx answers. Our 422 (invalid input), 413 (too large), 429 (too many
  // attempts) and 400 (an expired form) answers are pages or partials that explain the
  // problem, so they are swapped in like any other.
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(422|413|429|400)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  // A form marked data-resubmit-on-error is sent again without htmx when its request fails,
  // so the full page explaining the failure is shown.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-resubmit-on-error]");
    if (form) { form.submit(); }
  });

  // A box that scrolls sideways and is marked data-scroll-end (the stats calendar) starts at
  // its end: the latest days.
  function scrollToEnd(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll("[data-scroll-end]") : [];
    for (var i = 0; i < boxes.length; i++) { boxes[i].scrollLeft = boxes[i].scrollWidth; }
  }

  // The phone menu (a <details>) closes with Escape, giving the focus back to its button, and
  // when a click or the focus lands outside it.
  function openMenu() { return document.querySelector("details.nav-menu[open]"); }
  document.addEventListener("keydown", function (event) {
    var menu = openMenu();
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  function closeIfOutside(event) {
    var menu = openMenu();
    if (menu && !menu.contains(event.target)) { menu.open = false; }
  }
  document.addEventListener("click", closeIfOutside);
  document.addEventListener("focusin", closeIfOutside);

  function enhance(root) { guessTimezone(root); scrollToEnd(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
