/* The national map: fetches one layer (indicator × level × month) from the API and colours its areas by the
   share chosen (of villages or of population; both come in the layer, so that choice needs no request).
   The page carries no statistics; the API applies the user's jurisdiction. */
(function () {
  "use strict";

  var controls = document.getElementById("map-controls");
  var map = window[controls.dataset.map];
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var status = document.getElementById("map-status");
  var lang = document.documentElement.lang || "fr";
  var percentFormat = new Intl.NumberFormat(lang, {style: "percent", maximumFractionDigits: 1});
  var countFormat = new Intl.NumberFormat(lang);
  // A share: five classes, light to dark green; grey when nobody reported.
  var BREAKS = [0.2, 0.4, 0.6, 0.8];
  var COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];
  var NO_DATA = "#bdbdbd";
  var layer = null;
  var shownPeriod = "";
  var request = 0;

  function share() { return controls.elements.share.value; }

  function colour(value) {
    if (value === null || value === undefined) return NO_DATA;
    var i = 0;
    while (i < BREAKS.length && value >= BREAKS[i]) i++;
    return COLOURS[i];
  }

  function percent(value) {
    return value === null || value === undefined ? labels.no_data : percentFormat.format(value);
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function line(label, value, part, whole, unit) {
    return escape(label) + " : " + percent(value) +
      " (" + countFormat.format(part) + "/" + countFormat.format(whole) + " " + escape(unit) + ")";
  }

  // The prefecture page an area opens: a prefecture's own, a canton's or commune's parent's; a region's none.
  function prefectureOf(p) {
    if (p.level === "prefecture") return p.code;
    if (p.level === "canton" || p.level === "commune") return p.parent;
    return null;
  }

  function openPrefecture(code) {
    var url = controls.dataset.prefectureUrl.replace("__code__", encodeURIComponent(code));
    window.location.href = url + "?" + new URLSearchParams({indicator: controls.elements.indicator.value});
  }

  function bind(feature, area) {
    var code = prefectureOf(feature.properties);
    area.bindTooltip(tooltip(feature.properties) + (code ? "<br><em>" + escape(labels.open) + "</em>" : ""),
      {sticky: true});
    if (code) area.on("click", function () { openPrefecture(code); });
  }

  function tooltip(p) {
    return "<strong>" + escape(p.name) + "</strong><br>" +
      line(labels.share_villages, p.share_villages, p.villages_with_service, p.villages_reporting, labels.villages) +
      "<br>" +
      line(labels.share_population, p.share_population, p.population_with_service, p.population_reporting,
        labels.inhabitants) + "<br>" +
      line(labels.completeness, p.completeness, p.villages_reporting, p.villages_expected, labels.villages);
  }

  function style(feature) {
    return {color: "#444", weight: 1, fillOpacity: 0.75, fillColor: colour(feature.properties[share()])};
  }

  var legendDiv = null;
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    legendDiv = L.DomUtil.create("div", "map-legend");
    drawLegend();
    return legendDiv;
  };

  // The legend says what the colours are of, and for which month.
  function drawLegend() {
    var rows = ["<strong>" + escape(labels[share()]) + "</strong>"];
    if (shownPeriod) rows.push(escape(shownPeriod));
    var lower = 0;
    COLOURS.forEach(function (c, i) {
      var upper = i < BREAKS.length ? BREAKS[i] : 1;
      rows.push('<i style="background:' + c + '"></i> ' + Math.round(lower * 100) + "–" + Math.round(upper * 100) + " %");
      lower = upper;
    });
    rows.push('<i style="background:' + NO_DATA + '"></i> ' + escape(labels.no_data));
    legendDiv.innerHTML = rows.join("<br>");
  }
  legend.addTo(map);

  function restyle() {
    if (layer) layer.setStyle(style);
    controls.dataset.share = share();
    drawLegend();
  }

  function periodLabel(period) {
    var select = controls.elements.period;
    var option = select ? select.querySelector('option[value="' + period + '"]') : null;
    return option ? option.textContent : period;
  }

  function load() {
    var params = new URLSearchParams({
      indicator: controls.elements.indicator.value,
      level: controls.elements.level.value
    });
    if (controls.elements.period && controls.elements.period.value) {
      params.set("period", controls.elements.period.value);
    }
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
        style: style,
        onEachFeature: bind
      }).addTo(map);
      var period = data.features.length ? data.features[0].properties.period : null;
      shownPeriod = period ? periodLabel(period) : "";
      // What the map shows, for people reading the page's source and for the browser tests.
      controls.dataset.shown = params.toString();
      controls.dataset.features = String(data.features.length);
      controls.dataset.period = period || "";
      restyle();
      status.textContent = period ? labels.period + " " + shownPeriod : labels.no_data;
      if (data.features.length) map.fitBounds(layer.getBounds());
    }).catch(function () {
      if (mine === request) status.textContent = labels.error;
    });
  }

  controls.addEventListener("change", function (event) {
    if (event.target.name === "share") restyle();
    else load();
  });
  controls.addEventListener("submit", function (event) { event.preventDefault(); });
  load();
})();
