# The tutorial's server (../shared/seed), transcribed unchanged but for one thing: the port
# comes from argv (default 9999, as in the tutorial; 0 lets the OS choose, and the chosen port
# is printed) so that tests never collide on a fixed port.
import socket, sys, threading, time

def tcplink(sock, addr):
    print('Accept new connection from %s:%s...' % addr)
    sock.send(b'Welcome!')
    while True:
        data = sock.recv(1024)
        time.sleep(1)
        if not data or data.decode('utf-8') == 'exit':
            break
        sock.send(('Hello, %s!' % data.decode('utf-8')).encode('utf-8'))
    sock.close()
    print('Connection from %s:%s closed.' % addr)

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 9999))
s.listen(5)
print('Waiting for connection on port %d...' % s.getsockname()[1], flush=True)
while True:
    sock, addr = s.accept()
    t = threading.Thread(target=tcplink, args=(sock, addr))
    t.start()
