/* A ticket's place on a small map: its location (or its grid's outline when it has none). */
(function () {
  "use strict";
  var el = document.getElementById("ticket-map");
  if (!el) { return; }
  var cfg = JSON.parse(document.getElementById("ticket-config").textContent);
  var map = L.map(el, { zoomControl: false, attributionControl: !!cfg.tiles, maxZoom: 19 });
  if (cfg.tiles) { L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "", maxZoom: 19 }).addTo(map); }
  var bounds = null;
  if (cfg.grid) {
    var grid = L.geoJSON(cfg.grid, { style: { color: "#1f5fa8", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    bounds = grid.getBounds();
  }
  if (cfg.lat !== null && cfg.lon !== null) {
    L.marker([cfg.lat, cfg.lon], { icon: L.divIcon({ className: "ticket-marker", iconSize: [20, 20],
      html: '<i class="dot late"></i>' }) }).addTo(map);
    map.setView([cfg.lat, cfg.lon], 17);
  } else if (bounds && bounds.isValid()) {
    map.fitBounds(bounds, { padding: [10, 10] });
  } else {
    el.textContent = "无位置信息";
    el.classList.add("empty");
  }
})();
