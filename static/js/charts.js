// Redraws every chart of the page from the figure JSON embedded beside it, in place of the SVG the server
// drew; the table under each chart holds the same numbers for anyone the drawing does not reach. A chart in a
// closed section is drawn when the section is opened: plotly cannot measure a chart it cannot see.
(function () {
  "use strict";
  function draw(element) {
    var figure = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    element.replaceChildren();  // the server's SVG, shown until now
    Plotly.newPlot(element, figure.data, figure.layout, { staticPlot: true, responsive: true, displayModeBar: false });
  }
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var closed = element.closest("details:not([open])");
    if (!closed) {
      draw(element);
      return;
    }
    closed.addEventListener("toggle", function drawOnce() {
      if (closed.open) {
        closed.removeEventListener("toggle", drawOnce);
        draw(element);
      }
    });
  });
})();
