/* Staff sessions end after an idle time (the server enforces it: see portal/auth/signin.py).
   This only warns before it happens: a countdown in the page's warning box, a button that
   tells the server the person is still there, and a reload when the time is up (the server
   then shows the log-in page). Without JavaScript the session still ends on time. */
(function () {
  "use strict";
  var body = document.body;
  var total = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var ping = body.getAttribute("data-idle-ping");
  var box = document.querySelector("[data-idle-warning]");
  if (!total || !ping || !box) { return; }
  var countdown = box.querySelector("[data-idle-countdown]");
  var stay = box.querySelector("[data-idle-stay]");
  var warnAt = Math.min(120, Math.floor(total / 2));
  var GRACE = 3;
  var deadline = Date.now() + total * 1000;

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= -GRACE) {
      // A few seconds past the time: the server has surely ended the session by now (a
      // reload a moment too early would count as activity and start the time again).
      window.location.assign(window.location.href);
      return;
    }
    left = Math.max(left, 0);
    box.hidden = left > warnAt;
    if (!box.hidden && countdown) { countdown.textContent = format(left); }
  }

  function stillHere() {
    fetch(ping, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
      if (response.status === 204) {
        deadline = Date.now() + total * 1000;
        tick();
      } else {
        window.location.assign(window.location.href);
      }
    });
  }

  if (stay) { stay.addEventListener("click", stillHere); }
  window.setInterval(tick, 1000);
  tick();
})();
