/*
 * DataInsight's service worker: shows Web Push alerts ({ title, body, url, priority, tag }, see
 * src/notify/channels/web-push/web-push.ts) and opens the alert when the notification is clicked.
 */
self.addEventListener('push', (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = { title: 'DataInsight', body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(msg.title || 'DataInsight alert', {
      body: msg.body || '',
      tag: msg.tag,
      data: { url: msg.url || '/alerts' },
      // A critical alert stays on screen until someone acts on it.
      requireInteraction: msg.priority === 'critical',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/alerts';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      for (const c of list) if ('focus' in c) return c.navigate(url).then((w) => (w || c).focus());
      return self.clients.openWindow(url);
    }),
  );
});
