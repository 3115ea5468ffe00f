// IndexedDB for the scanner: "kv" holds the session's data (key set, manifests, cursors),
// "queue" every scan and undo in the order they happened, until the server has them.
// Why IndexedDB and not localStorage: it survives a reload with no signal, holds more,
// and a write is a transaction (a scan is never half stored).
const DB_NAME = "safiri-scanner";
let opening = null;

function open() {
  opening = opening || new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("kv");
      req.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

async function run(storeName, mode, body) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = body(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const kvGet = (key) => run("kv", "readonly", (s) => s.get(key));
export const kvSet = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const queueAdd = (item) => run("queue", "readwrite", (s) => s.add(item));
export const queuePut = (item) => run("queue", "readwrite", (s) => s.put(item));
export const queueAll = () => run("queue", "readonly", (s) => s.getAll());
export const queueDelete = (seqs) => run("queue", "readwrite", (s) => seqs.forEach((seq) => s.delete(seq)));
export const clearAll = async () => {
  await run("kv", "readwrite", (s) => s.clear());
  await run("queue", "readwrite", (s) => s.clear());
};
