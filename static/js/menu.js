/* The main menu (<details data-menu> in base.html) is folded behind a button on phones and
   open on wide screens. Without JavaScript the style sheet shows it open on wide screens
   (::details-content); this script keeps the open state in step with the width, so that
   assistive technology hears "expanded" where the menu is visible. */
(function () {
  "use strict";
  var menu = document.querySelector("details[data-menu]");
  if (!menu || !window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 60rem)");
  function follow() {
    menu.open = wide.matches;
  }
  follow();
  if (wide.addEventListener) {
    wide.addEventListener("change", follow);
  }
})();
