"""Real servers on 127.0.0.1 for the network tests; a QEMU guest on user
networking reaches them at 10.0.2.2. HTTP and HTTPS (python's http.server,
plus /cut/NAME, which promises the whole file, sends half and hangs up, and
/slow/NAME, which sends it slowly), NFS (nfs-ganesha), FTP
(pyftpdlib, Debian's python3-pyftpdlib), and a test CA for HTTPS."""
import http.server
import os
import socket
import ssl
import subprocess
import threading

GUEST_HOST_IP = "10.0.2.2"  # the host, as QEMU's user network shows it to the guest
HTTPS_NAME = "kboot-test.example"  # mbedTLS checks a name, not a bare IP


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/slow/"):
            return self._slow()
        if not self.path.startswith("/cut/"):
            return super().do_GET()
        path = os.path.join(self.directory, os.path.basename(self.path))
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


    SLOW_CHUNK = 32 * 1024
    SLOW_PAUSE_S = 0.1  # about 320 KiB/s: long enough to watch and cancel

    def _slow(self):
        """/slow/NAME: the whole file, slowly (progress lines, cancel)."""
        import time
        path = os.path.join(self.directory, os.path.basename(self.path))
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for off in range(0, len(data), self.SLOW_CHUNK):
                self.wfile.write(data[off:off + self.SLOW_CHUNK])
                self.wfile.flush()
                time.sleep(self.SLOW_PAUSE_S)
        except OSError:
            pass  # the client went away (cancelled)
        self.close_connection = True


class _Server:
    def __init__(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def http_server(directory, tls_cert=None, tls_key=None):
    """Serve directory on 127.0.0.1 (HTTPS when given a cert); .port, .stop()."""
    handler = lambda *a, **kw: _Handler(*a, directory=directory, **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return _Server(server)


def ftp_server(directory):
    """Anonymous, read-only FTP of directory on 127.0.0.1; .port, .stop()."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(directory, perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)

    class _Ftp:
        port = server.address[1]

        def __init__(self):
            self.thread = threading.Thread(target=server.serve_forever,
                                           kwargs={"handle_exit": False}, daemon=True)
            self.thread.start()

        def stop(self):
            server.close_all()
    return _Ftp()


def make_test_ca(directory, name=HTTPS_NAME):
    """A CA and a server certificate for name; returns (ca, cert, key) paths."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=kboot test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", f"/CN={name}")
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    return tuple(os.path.join(directory, f) for f in ("ca.crt", "server.crt", "server.key"))


NFS_PORT = 2049  # the guest's kernel asks 10.0.2.2:2049; kboot paths carry no port

GANESHA_CONF = """NFS_CORE_PARAM {{
    NFS_Port = {port};
    Bind_Addr = 127.0.0.1;
    Protocols = 4;          # NFSv3 makes ganesha register with rpcbind, see nfs_server
    Enable_NLM = false;
    Enable_RQUOTA = false;
}}
NFSV4 {{ Graceless = true; }}
NFS_KRB5 {{ Active_krb5 = false; }}
EXPORT {{
    Export_Id = 1;
    Path = {directory};
    Pseudo = {pseudo};
    Access_Type = RO;
    Squash = No_Root_Squash;
    Protocols = 4;
    Transports = TCP;
    SecType = sys;
    FSAL {{ Name = VFS; }}
}}
"""


def nfs_server(directory, workdir, pseudo="/export", port=NFS_PORT, timeout=30):
    """nfs-ganesha (Debian's nfs-ganesha, nfs-ganesha-vfs) exporting directory
    read-only as pseudo on 127.0.0.1:port, NFSv4 only: with v3 on, ganesha
    must register with rpcbind, and Debian's rpcbind crashes when told to
    listen on 127.0.0.1 only (-h: "double free"). .log, .stop()."""
    import shutil
    import time
    ganesha = shutil.which("ganesha.nfsd") or "/usr/bin/ganesha.nfsd"
    if not os.path.exists(ganesha):
        raise RuntimeError("ganesha.nfsd is missing: install nfs-ganesha nfs-ganesha-vfs")
    conf = os.path.join(workdir, "ganesha.conf")
    log = os.path.join(workdir, "ganesha.log")
    with open(conf, "w") as f:
        f.write(GANESHA_CONF.format(port=port, directory=directory, pseudo=pseudo))
    proc = subprocess.Popen([ganesha, "-F", "-f", conf, "-L", log, "-N", "NIV_EVENT",
                             "-p", os.path.join(workdir, "ganesha.pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    class _Nfs:
        def stop(self):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    server = _Nfs()
    server.log = log
    deadline = time.monotonic() + timeout
    while True:  # ganesha listens once its exports are ready
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                with open(log, errors="replace") as f:
                    raise RuntimeError(f"ganesha did not start on port {port}:\n{f.read()[-2000:]}")
            time.sleep(0.2)
