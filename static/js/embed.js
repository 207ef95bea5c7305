// For partner sites: include this script after an embed iframe to size it to its content.
//
//   <iframe src="https://campaigns.example/embed/a/SLUG?source=PARTNER" class="campaigns-embed"
//           title="Take action" width="100%" height="700"></iframe>
//   <script src="https://campaigns.example/static/js/embed.js" async></script>
//
// It listens for the height the embedded page posts, and believes only messages sent by one
// of the page's campaigns iframes from the origin that iframe was loaded from.
(function () {
  function frames() {
    return Array.prototype.slice.call(document.querySelectorAll("iframe.campaigns-embed"));
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "campaigns:height" || typeof data.height !== "number") return;
    frames().forEach(function (frame) {
      if (frame.contentWindow !== event.source) return;
      if (new URL(frame.src, location.href).origin !== event.origin) return;
      var height = Math.max(200, Math.min(Math.round(data.height), 10000));
      frame.style.height = height + "px";
      frame.setAttribute("data-sized", "true");
    });
  });
})();
