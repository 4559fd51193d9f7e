// How the worker fetches the runtime's files (fetch() in the worker goes through here):
//
// - compressed files, whatever the web server does: tools/bundle.py writes NAME.gz beside some
//   files of site/vendor/pyodide/ (runtime.json lists them: the 9.6 MB WebAssembly binary moves as
//   3.5 MB); fetch() of such a file fetches NAME.gz and inflates it with DecompressionStream,
//   keeping streaming compilation. Without DecompressionStream, or without the .gz, the plain file.
// - prefetched files: the wheels are requested as soon as their names are known, while the runtime
//   starts, and handed to Pyodide's loadPackage when it asks (after the Subresource-Integrity
//   check it requests).

const TYPES = { wasm: "application/wasm", zip: "application/zip", whl: "application/zip", json: "application/json" };

function toBase64(buf) {
  let s = "";
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function checkIntegrity(buf, integrity) {
  const [algo, want] = integrity.split("-", 2);
  const name = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" }[algo];
  if (!name) return;
  const got = toBase64(await crypto.subtle.digest(name, buf));
  if (got !== want) throw new TypeError(`integrity check failed (${integrity})`);
}

const plain = self.fetch.bind(self);
const early = new Map(); // pathname -> Promise<ArrayBuffer>

// Start fetching files now; a later fetch() of the same URL gets the bytes.
export function prefetch(base, names) {
  for (const n of names || []) {
    const url = new URL(n, base);
    if (early.has(url.pathname)) continue;
    const p = plain(url.href, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error(`${url.pathname}: HTTP ${r.status}`);
      return r.arrayBuffer();
    });
    p.catch(() => {});
    early.set(url.pathname, p);
  }
}

async function fromEarly(url, init) {
  const got = early.get(url.pathname);
  early.delete(url.pathname); // served once: a retry fetches again
  let buf;
  try {
    buf = await got;
  } catch {
    return plain(url.href, init); // the early request failed: ask again, and report as usual
  }
  if (init && init.integrity) await checkIntegrity(buf, init.integrity);
  const ext = url.pathname.split(".").pop();
  return new Response(buf, { status: 200, headers: { "Content-Type": TYPES[ext] || "application/octet-stream" } });
}

export function inflateFetch(base, names) {
  const gz = typeof DecompressionStream === "function";
  const wanted = new Set((gz ? names || [] : []).map((n) => new URL(n, base).pathname));
  self.fetch = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input, self.location.href);
    if (url.origin === self.location.origin && early.has(url.pathname)) return fromEarly(url, init);
    if (url.origin !== self.location.origin || !wanted.has(url.pathname)) return plain(input, init);
    const gz = new URL(url);
    gz.pathname += ".gz";
    const r = await plain(gz.href, { credentials: "same-origin" });
    if (!r.ok) return plain(input, init);
    const ext = url.pathname.split(".").pop();
    const headers = { "Content-Type": TYPES[ext] || "application/octet-stream" };
    const body = r.body.pipeThrough(new DecompressionStream("gzip"));
    if (init && init.integrity) {
      const buf = await new Response(body).arrayBuffer();
      await checkIntegrity(buf, init.integrity);
      return new Response(buf, { status: 200, headers });
    }
    return new Response(body, { status: 200, headers });
  };
}
