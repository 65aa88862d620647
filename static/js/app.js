// Progressive enhancements only: every page works without this script.
(function () {
  "use strict";

  // Move focus to the error summary, so that keyboard and screen-reader users start from the problems.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }

  // Copy buttons for the resume link; without JavaScript the link stays selectable in its field.
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field || !navigator.clipboard) {
      return;
    }
    var status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        // A live region, so that screen readers announce the copy as well as showing it.
        status.textContent = button.dataset.copiedText;
        setTimeout(function () { status.textContent = ""; }, 5000);
      }, function () {
        field.select();
      });
    });
  });
})();
