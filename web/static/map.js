/* The command centre's map: grid outlines, open tickets as clustered markers coloured by
   state and lateness, refreshed every few seconds. Works without tiles (blank background). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var map = L.map("map", { zoomControl: true, attributionControl: !!cfg.tiles, maxZoom: 19 });
  if (cfg.tiles) { L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "", maxZoom: 19 }).addTo(map); }
  var grids = L.geoJSON(cfg.grids, {
    style: { color: "#1f5fa8", weight: 2, fillColor: "#5b8fd1", fillOpacity: 0.08 },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name + " · " + f.properties.community, { sticky: true });
    }
  }).addTo(map);
  var fitted = false;
  if (grids.getBounds().isValid()) { map.fitBounds(grids.getBounds(), { padding: [20, 20] }); fitted = true; }
  else { map.setView([31.2304, 121.4737], 14); }
  var cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 40, disableClusteringAtZoom: 19 });
  map.addLayer(cluster);
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function icon(state, late) {
    return L.divIcon({ className: "ticket-marker", iconSize: [20, 20],
      html: '<i class="dot ' + (late ? "late" : esc(state)) + '"></i>' });
  }
  var count = document.getElementById("marker-count");
  function draw(markers) {
    cluster.clearLayers();
    var layers = markers.map(function (m) {
      var label = cfg.states[m[3]] || m[3];
      return L.marker([m[1], m[2]], { icon: icon(m[3], m[4]), title: "#" + m[0] })
        .bindPopup('<a href="/tickets/' + m[0] + '">#' + m[0] + "</a> " + esc(m[5]) + " · " + esc(label) +
                   (m[4] ? ' <span class="badge late">超期</span>' : ""));
    });
    cluster.addLayers(layers);
    count.textContent = String(markers.length);
    if (!fitted && layers.length) { map.fitBounds(cluster.getBounds(), { padding: [20, 20] }); fitted = true; }
  }
  function refresh() {
    fetch(cfg.data + window.location.search, { credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) { window.location.reload(); } return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data.markers); document.body.dataset.mapReady = "1"; } })
      .catch(function () {});
  }
  refresh();
  setInterval(refresh, (cfg.every || 5) * 1000);
})();
