//! Owns moving bytes from a TCP socket into a file (a regular file, or a pipe such as
//! stdout's) without copying them through user space: splice(2) from the socket into a
//! pipe of our own, then from that pipe into the file.
//!
//! A plain-HTTP download read and written the ordinary way copies every byte twice, from
//! the socket into a buffer and from the buffer into the file's pages; spliced, the socket's
//! pages move into the pipe and only the copy into the file is left. That is most of what a
//! large `http://` download costs the client (docs/BENCHMARKS.md). curl has no such path.
//!
//! The caller decides when bytes may bypass it: only where it would have written them
//! unchanged (no content coding, no digest, no trace of the data).

use rustix::pipe::{fcntl_setpipe_size, pipe_with, splice, PipeFlags, SpliceFlags};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use tokio::io::Interest;
use tokio::net::TcpStream;

/// The pipe asked for: a megabyte moves in two system calls instead of thirty-two at the
/// default 64 KiB. The kernel may grant less (`/proc/sys/fs/pipe-max-size`, or a user's
/// pipe quota), and then the pipe keeps the size it has.
const PIPE_SIZE: usize = 1 << 20;

/// Which side of a move failed.
#[derive(Debug)]
pub enum Failed {
    /// Reading the socket.
    Recv(io::Error),
    /// Writing the file.
    Write(io::Error),
}

/// A pipe to splice through, made once per body.
pub struct Splicer {
    read: OwnedFd,
    write: OwnedFd,
    size: usize,
}

impl Splicer {
    /// A new pipe, as large as the kernel grants up to [`PIPE_SIZE`].
    pub fn new() -> io::Result<Self> {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC)?;
        let size = fcntl_setpipe_size(&write, PIPE_SIZE).unwrap_or(64 * 1024);
        Ok(Splicer { read, write, size })
    }

    /// The most one call moves.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Moves up to `most` bytes (at least 1) from `stream` into `file` at the file's
    /// offset; 0 when the peer closed. The pipe is empty again when this returns Ok: bytes
    /// the file refused to take by splice (a file system without it) are written the
    /// ordinary way, so nothing is lost in the pipe. There is no await between taking
    /// bytes from the socket and writing them, so a cancelled call loses none either.
    pub async fn move_into(
        &self,
        stream: &TcpStream,
        file: &File,
        most: usize,
    ) -> Result<usize, Failed> {
        let want = most.clamp(1, self.size);
        let moved = loop {
            stream.readable().await.map_err(Failed::Recv)?;
            let spliced = stream.try_io(Interest::READABLE, || {
                let flags = SpliceFlags::MOVE | SpliceFlags::NONBLOCK;
                Ok(splice(stream, None, &self.write, None, want, flags)?)
            });
            match spliced {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(Failed::Recv(e)),
            }
        };
        self.drain_into(file, moved).map_err(Failed::Write)?;
        Ok(moved)
    }

    /// Empties the `len` bytes in the pipe into `file`.
    fn drain_into(&self, file: &File, len: usize) -> io::Result<()> {
        let mut left = len;
        while left > 0 {
            match splice(&self.read, None, file, None, left, SpliceFlags::MOVE) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => left -= n,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return self.copy_into(file, left),
            }
        }
        Ok(())
    }

    /// Empties the `len` bytes in the pipe into `file` through a buffer.
    fn copy_into(&self, mut file: &File, mut len: usize) -> io::Result<()> {
        let mut pipe = File::from(self.read.try_clone()?);
        let mut chunk = vec![0u8; len.min(64 * 1024)];
        while len > 0 {
            let want = len.min(chunk.len());
            let n = pipe.read(&mut chunk[..want])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            file.write_all(&chunk[..n])?;
            len -= n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Bytes sent over loopback TCP arrive in the file whole and in order, across many
    /// calls (the pipe is smaller than the body), and the peer's close reads as 0.
    #[tokio::test]
    async fn a_socket_splices_into_a_file() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let body: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sent = body.clone();
        let server = tokio::spawn(async move {
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.write_all(&sent).await.unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let file = File::create(&path).unwrap();
        let splicer = Splicer::new().unwrap();
        let mut total = 0;
        loop {
            let n = splicer.move_into(&stream, &file, usize::MAX).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        server.await.unwrap();
        assert_eq!(total, body.len());
        assert_eq!(std::fs::read(&path).unwrap(), body);
    }

    /// Where the file refuses splice (opened for appending, which splice(2) does not
    /// write to), the bytes in the pipe are written the ordinary way: nothing is lost.
    #[tokio::test]
    async fn a_file_that_refuses_splice_still_gets_every_byte() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.write_all(b"0123456789").await.unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"kept:").unwrap();
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let splicer = Splicer::new().unwrap();
        let mut total = 0;
        while total < 10 {
            total += splicer.move_into(&stream, &file, 10 - total).await.unwrap();
        }
        server.await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept:0123456789");
    }
}
