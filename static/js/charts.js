// Redraws every chart of the page from the figure JSON embedded beside it, in place of the SVG the server
// drew; the table under each chart holds the same numbers for anyone the drawing does not reach.
(function () {
  "use strict";
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var figure = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    element.replaceChildren();  // the server's SVG, shown until now
    Plotly.newPlot(element, figure.data, figure.layout, { staticPlot: true, responsive: true, displayModeBar: false });
  });
})();
