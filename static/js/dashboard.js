// The organizer dashboard: refresh the figures without a reload, and sort the tables.
// Loaded as a file (the Content-Security-Policy allows no inline script); the page says
// where to ask and how often in data- attributes.
(function () {
  "use strict";

  var format = new Intl.NumberFormat("en-US");

  function show(root, figures) {
    root.querySelectorAll("[data-live]").forEach(function (el) {
      var value = figures[el.getAttribute("data-live")];
      if (typeof value === "number") {
        el.textContent = format.format(value);
      }
    });
    var bar = root.querySelector("[data-live-progress]");
    if (bar && figures.goal) {
      bar.value = Math.min(figures.counted, figures.goal);
      bar.textContent = figures.percent + "%";
    }
  }

  function poll(root) {
    var url = root.getAttribute("data-dashboard-url");
    var seconds = Math.max(1, parseInt(root.getAttribute("data-interval"), 10) || 5);
    var status = root.querySelector("[data-live-status]");
    var timer = null;

    function tick() {
      // Nobody is looking at a hidden tab: ask again when it shows.
      if (document.hidden) {
        timer = null;
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (figures) {
          show(root, figures);
          if (status) {
            status.textContent = "";
          }
        })
        .catch(function () {
          if (status) {
            status.textContent = " (the last update failed; trying again)";
          }
        })
        .finally(function () {
          timer = window.setTimeout(tick, seconds * 1000);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && timer === null) {
        tick();
      }
    });
    timer = window.setTimeout(tick, seconds * 1000);
  }

  function sortable(table) {
    var headers = table.querySelectorAll("thead th");
    table.querySelectorAll("button[data-sort]").forEach(function (button) {
      button.addEventListener("click", function () {
        var th = button.closest("th");
        var column = Array.prototype.indexOf.call(headers, th);
        var numeric = button.getAttribute("data-sort") === "number";
        var descending = th.getAttribute("aria-sort") !== "descending";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column];
          var y = b.cells[column];
          var order = numeric
            ? Number(x.getAttribute("data-value")) - Number(y.getAttribute("data-value"))
            : x.textContent.localeCompare(y.textContent, undefined, { numeric: true });
          return descending ? -order : order;
        });
        rows.forEach(function (row) {
          body.appendChild(row);
        });
        headers.forEach(function (other) {
          if (other.hasAttribute("aria-sort")) {
            other.setAttribute("aria-sort", "none");
          }
        });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      });
    });
  }

  document.querySelectorAll("[data-dashboard-url]").forEach(poll);
  document.querySelectorAll("table[data-sortable]").forEach(sortable);
})();
