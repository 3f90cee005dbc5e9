//! What an in-process server logs, caught so a test can wait for the event itself (a
//! connection's access line, written once its slot is given back and its close counted)
//! instead of polling for its effects.
//!
//! The catch is this thread's default subscriber: a `#[tokio::test]` on the current-thread
//! runtime polls the server's tasks on the test's own thread, so every event they log lands
//! here, and tests running beside it on other threads are not heard.

use super::WAIT;
use std::io;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;

/// The events logged on this thread since [`Events::catch`], one formatted line each.
pub struct Events {
    lines: UnboundedReceiver<String>,
    _caught: DefaultGuard,
}

impl Events {
    /// Catches every event of level DEBUG and above logged on this thread from now on,
    /// until the returned value is dropped.
    pub fn catch() -> Events {
        let (send, lines) = unbounded_channel();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(Lines(send))
            .finish();
        Events {
            lines,
            _caught: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Waits, within [`WAIT`], for the next event whose line holds `needle`, and returns it;
    /// the lines before it are passed over.
    pub async fn wait_for(&mut self, needle: &str) -> String {
        let found = async {
            while let Some(line) = self.lines.recv().await {
                if line.contains(needle) {
                    return line;
                }
            }
            unreachable!("the sender lives as long as the subscriber")
        };
        tokio::time::timeout(WAIT, found)
            .await
            .unwrap_or_else(|_| panic!("no event with {needle:?} within {WAIT:?}"))
    }

    /// Waits for the access line of the connection from `peer`: by then the server has
    /// given its slot back and counted its close.
    pub async fn wait_for_close(&mut self, peer: std::net::SocketAddr) -> String {
        self.wait_for(&format!("Connection from {peer} closed"))
            .await
    }
}

/// Sends each formatted event, which the fmt layer writes in one piece, as one line.
#[derive(Clone)]
struct Lines(UnboundedSender<String>);

impl io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The receiver is gone only once the test stopped listening.
        let _ = self.0.send(String::from_utf8_lossy(buf).into_owned());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Lines;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
