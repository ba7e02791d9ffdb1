// What a first visit really transfers, measured in Chromium: every response the page loads
// until it is hydrated (HTML, CSS, JS, the main wasm and the lazy chunks of the page in view),
// counted at its encoded size — brotli, as the server sends it to a browser.
// Usage: node first-load.js <base-url> <cookie-jar (curl format) or -> <label>=<path>...
// With FIRST_LOAD_NO_DICTIONARY=1, Chromium runs without Compression Dictionary Transport: what
// Firefox and Safari (and any proxy that drops the header) are sent.
const fs = require("fs");
const { chromium } = require("@playwright/test");

const [base, jar, ...pages] = process.argv.slice(2);
const kb = (b) => (b / 1024).toFixed(1) + " KB";

function cookiesFrom(file) {
  if (file === "-") return [];
  return fs.readFileSync(file, "utf8").split("\n")
    .map((line) => line.replace(/^#HttpOnly_/, ""))
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split("\t"))
    .map(([domain, , path, secure, , name, value]) => ({ name, value, domain, path, secure: secure === "TRUE" }));
}

(async () => {
  const args = process.env.FIRST_LOAD_NO_DICTIONARY === "1"
    ? ["--disable-features=CompressionDictionaryTransport,CompressionDictionaryTransportBackend"]
    : [];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args });
  for (const page_ of pages) {
    const cut = page_.indexOf("="); // the label ends at the first "=": paths have their own
    const [label, path] = [page_.slice(0, cut), page_.slice(cut + 1)];
    // A fresh context per page: nothing cached, as on a first visit.
    const context = await browser.newContext();
    await context.addCookies(cookiesFrom(jar));
    const page = await context.newPage();
    const requests = [];
    page.on("requestfinished", (request) => requests.push(request));
    await page.goto(base + path);
    await page.waitForSelector("body[data-hydrated]", { timeout: 30000 });
    await page.waitForLoadState("networkidle");
    const byKind = { html: 0, css: 0, js: 0, wasm: 0, other: 0 };
    let total = 0, chunks = 0;
    for (const request of requests) {
      const { responseBodySize } = await request.sizes();
      const url = new URL(request.url());
      if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/live")) continue; // data, not code
      const kind = request.resourceType() === "document" ? "html"
        : url.pathname.endsWith(".css") ? "css"
        : url.pathname.endsWith(".js") ? "js"
        : url.pathname.endsWith(".wasm") ? "wasm" : "other";
      if (kind === "wasm") chunks += 1;
      byKind[kind] += responseBodySize;
      total += responseBodySize;
    }
    console.log(`${label} first load: ${kb(total)} — HTML ${kb(byKind.html)}, CSS ${kb(byKind.css)}, ` +
      `JS ${kb(byKind.js)}, WASM ${kb(byKind.wasm)} in ${chunks} module${chunks === 1 ? "" : "s"}` +
      (byKind.other ? `, other ${kb(byKind.other)}` : ""));
    await context.close();
  }
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
