// QR decoding: the browser's BarcodeDetector where it exists (Android Chrome), else the
// bundled decoder (vendor/qr-worker.js, a jsQR build) in a worker, loaded on first use.
let detector = null;
let worker = null;
let nextId = 0;
const waiting = new Map();

async function useDetector() {
  if (detector !== null) return detector;
  detector = false;
  if ("BarcodeDetector" in globalThis) {
    try {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) detector = new BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      detector = false;
    }
  }
  return detector;
}

async function useWorker(url) {
  if (!worker) {
    const { createWorker } = await import(url);
    worker = createWorker();
    worker.onmessage = (event) => {
      const done = waiting.get(event.data.id);
      if (done) {
        waiting.delete(event.data.id);
        done(event.data.data || null);
      }
    };
    worker.postMessage({ id: nextId++, type: "inversionMode", data: "both" });
  }
  return worker;
}

/** Text of the QR code in `source` (a canvas), or null. */
export async function decodeCanvas(canvas, workerUrl) {
  const det = await useDetector();
  if (det) {
    const found = await det.detect(canvas);
    return found.length ? found[0].rawValue : null;
  }
  const w = await useWorker(workerUrl);
  const image = canvas.getContext("2d", { willReadFrequently: true })
    .getImageData(0, 0, canvas.width, canvas.height);
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    w.postMessage({ id, type: "decode", data: image }, [image.data.buffer]);
  });
}

/** Draws `source` (video, ImageBitmap) into `canvas`, at most `max` pixels wide. */
export function draw(source, canvas, max = 800) {
  const width = source.videoWidth || source.width;
  const height = source.videoHeight || source.height;
  const scale = Math.min(1, max / width);
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d", { willReadFrequently: true }).drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}
