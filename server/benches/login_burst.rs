//! Benchmark: memory and latency under a burst of sign-ups and log-ins, against the real
//! release binary in its own process (so its RSS is the server's alone), fresh SQLite file.
//! 1,000 sign-ups then 1,000 log-ins, 64 at a time, each from its own address (forwarded
//! through `SWITCHBOARD_TRUST_PROXY=true`, so the per-address limits don't hide the cost).
//! Prints status counts, log-in p50/p99 and the server's RSS (peak, after the burst, and after
//! it settles). Run after `bash .ci/build.sh`: `cargo bench -p switchboard --bench login_burst`
//! (env: BURST_USERS, BURST_CONCURRENCY, SWITCHBOARD_BIN).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env_or(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const ADDR: &str = "127.0.0.1:3193";

/// One form POST on a fresh connection; the status code (0 if the connection failed).
async fn post(path: &str, body: &str, forwarded_for: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(ADDR).await else { return 0 };
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {ADDR}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nX-Forwarded-For: {forwarded_for}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Sends `count` requests, `concurrency` at a time; returns each one's status and latency.
async fn burst(count: usize, concurrency: usize, request: fn(usize) -> (String, String)) -> Vec<(u16, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let workers = (0..concurrency).map(|_| {
        let next = Arc::clone(&next);
        tokio::spawn(async move {
            let mut results = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return results;
                }
                let (path, body) = request(i);
                let forwarded = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                let start = Instant::now();
                let status = post(&path, &body, &forwarded).await;
                results.push((status, start.elapsed()));
            }
        })
    });
    let mut all = Vec::with_capacity(count);
    for worker in workers.collect::<Vec<_>>() {
        all.extend(worker.await.expect("worker"));
    }
    all
}

fn status_counts(results: &[(u16, Duration)]) -> String {
    let mut counts = BTreeMap::new();
    for (status, _) in results {
        *counts.entry(*status).or_insert(0) += 1;
    }
    counts.iter().map(|(s, n)| format!("{s}×{n}")).collect::<Vec<_>>().join(" ")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn memory_mb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let users = env_or("BURST_USERS", 1000);
    let concurrency = env_or("BURST_CONCURRENCY", 64);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let bin = std::env::var("SWITCHBOARD_BIN").unwrap_or_else(|_| format!("{root}/target/release/switchboard"));
    let dir = std::env::temp_dir().join(format!("switchboard-burst-{}", std::process::id()));
    let mut server = std::process::Command::new(&bin)
        .env("SWITCHBOARD_ADDR", ADDR)
        .env("DATABASE_URL", format!("sqlite://{}/burst.db", dir.display()))
        .env("SWITCHBOARD_TRUST_PROXY", "true")
        .env("SWITCHBOARD_SITE_ROOT", format!("{root}/target/site"))
        .env("RUST_LOG", "error")
        .spawn()
        .unwrap_or_else(|e| panic!("start {bin} (run bash .ci/build.sh first): {e}"));
    let pid = server.id();
    let started = Instant::now();
    while TcpStream::connect(ADDR).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let idle = memory_mb(pid, "VmRSS:");

    let sign_ups = burst(users, concurrency, |i| {
        (
            "/api/auth/sign-up".into(),
            format!("name=User+{i}&email=user{i}%40example.com&password=correct+horse+battery"),
        )
    })
    .await;
    let log_ins = burst(users, concurrency, |i| {
        ("/api/auth/log-in".into(), format!("email=user{i}%40example.com&password=correct+horse+battery"))
    })
    .await;
    let after = memory_mb(pid, "VmRSS:");
    let peak = memory_mb(pid, "VmHWM:");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = memory_mb(pid, "VmRSS:");
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mut latencies: Vec<Duration> = log_ins.iter().filter(|(s, _)| *s == 200).map(|(_, d)| *d).collect();
    latencies.sort();
    let all: Vec<_> = sign_ups.iter().chain(&log_ins).collect();
    let ok = all.iter().filter(|(s, _)| *s == 200).count();
    let bad_5xx = all.iter().filter(|(s, _)| *s >= 500 && *s != 503).count();
    println!("login_burst: {users} sign-ups + {users} log-ins, {concurrency} at a time, one address each (SQLite)");
    println!("login_burst: sign-up statuses {}", status_counts(&sign_ups));
    println!("login_burst: log-in statuses  {}", status_counts(&log_ins));
    println!("login_burst: {:.1}% answered 200, {bad_5xx} 5xx other than 503", 100.0 * ok as f64 / all.len() as f64);
    if !latencies.is_empty() {
        println!(
            "login_burst: log-in p50 {:.0} ms, p99 {:.0} ms",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99)
        );
    }
    println!(
        "login_burst: server RSS idle {idle} MB, peak {peak} MB, after the burst {after} MB, 3 s later {settled} MB"
    );
}
