/* Need form: show only the fieldset of the chosen schedule kind (one-off or weekly).
   Progressive enhancement: without JavaScript both fieldsets stay visible and the
   server ignores the fields of the kind that was not chosen. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-schedule-form]");
  if (!form) { return; }
  var radios = form.querySelectorAll('input[type="radio"][name="schedule_kind"]');
  var sets = form.querySelectorAll("fieldset[data-schedule-kind]");
  if (!radios.length || !sets.length) { return; }

  function chosen() {
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].checked) { return radios[i].value; }
    }
    return null;
  }

  function update() {
    var kind = chosen();
    for (var i = 0; i < sets.length; i++) {
      // Nothing chosen: keep everything visible rather than hiding both.
      sets[i].hidden = kind !== null && sets[i].getAttribute("data-schedule-kind") !== kind;
    }
  }

  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener("change", update);
  }
  update();
})();
