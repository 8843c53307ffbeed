"use strict";
// The QR code on the resident's letter opens this page with the number and the code after
// "#": a fragment never reaches the server or its logs. Copy them into the fields, then
// drop the fragment from the address bar and the history.
(function () {
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var fields = { n: "account_number", c: "code" };
  Object.keys(fields).forEach(function (key) {
    var input = document.getElementById(fields[key]);
    if (input && fragment.get(key) && !input.value) { input.value = fragment.get(key); }
  });
  if (window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    var pin = document.getElementById("pin");
    if (pin) { pin.focus(); }
  }
})();
