//! The Tokio peer of the benchmark suite: `tokio_server echo|http PORT THREADS`.
//!
//! THREADS = 1 runs Tokio's current-thread runtime (one thread accepts and serves, as one kio
//! worker does); more runs the multi-thread runtime with THREADS workers. One task per
//! connection, a 16 KiB read buffer, one write per read.
//!   echo: sends back exactly the bytes received, until the peer closes.
//!   http: answers every request (read up to its "\r\n\r\n"; GET, no body) with the fixed hello
//!         response, in order, pipelined requests included.
//! Prints "READY <port>" once it listens on 127.0.0.1:PORT; exits 0 on SIGTERM.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::exit;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, SignalKind};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!";
const BATCH: usize = 64;
const READ_BYTES: usize = 16 * 1024;

fn usage(problem: &str) -> ! {
    eprintln!("tokio_server: {problem}; usage: tokio_server echo|http PORT THREADS");
    exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        usage(&format!("expected 3 arguments, got {}", args.len()));
    }
    let http = match args[0].as_str() {
        "echo" => false,
        "http" => true,
        other => usage(&format!("MODE must be echo or http, got '{other}'")),
    };
    let port: u16 = args[1].parse().unwrap_or_else(|_| usage(&format!("PORT must be 0..65535, got '{}'", args[1])));
    let threads: usize = match args[2].parse() {
        Ok(n) if n >= 1 => n,
        _ => usage(&format!("THREADS must be at least 1, got '{}'", args[2])),
    };
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_io().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_io().build()
    }
    .unwrap_or_else(|e| {
        eprintln!("tokio_server: cannot start the runtime: {e}");
        exit(1)
    });
    runtime.block_on(serve(http, port));
}

async fn serve(http: bool, port: u16) {
    let mut term = signal(SignalKind::terminate()).unwrap_or_else(|e| {
        eprintln!("tokio_server: cannot handle SIGTERM: {e}");
        exit(1)
    });
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.unwrap_or_else(|e| {
        eprintln!("tokio_server: cannot listen on 127.0.0.1:{port}: {e}");
        exit(1)
    });
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("READY {bound}");
    std::io::stdout().flush().ok();
    tokio::spawn(accept(listener, http));
    term.recv().await;
    exit(0);
}

async fn accept(listener: TcpListener, http: bool) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                stream.set_nodelay(true).ok();
                tokio::spawn(connection(stream, http));
            }
            Err(e) => eprintln!("tokio_server: accept failed: {e}"),
        }
    }
}

/// Serves one connection until the peer closes it or it fails (a reset by the load generator).
async fn connection(mut stream: TcpStream, http: bool) {
    let responses = RESPONSE.repeat(BATCH);
    let mut buf = vec![0u8; READ_BYTES];
    let mut matched = 0u8;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if !http {
            if stream.write_all(&buf[..n]).await.is_err() {
                return;
            }
            continue;
        }
        let mut requests = 0usize;
        for &b in &buf[..n] {
            matched = match (b, matched) {
                (b'\r', 2) => 3,
                (b'\r', _) => 1,
                (b'\n', 1) => 2,
                (b'\n', 3) => {
                    requests += 1;
                    0
                }
                _ => 0,
            };
        }
        while requests > 0 {
            let batch = requests.min(BATCH);
            if stream.write_all(&responses[..batch * RESPONSE.len()]).await.is_err() {
                return;
            }
            requests -= batch;
        }
    }
}
