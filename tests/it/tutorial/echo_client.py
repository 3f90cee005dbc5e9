# The tutorial's client (../shared/seed), transcribed unchanged but for one thing: the port
# comes from argv (default 9999, as in the tutorial) so that tests can use an ephemeral port.
import socket, sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 9999))
print(s.recv(1024).decode('utf-8'))
for data in [b'Michael', b'Tracy', b'Sarah']:
    s.send(data)
    print(s.recv(1024).decode('utf-8'))
s.send(b'exit')
s.close()
