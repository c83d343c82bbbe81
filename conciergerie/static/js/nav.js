// The header's menu is a <details>: it opens and closes without JavaScript, and browsers expose
// its <summary> as a button with its state. This adds what people expect of a menu button:
// aria-expanded kept on the button for every assistive technology, Escape closes the menu (the
// focus goes back to the button), and a click or the focus moving outside closes it.
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.nav-menu"));

  function closeOutside(target) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(target)) menu.open = false;
    });
  }

  menus.forEach(function (menu) {
    var button = menu.querySelector("summary");
    var sync = function () { button.setAttribute("aria-expanded", String(menu.open)); };
    sync();
    menu.addEventListener("toggle", sync);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (!menu.open) return;
      var inside = menu.contains(document.activeElement);
      menu.open = false;
      if (inside) menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) { closeOutside(event.target); });
  document.addEventListener("focusin", function (event) { closeOutside(event.target); });
})();
