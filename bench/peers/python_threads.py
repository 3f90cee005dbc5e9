"""Benchmark peer: the tutorial's own server, a thread per connection, with its sleep(1)
removed and its one-recv-one-message framing replaced by lines. Usage: python3 python_threads.py PORT
"""
import socket
import sys
import threading


def tcplink(sock, addr):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(b'Welcome!\n')
    with sock.makefile('rb') as lines:
        for line in lines:
            name = line.rstrip(b'\n')
            if name.endswith(b'\r'):
                name = name[:-1]
            if not line.endswith(b'\n') or name == b'exit':
                break
            sock.sendall(b'Hello, %s!\n' % name)
    sock.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 9999))
s.listen(1024)
while True:
    sock, addr = s.accept()
    t = threading.Thread(target=tcplink, args=(sock, addr), daemon=True)
    t.start()
