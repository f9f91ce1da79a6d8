/* Import of monthly hours: polls the job's JSON status while the file is analysed or written, updates the
 * <progress> bar, and reloads the page (preview or outcome) once the job has finished. Without JavaScript, the page
 * offers an "Actualiser" link instead. */
(function () {
  "use strict";
  var section = document.getElementById("import-progress");
  if (!section || !window.fetch) {
    return;
  }
  var statusUrl = section.getAttribute("data-status-url");
  var reloadUrl = section.getAttribute("data-reload-url");
  var bar = document.getElementById("import-progress-bar");
  var text = document.getElementById("import-progress-text");
  var badge = document.getElementById("import-status");
  var delay = 1000;
  var failures = 0;

  function show(data) {
    var percent = Math.max(0, Math.min(100, parseInt(data.progress, 10) || 0));
    bar.value = percent;
    bar.textContent = percent + " %";
    text.textContent = percent + " %";
    if (badge && data.status_label) {
      badge.textContent = data.status_label;
    }
  }

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (!data.running) {
          window.location.assign(reloadUrl);
          return;
        }
        delay = Math.min(delay + 500, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) {
          window.setTimeout(poll, 5000);
        }
      });
  }

  window.setTimeout(poll, delay);
})();
