/* The national map: fetches one layer (indicator × level) from the API and colours its areas.
   The page carries no statistics; the API applies the user's jurisdiction. */
(function () {
  "use strict";

  var controls = document.getElementById("map-controls");
  var map = window[controls.dataset.map];
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var status = document.getElementById("map-status");
  // Share of villages with the service: five classes, light to dark green; grey when nobody reported.
  var BREAKS = [0.2, 0.4, 0.6, 0.8];
  var COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];
  var NO_DATA = "#bdbdbd";
  var layer = null;
  var request = 0;

  function colour(share) {
    if (share === null || share === undefined) return NO_DATA;
    var i = 0;
    while (i < BREAKS.length && share >= BREAKS[i]) i++;
    return COLOURS[i];
  }

  function percent(value) {
    return value === null || value === undefined ? labels.no_data : Math.round(value * 100) + " %";
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function tooltip(p) {
    return "<strong>" + escape(p.name) + "</strong><br>" +
      escape(labels.share_villages) + " : " + percent(p.share_villages) + "<br>" +
      escape(labels.completeness) + " : " + percent(p.completeness) +
      " (" + p.villages_reporting + "/" + p.villages_expected + ")";
  }

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "map-legend");
    var rows = ["<strong>" + escape(labels.share_villages) + "</strong>"];
    var lower = 0;
    COLOURS.forEach(function (c, i) {
      var upper = i < BREAKS.length ? BREAKS[i] : 1;
      rows.push('<i style="background:' + c + '"></i> ' + Math.round(lower * 100) + "–" + Math.round(upper * 100) + " %");
      lower = upper;
    });
    rows.push('<i style="background:' + NO_DATA + '"></i> ' + escape(labels.no_data));
    div.innerHTML = rows.join("<br>");
    return div;
  };
  legend.addTo(map);

  function load() {
    var params = new URLSearchParams({
      indicator: controls.elements.indicator.value,
      level: controls.elements.level.value
    });
    var mine = ++request;
    status.textContent = labels.loading;
    fetch(controls.dataset.layersUrl + "?" + params, {
      credentials: "same-origin",
      headers: {Accept: "application/geo+json"}
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      if (mine !== request) return;  // a newer choice is already on its way
      if (layer) map.removeLayer(layer);
      layer = L.geoJSON(data, {
        style: function (f) {
          return {color: "#444", weight: 1, fillOpacity: 0.75, fillColor: colour(f.properties.share_villages)};
        },
        onEachFeature: function (f, l) { l.bindTooltip(tooltip(f.properties), {sticky: true}); }
      }).addTo(map);
      // What the map shows, for people reading the page's source and for the browser tests.
      controls.dataset.shown = params.toString();
      controls.dataset.features = String(data.features.length);
      var period = data.features.length ? data.features[0].properties.period : null;
      status.textContent = period ? labels.period + " " + period : labels.no_data;
      if (data.features.length) map.fitBounds(layer.getBounds());
    }).catch(function () {
      if (mine === request) status.textContent = labels.error;
    });
  }

  controls.addEventListener("change", load);
  controls.addEventListener("submit", function (event) { event.preventDefault(); });
  load();
})();
