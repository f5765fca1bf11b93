"""What the benches that start their own nginx share (idle_memory.py, check_cpu.py): a CA made
for the run with a wildcard server certificate it issued (ECDSA P-256, as most TLS sites now
use), and the nginx. Every listen address is on loopback."""

import resource
import subprocess
import sys
import time


def make_certificates(work, domain):
    """ca.pem, and server.pem / server.key for *.DOMAIN, in `work`."""
    def run(*args):
        subprocess.run(args, check=True, cwd=work, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-days", "2", "-subj", f"/CN={domain} CA",
        "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    (work / "server.ext").write_text(f"subjectAltName=DNS:*.{domain}\n"
                                     "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("openssl", "req", *ec, "-subj", f"/CN={domain}", "-keyout", "server.key",
        "-out", "server.csr")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem")


def start_nginx(work, listens, worker_connections, probe_url, preexec_fn=None):
    """One nginx of our own (no master, one worker, daemon off: it dies with the bench) serving
    `work`/www over TLS on the `listens` (listen lines), keep-alive without limits; returns once
    `probe_url` answers."""
    (work / "tmp").mkdir(exist_ok=True)
    listen_lines = "\n".join(f"        listen {listen};" for listen in listens)
    (work / "nginx.conf").write_text(f"""
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile {resource.getrlimit(resource.RLIMIT_NOFILE)[1]};
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections {worker_connections}; }}
http {{
    root {work}/www;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    ssl_certificate {work}/server.pem;
    ssl_certificate_key {work}/server.key;
    ssl_session_cache shared:bench:10m;
    server {{
{listen_lines}
    }}
}}
""")
    nginx = subprocess.Popen(["nginx", "-p", str(work), "-c", str(work / "nginx.conf"),
                              "-e", str(work / "error.log")], preexec_fn=preexec_fn)
    deadline = time.monotonic() + 30
    while subprocess.run(["curl", "-skfo", "/dev/null", probe_url]).returncode != 0:
        if nginx.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"nginx did not start; see {work}/error.log")
        time.sleep(0.2)
    return nginx
