// Draws the projects that have a location on a Leaflet map; the page lists them in a table as well.
(function () {
  var holder = document.getElementById("map");
  var data = document.getElementById("map-data");
  if (!holder || !data || typeof L === "undefined") return;
  var points = JSON.parse(data.textContent);
  var map = L.map(holder, { scrollWheelZoom: false });
  L.tileLayer(holder.dataset.tiles, { maxZoom: 18, attribution: holder.dataset.attribution }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.marker([p.lat, p.lon], { title: p.title, alt: p.title }).addTo(map);
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.code + " " + p.title;
    var box = document.createElement("div");
    box.appendChild(link);
    if (p.approximate) {
      var note = document.createElement("p");
      note.textContent = holder.dataset.approximate + ": " + p.municipality;
      box.appendChild(note);
    }
    marker.bindPopup(box);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
  else map.setView([46.12, 14.82], 8);
  holder.hidden = false;
})();
