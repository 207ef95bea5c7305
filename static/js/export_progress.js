// Polls an export's (or an import's) status and moves the <progress> bar until the file is ready, then shows
// the download link. Loaded from static/ because the CSP allows no inline script.
(function () {
  "use strict";

  function start() {
    var box = document.querySelector("[data-export-status]");
    if (!box) return;
    var url = box.getAttribute("data-export-status");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-export-text]");
    var download = box.querySelector("[data-export-download]");
    var link = download.querySelector("a");

    function number(n) {
      return (n || 0).toLocaleString("en-US");
    }

    function show(state) {
      if (state.rows_total) {
        bar.max = state.rows_total;
        bar.value = state.rows_done;
      }
      if (state.status === "done" && box.hasAttribute("data-reload-when-done")) {
        // The finished page lists what could not be used; the server draws it.
        window.location.reload();
        return true;
      }
      if (state.status === "done") {
        bar.max = 1;
        bar.value = 1;
        text.textContent = "Done: " + number(state.rows_done) + " rows.";
        link.href = state.download_url;
        download.hidden = false;
        return true;
      }
      if (state.status === "failed") {
        text.textContent = "The export failed: " + (state.error || "unknown error");
        return true;
      }
      if (state.status === "expired") {
        text.textContent = "This export's file was deleted.";
        return true;
      }
      text.textContent =
        number(state.rows_done) + " of " + number(state.rows_total) + " rows written…";
      return false;
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (state) {
          if (!show(state)) window.setTimeout(poll, 1000);
        })
        .catch(function () {
          // A dropped connection or a restarting server: try again, more slowly.
          window.setTimeout(poll, 5000);
        });
    }

    poll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
