/* Rounds: a tap must never be lost to a bad connection.
 *
 * Each tap is kept in localStorage until the server has answered; it is sent again every few
 * seconds and whenever the phone comes back online (or the page is opened again). The server
 * treats a repeated tap as done, so a retry never counts twice. Without JavaScript the forms
 * post normally.
 */
(function () {
  "use strict";
  var KEY = "evg-pending-taps";
  var status = document.getElementById("tap-status");

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(taps) {
    try { localStorage.setItem(KEY, JSON.stringify(taps)); } catch (e) { /* private mode */ }
  }
  function say(text) { if (status) { status.textContent = text; } }
  function words(name) { return status ? status.getAttribute(name) || "" : ""; }

  function markDone(url) {
    var form = document.querySelector('form.tap-form[action="' + url + '"]');
    if (!form) { return; }
    var done = document.createElement("p");
    done.className = "done";
    done.textContent = form.getAttribute("data-done-label");
    form.parentNode.classList.add("is-done");
    form.replaceWith(done);
  }

  // The page's own CSRF token is the freshest: a tap kept from an older page uses it.
  function currentToken() {
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : null;
  }

  function send(tap) {
    var fields = Object.assign({}, tap.fields);
    var token = currentToken();
    if (token) { fields.csrf_token = token; }
    return fetch(tap.url, {
      method: "POST",
      body: new URLSearchParams(fields),
      credentials: "same-origin",
      redirect: "manual",  // a redirect is the sign-in page: not a success
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, type: response.type, data: data };
      });
    });
  }

  // What to do with an answer: "done" (recorded), "drop" (refused for good: the reason is
  // shown) or "keep" (try again later: no network, server busy, signed out, stale page).
  function verdict(answer) {
    if (answer.status === 200 && answer.data.done === true) { return "done"; }
    if ([403, 404, 409].indexOf(answer.status) !== -1) { return "drop"; }
    return "keep";
  }

  var flushing = false;
  function flush() {
    if (flushing) { return; }
    var taps = load();
    if (!taps.length) { return; }
    flushing = true;
    var tap = taps[0];
    send(tap).then(function (answer) {
      var what = verdict(answer);
      flushing = false;
      if (what === "keep") {
        say(words(answer.type === "opaqueredirect" || answer.status === 400
          ? "data-stale" : "data-offline"));
        return;  // the interval tries again
      }
      save(load().filter(function (t) { return t.url !== tap.url; }));
      if (what === "done") { markDone(tap.url); }
      say(answer.data.message || "");
      flush();
    }, function () {
      flushing = false;
      say(words("data-offline"));
    });
  }

  if (status) {
    var english = document.documentElement.lang === "en";
    status.setAttribute("data-offline", english
      ? "No network: your taps are kept and will be sent as soon as possible."
      : "Pas de réseau : vos gestes sont gardés et seront envoyés dès que possible.");
    status.setAttribute("data-stale", english
      ? "Your taps are kept: sign in again or reload the page to send them."
      : "Vos gestes sont gardés : reconnectez-vous ou rechargez la page pour les envoyer.");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("tap-form")) { return; }
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    var url = form.getAttribute("action");
    var taps = load().filter(function (t) { return t.url !== url; });
    taps.push({ url: url, fields: fields });
    save(taps);
    var button = form.querySelector("button");
    if (button) { button.setAttribute("aria-busy", "true"); }
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();
})();
