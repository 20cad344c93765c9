// The new report's map picker: a click on the map sets the latitude and longitude fields of the form
// (and a marker). The fields stay in the page and work without this script (typed, or an address);
// Leaflet is loaded only here, as regija/map.js loads it.
(function () {
  "use strict";
  var holder = document.getElementById("map"); // "map": the design system gives it its height
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  if (!holder || !lat || !lon) return;
  var status = document.getElementById("picker-status");
  var help = document.getElementById("picker-help");

  function load() {
    return new Promise(function (resolve, reject) {
      if (typeof window.L !== "undefined") return resolve();
      var pending = 2;
      function done() { if (--pending === 0) resolve(); }
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = holder.dataset.leafletCss;
      css.onload = done;
      css.onerror = reject;
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = holder.dataset.leafletJs;
      script.onload = done;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function draw() {
    holder.hidden = false;
    if (help) help.hidden = false;
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: holder.dataset.markerIcon,
      iconRetinaUrl: holder.dataset.markerIcon2x,
      shadowUrl: holder.dataset.markerShadow,
    });
    var map = L.map(holder, { scrollWheelZoom: false });
    L.tileLayer(holder.dataset.tiles, { maxZoom: 19, attribution: holder.dataset.attribution }).addTo(map);
    var b = holder.dataset.bounds.split(",").map(Number); // south, west, north, east
    var marker = null;
    function put(la, lo) {
      if (marker) marker.setLatLng([la, lo]);
      else marker = L.marker([la, lo], { keyboard: false }).addTo(map);
    }
    var given = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(given[0]) && isFinite(given[1])) {
      put(given[0], given[1]);
      map.setView(given, 17);
    } else {
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
    }
    map.on("click", function (e) {
      var la = e.latlng.lat.toFixed(6);
      var lo = e.latlng.lng.toFixed(6);
      lat.value = la;
      lon.value = lo;
      put(e.latlng.lat, e.latlng.lng);
      if (status) status.textContent = holder.dataset.set + " " + la + ", " + lo;
    });
    map.invalidateSize();
  }

  load().then(draw, function () { holder.hidden = true; });
})();
