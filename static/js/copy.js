/* Copy buttons (data-copy="<id of the field>"): shown only where this script runs; without
   JavaScript the read-only field can be selected and copied by hand. The result is announced
   in the [data-copy-status] element next to the button. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  function announce(button, text) {
    var status = button.closest(".copy-field").querySelector("[data-copy-status]");
    if (status) {
      status.textContent = text;
    }
  }
  function fallback(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }
  for (var i = 0; i < buttons.length; i++) {
    var button = buttons[i];
    button.hidden = false;
    button.addEventListener("click", function (event) {
      var own = event.currentTarget;
      var field = document.getElementById(own.getAttribute("data-copy"));
      var done = function () { announce(own, own.getAttribute("data-copied")); };
      var failed = function () {
        if (fallback(field)) { done(); } else { announce(own, own.getAttribute("data-copy-failed")); }
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  }
})();
