// Draws the projects that have a location on a Leaflet map. The page lists the same places beside the
// map, so nothing depends on this script; it only adds the map.
//
// Leaflet (about 160 KB) is loaded by this script, only when the map is drawn: at once where the page
// leads with the map (data-load="now": the start page, the project list's map view), or when the
// visitor presses "Show the map" (data-load="ask": the project list). The map is unhidden before
// Leaflet measures it, so the points are fitted into the box the visitor sees. When the base map's
// tiles cannot be loaded, a note in the page says so and the points are shown without it.
//
// A point may carry "lines" (the city-data pages: its latest values), shown in its popup. A map with
// data-feed (a JSON address) asks it again every data-every seconds while the tab is visible and moves
// the new values into the popups and into the page's table (rows data-entity, cells data-value /
// data-observed): the table in the HTML stays the page's content; this only keeps it current.
(function () {
  "use strict";
  var holder = document.getElementById("map");
  var data = document.getElementById("map-data");
  if (!holder || !data) return;
  var note = document.getElementById("map-note");
  var points = JSON.parse(data.textContent);
  var markers = {};

  var leaflet = null;
  function loadLeaflet() {
    if (leaflet) return leaflet;
    leaflet = new Promise(function (resolve, reject) {
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
    return leaflet;
  }

  function showNote(text) {
    if (!note) return;
    if (text) note.textContent = text;
    note.hidden = false;
  }

  function popup(p, name) {
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = name;
    var box = document.createElement("div");
    box.appendChild(link);
    (p.lines || []).forEach(function (text) {
      var line = document.createElement("p");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function refresh() {
    if (document.visibilityState !== "visible") return;
    fetch(holder.dataset.feed, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (feed) {
        if (!feed) return;
        feed.entities.forEach(function (e) {
          var marker = markers[e.id];
          if (marker && e.lat !== null) {
            marker.setLatLng([e.lat, e.lon]);
            marker.setPopupContent(popup(e, e.title));
          }
          var row = document.querySelector('tr[data-entity="' + CSS.escape(e.id) + '"]');
          if (!row) return;
          e.values.forEach(function (value, i) {
            var cell = row.querySelector('[data-value="' + i + '"]');
            if (cell) cell.textContent = value;
          });
          var observed = row.querySelector("[data-observed]");
          if (observed) observed.textContent = e.observed;
        });
        var status = document.getElementById("feed-status");
        if (status) status.textContent = holder.dataset.updatedLabel + ": " + feed.updated;
      })
      .catch(function () { /* the next round tries again; the page keeps what it shows */ });
  }

  function follow() {
    if (!holder.dataset.feed) return;
    var every = Math.max(5, parseInt(holder.dataset.every, 10) || 30) * 1000;
    window.setInterval(refresh, every);
    document.addEventListener("visibilitychange", refresh); // at once when the tab is shown again
  }

  function draw() {
    holder.hidden = false; // before Leaflet measures the box: a hidden box is 0 × 0
    var frame = holder.closest(".regija-map");
    if (frame) frame.classList.add("regija-map--drawn");
    // The marker images by the addresses the page gives: collected static files have hashed names,
    // which Leaflet's own guess (from its stylesheet) does not find.
    if (holder.dataset.markerIcon) {
      L.Icon.Default.imagePath = "";
      L.Icon.Default.mergeOptions({
        iconUrl: holder.dataset.markerIcon,
        iconRetinaUrl: holder.dataset.markerIcon2x,
        shadowUrl: holder.dataset.markerShadow,
      });
    }
    var map = L.map(holder, { scrollWheelZoom: false });
    var tiles = L.tileLayer(holder.dataset.tiles, { maxZoom: 18, attribution: holder.dataset.attribution });
    tiles.on("tileerror", function () { showNote(); });
    tiles.addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var name = p.code ? p.code + " " + p.title : p.title;
      var marker = L.marker([p.lat, p.lon], { title: p.title, alt: name }).addTo(map);
      var box = popup(p, name);
      if (p.approximate) {
        var place = document.createElement("p");
        place.textContent = holder.dataset.approximate + ": " + p.municipality;
        box.appendChild(place);
      }
      marker.bindPopup(box);
      if (p.id) markers[p.id] = marker;
      bounds.push([p.lat, p.lon]);
    });
    map.invalidateSize();
    // room above each point for its pin (41 px tall) and for the zoom buttons at the top left
    if (bounds.length) map.fitBounds(bounds, { paddingTopLeft: [50, 50], paddingBottomRight: [20, 20], maxZoom: 13 });
    else map.setView([46.12, 14.82], 8);
    holder.dataset.drawn = "true";
    return map;
  }

  function failed() {
    holder.hidden = true;
    showNote(holder.dataset.failed);
  }

  if (holder.dataset.load === "ask") {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary regija-map__show";
    button.textContent = holder.dataset.showLabel;
    button.setAttribute("aria-controls", "map");
    button.addEventListener("click", function () {
      button.disabled = true;
      loadLeaflet().then(function () {
        button.remove();
        draw();
        holder.focus();
      }, function () {
        button.remove();
        failed();
      });
    });
    holder.parentNode.insertBefore(button, holder);
  } else {
    loadLeaflet().then(function () { draw(); follow(); }, function () { failed(); follow(); });
  }
})();
