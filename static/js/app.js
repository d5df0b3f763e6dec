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

  document.addEventListener("DOMContentLoaded", function () { guessTimezone(document); });
  document.addEventListener("htmx:load", function (event) { guessTimezone(event.target); });
})();
