// The documents' toolbar: the Print button opens the browser's print dialog
// (a script file, as the Content-Security-Policy allows no inline script).
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("[data-print]");
  if (b) {
    ev.preventDefault();
    window.print();
  }
});
