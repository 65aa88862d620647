// Progressive enhancements only: every page works without this script.
(function () {
  "use strict";

  // Resume and invite links carry their token after #, which the browser never sends to the server. Take it out
  // of the address bar and of this page's history entry at once, then post it with the page's form (a POST body
  // is in no access log). Without JavaScript the form asks for the link to be pasted.
  var linkForm = document.querySelector("form[data-fragment-token]");
  if (linkForm && location.hash.length > 1) {
    var token = location.hash.slice(1);
    history.replaceState(null, "", location.pathname + location.search);
    var field = linkForm.elements[linkForm.dataset.fragmentToken];
    try {
      field.value = decodeURIComponent(token);
    } catch (error) {
      field.value = token;
    }
    linkForm.submit();
    return;
  }

  // Move focus to the error summary, so that keyboard and screen-reader users start from the problems.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
    // A link of the summary focuses its field but scrolls its question into view: on a phone, scrolling to the
    // field itself would leave the question and its error message above the screen.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) {
        return;
      }
      var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      var question = (field || target).closest("fieldset, .form-group") || target;
      event.preventDefault();
      question.scrollIntoView();
      (field || target).focus({ preventScroll: true });
    });
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
