//! A dropped connection is reported and retried, not a crash: the console
//! talks to PostgreSQL through a TCP proxy that the test kills and restarts.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support;

/// Forwards a local port to the database; `stop` cuts every connection and
/// refuses new ones until `start` again.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn new(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p = Proxy { addr: listener.local_addr().unwrap(), upstream, tasks: Arc::default() };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    async fn start(&self) {
        // The port may linger for a moment after the old listener closed.
        for _ in 0..50 {
            if let Ok(l) = TcpListener::bind(self.addr).await {
                self.serve(l);
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("could not listen on {} again", self.addr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_survives_a_dropped_connection_and_reconnects() {
    let t = support::seeded(4, support::tiny()).await;
    let opts = ragdesk::db::parse_url(&t.url).unwrap();
    let upstream: SocketAddr = format!("{}:{}", opts.get_host(), opts.get_port()).parse().unwrap();
    let proxy = Proxy::new(upstream).await;
    let proxied = format!("postgres://{}@{}/{}", opts.get_username(), proxy.addr, opts.get_database().unwrap());

    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("reconnect", &proxied, home.path());
    let wait = |what: &'static str, ok: fn(&str) -> bool| {
        let tmux = &tmux;
        tokio::task::block_in_place(|| tmux.wait_for(what, ok))
    };
    wait("tenants", |s| s.contains("1 of 2") && s.contains("●"));

    proxy.stop();
    tmux.keys(&["r"]);
    let down = wait("the offline notice", |s| s.contains("offline"));
    assert!(down.contains("retrying"), "{down}");
    // Still alive and responsive while offline.
    tmux.keys(&["?"]);
    wait("help while offline", |s| s.contains(" Help ") && s.contains("list keys"));
    tmux.keys(&["Escape"]);

    proxy.start().await;
    let back = wait("reconnection", |s| s.contains("●") && !s.contains("offline") && s.contains("1 of 2"));
    assert!(back.contains("Tenants"), "{back}");
    tmux.keys(&["q"]);
    wait("exit", |s| s.contains("RAGDESK_EXITED"));
}
