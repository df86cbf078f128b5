// The teaching record's print button; without JS the browser's own print works the same.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
