// Safiri scanner service worker, version {{ version }}: the page and its files come from
// this cache, so the page opens with no signal. API calls always go to the network
// (the page keeps its own data in IndexedDB).
const CACHE = "safiri-scan-{{ version }}";
const FILES = {{ cached|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("safiri-scan-") && n !== CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const key = url.pathname === "/scan" ? "/scan" : url.pathname;
  if (!FILES.some((file) => file.split("?")[0] === key)) return;
  event.respondWith(
    caches.open(CACHE)
      .then((cache) => cache.match(key, { ignoreSearch: true }))
      .then((hit) => hit || fetch(event.request)),
  );
});
