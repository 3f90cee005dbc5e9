//! Benchmark peer: the hello server as people write it with tokio, tokio-util's `LinesCodec`
//! in a `Framed`, and `SinkExt::send` per reply. Not tuned: it is the baseline a plain tokio
//! server gives. Usage: `cargo run --release --example peer-tokio-lines -- PORT`.

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LinesCodec};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(9999);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A client that misbehaves only ends its own connection.
            let _ = serve(stream).await;
        });
    }
}

async fn serve(stream: TcpStream) -> Result<(), tokio_util::codec::LinesCodecError> {
    stream.set_nodelay(true)?;
    let mut lines = Framed::new(stream, LinesCodec::new());
    lines.send("Welcome!").await?;
    while let Some(line) = lines.next().await {
        let name = line?;
        if name == "exit" {
            break;
        }
        lines.send(format!("Hello, {name}!")).await?;
    }
    Ok(())
}
