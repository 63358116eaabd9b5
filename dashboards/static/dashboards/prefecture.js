/* A prefecture's map: its cantons and its villages, fetched from the API (which applies the user's
   jurisdiction), villages coloured by the last-known state of one indicator and clustered at low zoom.
   Value names and colours come from the page (dashboards/places/legend.py), so the map and the village
   page's chart agree. */
(function () {
  "use strict";

  var controls = document.getElementById("map-controls");
  var map = window[controls.dataset.map];
  var config = JSON.parse(document.getElementById("prefecture-config").textContent);
  var labels = config.labels;
  var status = document.getElementById("map-status");
  var request = 0;

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  function classOf(indicator, value) {
    if (value === null || value === undefined) return null;
    var classes = config.indicators[indicator].classes;
    for (var i = 0; i < classes.length; i++) {
      if (classes[i].value === value) return classes[i];
    }
    return {value: value, label: String(value), colour: config.no_data};
  }

  function villageUrl(code) {
    return controls.dataset.villageUrl.replace("__code__", encodeURIComponent(code));
  }

  // Cantons: outlines under the villages, named on hover.
  fetch(controls.dataset.cantonsUrl, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
    .then(function (response) { return response.ok ? response.json() : {features: []}; })
    .then(function (data) {
      L.geoJSON(data, {
        style: {color: "#555", weight: 1, dashArray: "4 3", fillColor: "#ffffff", fillOpacity: 0.05},
        onEachFeature: function (f, l) { l.bindTooltip(escape(f.properties.name), {sticky: true}); }
      }).addTo(map).bringToBack();
      controls.dataset.cantons = String(data.features.length);
    });

  // The prefecture fills the map at once: an animated zoom would swallow a first click on a cluster.
  map.fitBounds(JSON.parse(controls.dataset.bounds), {animate: false});

  // Villages: one cluster group, emptied and filled again when the indicator changes. Clustering needs a
  // highest zoom, which a map without tiles does not have; villages on one spot fan out there.
  if (map.getMaxZoom() === Infinity) map.setMaxZoom(18);
  // A cluster is a ring shared out among its villages' colours (the legend's), with their number inside: the
  // default green/yellow/orange by size would read as states.
  function clusterIcon(group) {
    var shares = {};
    var children = group.getAllChildMarkers();
    children.forEach(function (m) { shares[m.options.dotColour] = (shares[m.options.dotColour] || 0) + 1; });
    var start = 0;
    var stops = Object.keys(shares).sort().map(function (colour) {
      var end = start + (shares[colour] / children.length) * 100;
      var stop = colour + " " + start.toFixed(1) + "% " + end.toFixed(1) + "%";
      start = end;
      return stop;
    });
    return L.divIcon({
      className: "marker-cluster village-cluster",
      html: '<span style="background:conic-gradient(' + stops.join(",") + ')"><b>' + children.length + "</b></span>",
      iconSize: [36, 36]
    });
  }
  var cluster = L.markerClusterGroup({
    maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true, iconCreateFunction: clusterIcon
  });
  map.addLayer(cluster);

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { return L.DomUtil.create("div", "map-legend village-legend"); };
  legend.addTo(map);

  function dot(colour, stale) {
    return '<span class="village-dot' + (stale ? " is-stale" : "") + '" style="--dot:' + colour + '"></span>';
  }

  function drawLegend(indicator, counts) {
    var rows = ["<strong>" + escape(config.indicators[indicator].label) + "</strong>"];
    config.indicators[indicator].classes.forEach(function (c) {
      rows.push(dot(c.colour, false) + " " + escape(c.label) + " (" + (counts[c.value] || 0) + ")");
    });
    rows.push(dot("#6c757d", true) + " " + escape(labels.stale) + " (" + counts.stale + ")");
    rows.push(dot(config.no_data, false) + " " + escape(labels.no_data) + " (" + counts.none + ")");
    legend.getContainer().innerHTML = rows.join("<br>");
  }

  function tooltip(p, state) {
    var text = "<strong>" + escape(p.name) + "</strong> (" + escape(p.code) + ")<br>";
    if (!state) return text + escape(labels.no_data);
    text += escape(state.label) + " · " + escape(labels.month) + " " + escape(p.period);
    if (p.is_stale) text += " · " + escape(labels.stale);
    return text;
  }

  function marker(f, indicator, counts) {
    var p = f.properties;
    var state = classOf(indicator, p.value);
    if (!state) counts.none++;
    else if (p.is_stale) counts.stale++;
    else counts[state.value] = (counts[state.value] || 0) + 1;
    var icon = L.divIcon({
      className: "village-marker",
      html: '<span class="village-dot' + (p.is_stale ? " is-stale" : "") + '" data-code="' + escape(p.code) +
        '" style="--dot:' + (state ? state.colour : config.no_data) + '"></span>',
      iconSize: [18, 18]
    });
    var coords = f.geometry.coordinates;
    var m = L.marker([coords[1], coords[0]], {
      icon: icon, title: p.name + " (" + p.code + ")", alt: labels.open, dotColour: state ? state.colour : config.no_data
    });
    m.bindTooltip(tooltip(p, state), {direction: "top", offset: [0, -8]});
    m.on("click", function () { window.location.href = villageUrl(p.code); });
    return m;
  }

  function load() {
    var indicator = controls.elements.indicator.value;
    var mine = ++request;
    status.textContent = labels.loading;
    var url = controls.dataset.villagesUrl + "&" + new URLSearchParams({indicator: indicator});
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (mine !== request) return;  // a newer choice is already on its way
        var counts = {stale: 0, none: 0};
        var markers = data.features.map(function (f) { return marker(f, indicator, counts); });
        cluster.clearLayers();
        cluster.addLayers(markers);
        drawLegend(indicator, counts);
        // What the map shows, for people reading the page's source and for the browser tests.
        controls.dataset.shown = indicator;
        controls.dataset.features = String(data.features.length);
        status.textContent = data.features.length ? data.features.length + " " + labels.villages : labels.no_villages;
        // The chosen indicator stays in the address: a reload or a shared link shows the same map.
        var address = new URL(window.location.href);
        address.searchParams.set("indicator", indicator);
        window.history.replaceState(null, "", address);
      })
      .catch(function () {
        if (mine === request) status.textContent = labels.error;
      });
  }

  controls.addEventListener("change", load);
  controls.addEventListener("submit", function (event) { event.preventDefault(); });
  load();
})();
