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

  function markDone(url) {
    var form = document.querySelector('form.tap-form[action="' + url + '"]');
    if (!form) { return; }
    var done = document.createElement("p");
    done.className = "done";
    done.textContent = form.getAttribute("data-done-label");
    form.parentNode.classList.add("is-done");
    form.replaceWith(done);
  }

  function send(tap) {
    var body = new URLSearchParams(tap.fields);
    return fetch(tap.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  var flushing = false;
  function flush() {
    if (flushing) { return; }
    var taps = load();
    if (!taps.length) { return; }
    flushing = true;
    var tap = taps[0];
    send(tap).then(function (answer) {
      // Answered (done, or refused for a reason): either way it leaves the queue.
      save(load().filter(function (t) { return t.url !== tap.url; }));
      if (answer.ok) { markDone(tap.url); say(answer.data.message || ""); }
      else { say(answer.data.message || ("Erreur " + answer.status)); }
      flushing = false;
      flush();
    }, function () {
      flushing = false;
      say(status ? status.getAttribute("data-offline") || "…" : "…");
    });
  }

  if (status) {
    status.setAttribute("data-offline", document.documentElement.lang === "en"
      ? "No network: your taps are kept and will be sent as soon as possible."
      : "Pas de réseau : vos gestes sont gardés et seront envoyés dès que possible.");
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
