// How close two clouds of points are (explainer.metrics): the plug-in energy distance
//   E(x, y) = 2·mean‖x_i − y_j‖ − mean‖x_i − x_i'‖ − mean‖y_j − y_j'‖   (means over all pairs),
// zero when the clouds coincide, larger as they move apart.
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  function meanDistance(a, na, b, nb) {
    var total = 0;
    for (var i = 0; i < na; i++) {
      var ax = a[2 * i], ay = a[2 * i + 1], row = 0;
      for (var j = 0; j < nb; j++) {
        var dx = ax - b[2 * j], dy = ay - b[2 * j + 1];
        row += Math.sqrt(dx * dx + dy * dy);
      }
      total += row;
    }
    return total / (na * nb);
  }

  // x, y: flat 2D points (n × 2). The self-terms of y can be passed in (they do not change).
  function energyDistance(x, nx, y, ny, yy) {
    if (yy == null) yy = meanDistance(y, ny, y, ny);
    return Math.max(2 * meanDistance(x, nx, y, ny) - meanDistance(x, nx, x, nx) - yy, 0);
  }

  core.metrics = { meanDistance: meanDistance, energyDistance: energyDistance };
})();
