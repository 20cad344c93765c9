// Regija's service worker: shows web-push messages and opens their link when clicked.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data ? event.data.text() : "Regija" }; }
  event.waitUntil(self.registration.showNotification(data.title || "Regija", {
    body: data.body || "", data: { url: data.url || "/obvestila/" }, requireInteraction: !!data.priority, tag: data.url,
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});
