/* "Zurück" links (data-history-back) go back in the browser's history; without JavaScript
   they lead to their href (the start page). A script file, not an inline handler: the
   Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-history-back]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  }
})();
