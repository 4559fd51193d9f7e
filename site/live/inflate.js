// Compressed runtime files, whatever the web server does. tools/bundle.py writes NAME.gz beside
// some files of site/vendor/pyodide/ (runtime.json lists them: the 9.6 MB WebAssembly binary
// moves as 3.5 MB). In the worker, fetch() of such a file fetches NAME.gz and inflates it with
// DecompressionStream, keeping streaming compilation and Subresource-Integrity checks. Browsers
// without DecompressionStream, or a missing .gz, fall back to the plain file.

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

export function inflateFetch(base, names) {
  if (typeof DecompressionStream !== "function" || !names || !names.length) return;
  const plain = self.fetch.bind(self);
  const wanted = new Set(names.map((n) => new URL(n, base).pathname));
  self.fetch = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input, self.location.href);
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
