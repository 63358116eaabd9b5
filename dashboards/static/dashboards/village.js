/* The village page: its small map opens on the village's area (no animated zoom while the page draws),
   and on a narrow screen the history chart opens on its latest months. */
(function () {
  "use strict";

  var frame = document.getElementById("village-map");
  window[frame.dataset.map].fitBounds(JSON.parse(frame.dataset.bounds), {animate: false, maxZoom: 14});

  var chart = document.getElementById("history-scroll");
  chart.scrollLeft = chart.scrollWidth;
})();
