//! Test support for the app's and the server's tests: a fresh, migrated database per test.
//! Only ever a dev-dependency, so none of it ships in the release binary.
//! SQLite by default (a real file in a temp folder); Postgres when `SWITCHBOARD_TEST_POSTGRES`
//! names a server URL — each test then gets its own new database on it.
use app::server::Db;
use std::sync::atomic::{AtomicU64, Ordering};

pub const POSTGRES_ENV: &str = "SWITCHBOARD_TEST_POSTGRES";

/// A database for one test; dropped (best effort) when the value is dropped.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

/// `TEST_LOG=1` (or any `RUST_LOG`-style filter) shows the server's logs in a test run; silent
/// otherwise, so a failing test's output is its own.
pub fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(filter) = std::env::var("TEST_LOG").ok().filter(|v| !v.is_empty()) {
            let filter = if filter == "1" || filter == "true" { "info,sqlx=warn".to_string() } else { filter };
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

impl TestDb {
    pub async fn new() -> TestDb {
        init_test_log();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let unique =
            format!("{}_{}_{}", std::process::id(), app::server::db::now_ms(), COUNTER.fetch_add(1, Ordering::Relaxed));
        match std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty()) {
            Some(admin_url) => {
                let name = format!("sb_test_{unique}");
                let admin = Db::connect(&admin_url).await.expect("connect to the test Postgres server");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = replace_database(&admin_url, &name);
                let db = Db::connect(&url).await.expect("connect to test database");
                db.migrate().await.expect("migrate test database");
                TestDb { db, url, cleanup: Cleanup::Database { admin_url, name } }
            }
            None => {
                let dir = std::env::temp_dir().join("switchboard-tests");
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let path = dir.join(format!("{unique}.db"));
                let url = format!("sqlite://{}", path.display());
                let db = Db::connect(&url).await.expect("open test SQLite file");
                db.migrate().await.expect("migrate test database");
                TestDb { db, url, cleanup: Cleanup::File(path) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                // Drop runs outside async; do it on a short-lived thread with its own runtime.
                let (admin_url, name, db) = (admin_url.clone(), name.clone(), self.db.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                    if let Ok(rt) = rt {
                        rt.block_on(async move {
                            db.close().await;
                            if let Ok(admin) = Db::connect(&admin_url).await {
                                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                    .execute(admin.pool())
                                    .await;
                                admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(super::replace_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(super::replace_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(super::replace_database("postgres://h", "x"), "postgres://h/x");
    }
}
