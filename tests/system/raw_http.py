"""HTTP/1.1 requests sent byte for byte: clients such as requests normalize
paths (dot segments, case of escapes) before sending, which would hide the
very forms the gate must refuse."""
import socket

WAIT_S = 10  # a bounded wait for the reply, not an assertion


class Reply:
    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), []).append(value.strip())

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None


def request(port, method, target, headers=None, body=b"", host="127.0.0.1", close=True):
    """One request on a new connection; the reply read until the server closes
    (Connection: close) or WAIT_S passes."""
    headers = dict(headers or {})
    headers.setdefault("Host", "%s:%d" % (host, port))
    if body:
        headers.setdefault("Content-Length", str(len(body)))
    if close:
        headers.setdefault("Connection", "close")
    text = "%s %s HTTP/1.1\r\n" % (method, target)
    text += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    with socket.create_connection((host, port), timeout=WAIT_S) as s:
        s.sendall(text.encode("latin-1") + body)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except socket.timeout:
            pass
    return Reply(b"".join(chunks))
