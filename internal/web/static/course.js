// Course form: choosing another protocol shows its details at once (the
// "Show the protocol's details" button does the same without JavaScript).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-refresh]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var b = document.getElementById(sel.getAttribute("data-refresh"));
        if (b) { b.click(); }
      });
    });
  });
})();
