//! A hostile server that accepts and never answers: it reads and discards
//! whatever arrives and keeps the socket open until the client leaves or
//! the farm server stops. A scanner must time out on it, not hang.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

pub(crate) async fn serve(mut stream: TcpStream) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
    // The client closed its side: hold ours open until the stop signal
    // (the accept loop drops this future), like a wedged server would.
    std::future::pending::<()>().await;
}
