/* A round on a map: the desk, the numbered stops and the way between them, in order.
 *
 * Each `[data-round-map]` element holds its round as JSON: {"desk": [lat, lon], "stops":
 * [[lat, lon], …]} (in the order of the list beside it, numbered from 1). The tiles' address is
 * in `data-tiles` (empty: no tiles, the stops on a plain background). The map is decoration:
 * hidden from assistive technologies, never focused; the list of stops is the content. Without
 * JavaScript or Leaflet it stays hidden.
 */
(function () {
  "use strict";
  if (!window.L) { return; }

  function pin(text, className) {
    return L.divIcon({
      className: "map-pin " + className,
      html: "<span>" + text + "</span>",
      iconSize: [30, 30],
      iconAnchor: [15, 15],
    });
  }

  function draw(box) {
    var round;
    try { round = JSON.parse(box.getAttribute("data-round-map")); } catch (e) { return; }
    if (!round || !round.desk) { return; }
    box.parentNode.hidden = false;
    var map = L.map(box, {
      zoomControl: false,
      attributionControl: false,
      keyboard: false,
      scrollWheelZoom: false,
      dragging: !L.Browser.mobile,
      tap: false,
      zoomSnap: 0.25,
    });
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var way = [round.desk].concat(round.stops, [round.desk]);
    L.polyline(way, { color: "#1d5b4f", weight: 4, opacity: 0.8, interactive: false }).addTo(map);
    L.marker(round.desk, { icon: pin("⌂", "map-pin-desk"), keyboard: false, interactive: false })
      .addTo(map);
    round.stops.forEach(function (stop, index) {
      L.marker(stop, { icon: pin(String(index + 1), ""), keyboard: false, interactive: false })
        .addTo(map);
    });
    map.fitBounds(L.latLngBounds(way), { padding: [24, 24], maxZoom: 17 });
    box.classList.add("is-drawn");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-round-map]"), draw);
})();
