// A stand-in for a business's own website, on its own origin, with the chat snippet pasted
// in: GET /shop?widget=ID&switchboard=http://127.0.0.1:3107
const http = require('http');
const port = Number(process.argv[2] || 3109);
http
  .createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (url.pathname === '/healthz') return res.end('ok');
    const widget = (url.searchParams.get('widget') || '').replace(/[^0-9a-f]/g, '');
    const base = (url.searchParams.get('switchboard') || '').replace(/[^0-9a-z:/.]/gi, '');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html><head><title>Acme Shoes</title></head><body><h1>Acme Shoes</h1>
<script src="${base}/widget.js" data-widget="${widget}" async></script></body></html>`);
  })
  .listen(port, '127.0.0.1');
