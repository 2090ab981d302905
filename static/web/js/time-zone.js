/* Progressive enhancement (no inline script: the site's Content-Security-Policy allows only its own files).
   Signup: the browser's time zone fills the hidden field, so times are shown in it from the first page.
   Profile: while the zone is "Automatic", the browser's zone is offered as a one-tap choice.
   Without JavaScript nothing is lost: the language's usual zone applies and the profile lists every zone. */
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
    if (!input.value) {
      input.value = zone;
    }
  });
  document.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
    if (select.value || !select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--secondary";
    button.textContent = (select.getAttribute("data-use-label") || "Use") + " " + zone.replace(/_/g, " ");
    button.addEventListener("click", function () {
      select.value = zone;
      button.remove();
      select.focus();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
