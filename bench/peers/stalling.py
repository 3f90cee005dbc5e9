# Benchmark peer: a hello server (line framing, a thread per connection) that stalls for
# 200 ms once a second: during the first 200 ms of every second since it started, each reply
# waits for the stall to end. It shows coordinated omission: a closed-loop generator sees one
# slow reply per connection per stall, an open-loop one (`sockit bench --rate`) every message
# that fell due meanwhile (docs/BENCHMARKS.md).
# Usage: python3 stalling.py [PORT]   (default 9998; 0 picks one and prints it)
import socket, sys, threading, time

STALL = 0.2
EPOCH = time.monotonic()

def serve(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(b'Welcome!\n')
    for line in sock.makefile('rb'):
        name = line.rstrip(b'\n')
        if name == b'exit':
            break
        into_second = (time.monotonic() - EPOCH) % 1.0
        if into_second < STALL:
            time.sleep(STALL - into_second)
        sock.sendall(b'Hello, ' + name + b'!\n')
    sock.close()

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 9998))
listener.listen(128)
print('Waiting for connection on port %d...' % listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
