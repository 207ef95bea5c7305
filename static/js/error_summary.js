// A form sent back with errors: move the focus to its summary, whose links lead to each field,
// so a screen reader announces what to fix and a keyboard reaches it at once.
(function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
})();
