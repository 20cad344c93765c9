// The preferences page's "Allow push notifications": registers /sw.js, subscribes with the site's VAPID
// key and sends the subscription to the API (the session's CSRF token), which keeps it for this person.
const box = document.getElementById("push");
const say = (k) => {
  const m = box.querySelector(`#push-msgs`).content.querySelector(`[data-k="${k}"]`);
  box.querySelector("#push-state").textContent = m ? m.textContent : k;
};
const key = (b64) => {
  const s = (b64 + "=".repeat((4 - (b64.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
};
async function enable() {
  try {
    const reg = await navigator.serviceWorker.register(box.dataset.sw, { scope: "/" });
    if ((await Notification.requestPermission()) !== "granted") return say("denied");
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.dataset.key) });
    const json = sub.toJSON();
    const r = await fetch(box.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify({ endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth, user_agent: navigator.userAgent }),
    });
    say(r.ok ? "on" : "error");
  } catch (e) { say("error"); }
}
if (box) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) say("unsupported");
  else {
    const button = box.querySelector("#push-enable");
    button.hidden = false;
    button.addEventListener("click", enable);
  }
}
