// Inside the embedded form: tell the page around the iframe how tall this document is, so
// embed.js there can size the iframe without a scrollbar. Only a number is sent; the
// partner page learns nothing a supporter typed.
(function () {
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "campaigns:height", height: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  report();
})();
