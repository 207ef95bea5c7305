// The thank-you page's "Copy link" button: copies the share link, says so for screen readers.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById(button.getAttribute("data-copy") + "-status");
  function done() { if (status) status.textContent = status.getAttribute("data-done"); }
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
  } else {
    field.select();
    if (document.execCommand && document.execCommand("copy")) done();
  }
});
