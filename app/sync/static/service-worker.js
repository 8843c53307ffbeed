/* Buurtpad's service worker. SETTINGS (above, from the server): the cache's name, the files
   kept for pages without a signal, the page shown then ("shell") and the paths it stands in
   for. Pages always come from the network first; only without a signal does the shell answer,
   and it draws the page from what the phone keeps. Nothing else is cached: answers carrying
   data are never kept here. */
"use strict";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SETTINGS.cache)
      .then((cache) => cache.addAll(SETTINGS.assets))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("buurtpad-") && name !== SETTINGS.cache)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

function standsIn(path) {
  return SETTINGS.pages.some((page) => page.endsWith("/") && page !== "/"
    ? path.startsWith(page) : path === page);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && standsIn(url.pathname)) {
    event.respondWith(
      fetch(request).catch(() => caches.open(SETTINGS.cache)
        .then((cache) => cache.match(SETTINGS.shell))
        .then((shell) => shell || Response.error()))
    );
    return;
  }
  if (SETTINGS.assets.includes(url.pathname)) {
    event.respondWith(
      caches.open(SETTINGS.cache)
        .then((cache) => cache.match(url.pathname))
        .then((kept) => kept || fetch(request))
    );
  }
});
