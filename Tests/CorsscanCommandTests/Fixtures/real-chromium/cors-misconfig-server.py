import http.server, socketserver, threading, sys, json
API = "http://127.0.0.1:8702"
PAGE = """<!doctype html><html><body><script>
const api = '%s';
const calls = [
 ['no-options', {method:'POST', headers:{'Content-Type':'application/json'}, body:'{}'}],
 ['no-acao', {}],
 ['mismatch', {}],
 ['multi', {}],
 ['wildcard-cred', {credentials:'include'}],
 ['hdr', {method:'POST', headers:{'Authorization':'Bearer x','Content-Type':'application/json'}, body:'{}'}],
 ['method', {method:'PUT', headers:{'Content-Type':'application/json'}, body:'{}'}],
 ['masked', {method:'POST', headers:{'Content-Type':'application/json'}, body:'{}'}],
 ['cred-no-acac', {credentials:'include'}],
 ['preflight-redirect', {method:'DELETE'}],
 ['invalid-acao', {}],
];
(async () => { for (const [p, o] of calls) { try { await fetch(api + '/prod/' + p, o); } catch (e) { console.log('caught', p, String(e)); } } document.title = 'done'; })();
</script></body></html>""" % API
class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = PAGE.encode(); self.send_response(200); self.send_header('Content-Type','text/html'); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
class Api(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *a): sys.stderr.write("API %s %s\n" % (self.command, self.path))
    def reply(self, status, headers, body=b'{"ok":true}'):
        self.send_response(status)
        for k, v in headers: self.send_header(k, v)
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_OPTIONS(self):
        p = self.path.split('/')[-1]
        o = [('Access-Control-Allow-Origin', 'http://127.0.0.1:8701')]
        if p == 'no-options': return self.reply(403, [('x-amzn-ErrorType','MissingAuthenticationTokenException')], b'{"message":"Missing Authentication Token"}')
        if p == 'hdr': return self.reply(204, o + [('Access-Control-Allow-Methods','POST'), ('Access-Control-Allow-Headers','Content-Type')], b'')
        if p == 'method': return self.reply(204, o + [('Access-Control-Allow-Methods','GET,POST'), ('Access-Control-Allow-Headers','Content-Type')], b'')
        if p == 'preflight-redirect': return self.reply(301, [('Location', 'http://127.0.0.1:8702/prod/x')], b'')
        return self.reply(204, o + [('Access-Control-Allow-Methods','GET,POST,PUT,DELETE'), ('Access-Control-Allow-Headers','Content-Type,Authorization')], b'')
    def get_or_post(self):
        p = self.path.split('/')[-1]
        n = int(self.headers.get('Content-Length') or 0)
        if n: self.rfile.read(n)
        o = [('Access-Control-Allow-Origin', 'http://127.0.0.1:8701')]
        if p == 'no-acao': return self.reply(200, [])
        if p == 'mismatch': return self.reply(200, [('Access-Control-Allow-Origin', 'https://app.example.com')])
        if p == 'multi': return self.reply(200, [('Access-Control-Allow-Origin', 'http://127.0.0.1:8701, *')])
        if p == 'wildcard-cred': return self.reply(200, [('Access-Control-Allow-Origin', '*')])
        if p == 'masked': return self.reply(401, [], b'{"message":"Unauthorized"}')
        if p == 'cred-no-acac': return self.reply(200, o)
        if p == 'invalid-acao': return self.reply(200, [('Access-Control-Allow-Origin', '127.0.0.1:8701')])
        return self.reply(200, o)
    do_GET = get_or_post; do_POST = get_or_post; do_PUT = get_or_post; do_DELETE = get_or_post
class T(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True; allow_reuse_address = True
a = T(('127.0.0.1', 8701), Page); b = T(('127.0.0.1', 8702), Api)
threading.Thread(target=a.serve_forever, daemon=True).start()
b.serve_forever()
