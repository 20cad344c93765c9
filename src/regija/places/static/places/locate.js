// "Use my location" on the places page: asks the browser for the position once, puts it in the form's
// hidden field "blizu" and sends the form. The position goes only into this one search's address; Regija
// never stores it. Without this script (or without a location) the typed address works the same.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var field = document.getElementById("f-near");
  var form = document.getElementById("near-form");
  var status = document.getElementById("locate-status");
  if (!button || !field || !form || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.asking;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        field.value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        field.disabled = false;
        form.submit();
      },
      function () { status.textContent = button.dataset.denied; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
