"""Benchmark peer: the hello server as people write it with asyncio streams: readline, write,
drain. Usage: python3 python_asyncio.py PORT
"""
import asyncio
import sys


async def serve(reader, writer):
    writer.write(b'Welcome!\n')
    try:
        while True:
            line = await reader.readline()
            if not line.endswith(b'\n'):
                break
            name = line[:-1]
            if name.endswith(b'\r'):
                name = name[:-1]
            if name == b'exit':
                break
            writer.write(b'Hello, %s!\n' % name)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9999
    server = await asyncio.start_server(serve, '127.0.0.1', port, backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
