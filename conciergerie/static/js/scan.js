/* Scanning a QR label with the phone's camera.
 *
 * A USB scanner types the label's code into the field and presses Enter: that needs no script.
 * This adds, to each <form data-scan-form> with an <input data-scan-input>, a button that opens
 * the rear camera under the form; the first code read is put in the field and the form is sent,
 * as if it had been typed. The words come from the form's attributes (translated by the page):
 * data-camera-label (the button), data-camera-stop (the stop button), data-camera-error (shown
 * when the camera cannot be used) and data-camera-view (the video's name, optional).
 *
 * Frames are decoded by the vendored qr-scanner (static/vendor/qr-scanner/, loaded before this
 * file): in a worker it starts itself, or with the browser's BarcodeDetector where there is one.
 * Without JavaScript, without a camera or without the library, the page is left as it is.
 */
(function () {
  "use strict";
  var SCAN_EVERY_MS = 150;   // a decode takes a few tens of ms: no need to try every frame
  var LONGEST_SIDE = 800;    // frames are scaled down to this before decoding (phones film in HD)
  var GIVE_UP_AFTER = 3;     // decoder errors in a row (not "no code in this frame") before we stop

  if (!window.QrScanner || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text) { element.textContent = text; }
    return element;
  }

  function setUp(form, number) {
    var input = form.querySelector("[data-scan-input]");
    if (!input) { return; }
    var words = function (name) { return form.getAttribute(name) || ""; };

    var open = make("button", "button button-ghost scan-open", words("data-camera-label"));
    open.type = "button";  // never sends the form by itself
    open.setAttribute("aria-controls", "scan-view-" + number);
    open.setAttribute("aria-expanded", "false");
    form.appendChild(open);

    // Under the form: what the camera sees, its stop button, and a status line (always in the
    // page, so that screen readers hear what is written in it later).
    var box = make("div", "scan-camera");
    var view = make("div", "scan-view");
    view.id = "scan-view-" + number;
    view.hidden = true;
    var video = make("video");
    video.setAttribute("aria-label", words("data-camera-view") || words("data-camera-label"));
    video.muted = true;                       // autoplay is allowed for a silent video
    video.setAttribute("playsinline", "");    // iOS: in the page, not full screen
    var stop = make("button", "button button-ghost scan-stop", words("data-camera-stop"));
    stop.type = "button";
    var status = make("p", "scan-status");
    status.setAttribute("role", "status");
    view.appendChild(video);
    view.appendChild(stop);
    box.appendChild(view);
    box.appendChild(status);
    form.parentNode.insertBefore(box, form.nextSibling);

    var stream = null;    // the camera, while it is on
    var engine = null;    // qr-scanner's decoder (a worker or a BarcodeDetector), made once
    var timer = null;
    var run = 0;          // counts camera starts and stops: an answer from an older run is dropped
    var errors = 0;       // decoder errors in a row
    var broken = false;   // the decoder's worker could not start
    var canvas = document.createElement("canvas");  // reused for every frame

    function stopCamera() {
      run += 1;
      clearTimeout(timer);
      timer = null;
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      view.hidden = true;
      open.hidden = false;
      open.setAttribute("aria-expanded", "false");
    }

    function fail() {
      var wasOn = stream !== null || !view.hidden;
      stopCamera();
      if (engine) {  // made again at the next try
        engine.then(function (made) {
          if (made instanceof Worker) { made.terminate(); }
        }, function () { /* it never started */ });
        engine = null;
      }
      status.textContent = words("data-camera-error");
      if (wasOn) { open.focus(); }
    }

    // The whole frame, scaled down so that its longest side is at most LONGEST_SIDE.
    function region() {
      var width = video.videoWidth, height = video.videoHeight;
      var scale = Math.min(1, LONGEST_SIDE / Math.max(width, height));
      return {
        x: 0, y: 0, width: width, height: height,
        downScaledWidth: Math.round(width * scale), downScaledHeight: Math.round(height * scale)
      };
    }

    function found(text) {
      stopCamera();
      input.value = text.trim();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }

    function scanSoon() {
      timer = setTimeout(scan, SCAN_EVERY_MS);
    }

    // The decoder, made once. Its worker may be refused (by the Content-Security-Policy, say):
    // that is only told by an error event, else each frame would wait 10 s for an answer.
    function makeEngine() {
      broken = false;
      var made = window.QrScanner.createQrEngine();
      engine = made;
      var refused = function () {
        if (engine !== made) { return; }  // an engine dropped since
        broken = true;
        if (stream) { fail(); }  // else when the camera starts (scan)
      };
      made.then(function (decoder) {
        if (decoder instanceof Worker) { decoder.addEventListener("error", refused); }
      }, refused);
    }

    function scan() {
      if (!stream) { return; }
      if (broken) { fail(); return; }
      if (!video.videoWidth) { scanSoon(); return; }  // no picture yet
      var mine = run;
      window.QrScanner.scanImage(video, {
        scanRegion: region(), qrEngine: engine, canvas: canvas, returnDetailedScanResult: true
      }).then(function (result) {
        if (mine !== run) { return; }  // stopped meanwhile
        if (result.data && result.data.trim()) { found(result.data); } else { scanSoon(); }
      }, function (error) {
        if (mine !== run) { return; }
        // No code in this frame is the usual answer (said as is by the worker, as "Scanner
        // error: No QR code found" with a BarcodeDetector). Other errors in a row mean the
        // decoder cannot work (e.g. its worker refused by the Content-Security-Policy).
        var nothing = String(error && error.message || error)
          .indexOf(window.QrScanner.NO_QR_CODE_FOUND) !== -1;
        errors = nothing ? 0 : errors + 1;
        if (errors < GIVE_UP_AFTER) { scanSoon(); } else { fail(); }
      });
    }

    var asking = false;   // waiting for the camera (the browser may be asking for permission)
    open.addEventListener("click", function () {
      if (asking || stream) { return; }
      asking = true;
      errors = 0;
      status.textContent = "";
      if (!engine) { makeEngine(); }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (camera) {
          asking = false;
          stream = camera;
          video.srcObject = camera;
          view.hidden = false;
          open.hidden = true;
          open.setAttribute("aria-expanded", "true");
          stop.focus();
          return video.play();
        })
        .then(scan, function () {
          // Refused, no camera, camera busy… (not the video's start cut short by the stop button)
          if (asking || stream) { fail(); }
          asking = false;
        });
    });

    stop.addEventListener("click", function () {
      stopCamera();
      open.focus();
    });
    view.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { stopCamera(); open.focus(); }
    });
    // Leaving the page (or the browser keeping it in its cache) turns the camera off.
    window.addEventListener("pagehide", stopCamera);
  }

  var forms = document.querySelectorAll("form[data-scan-form]");
  for (var i = 0; i < forms.length; i++) { setUp(forms[i], i + 1); }
})();
