/* The admin's geometry widget (geo/widgets.py): Leaflet from our static files, a point placed by click or drag. */
(function () {
  "use strict";

  function setUp(box) {
    var textarea = document.getElementById(box.dataset.textarea);
    var options = JSON.parse(document.getElementById(box.dataset.options).textContent);
    var readout = box.querySelector(".geo-widget-readout");
    var map = L.map(box.querySelector(".geo-widget-map"));
    if (options.tiles) {
      L.tileLayer(options.tiles, { attribution: options.attribution }).addTo(map);
    }
    var outline = L.geoJSON(options.outline, {
      interactive: false,
      style: { color: "#6b7b6b", weight: 1, fill: false },
    }).addTo(map);

    var marker = null;
    function write(latlng) {
      var point = { type: "Point", coordinates: [+latlng.lng.toFixed(6), +latlng.lat.toFixed(6)] };
      textarea.value = JSON.stringify(point);
      readout.textContent = point.coordinates[1] + ", " + point.coordinates[0];
    }
    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: options.editable }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      }
      write(latlng);
    }

    var shown = null;
    if (textarea.value.trim()) {
      try {
        var geometry = JSON.parse(textarea.value);
        if (geometry.type === "Point") {
          marker = L.marker([geometry.coordinates[1], geometry.coordinates[0]], { draggable: options.editable }).addTo(map);
          marker.on("dragend", function () { write(marker.getLatLng()); });
          readout.textContent = geometry.coordinates[1] + ", " + geometry.coordinates[0];
          map.setView(marker.getLatLng(), 9);  // close enough to place, far enough to see the outline
          shown = true;
        } else {
          shown = L.geoJSON(geometry, { style: { color: "#1b7f3b", weight: 2 } }).addTo(map);
          map.fitBounds(shown.getBounds());
        }
      } catch (error) {
        readout.textContent = "?";
      }
    }
    if (!shown) {
      var bounds = outline.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds); } else { map.setView([8.6, 0.95], 7); }
    }
    if (options.editable) {
      map.on("click", function (event) { place(event.latlng); });
    }
  }

  function setUpAll() { document.querySelectorAll(".geo-widget").forEach(setUp); }
  // The admin puts form media in <head>: wait for the widgets to exist.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
