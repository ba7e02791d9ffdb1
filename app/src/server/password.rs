//! Argon2id password hashing on a fixed pool of worker threads with a bounded wait queue.
//!
//! Each hash touches 19 MiB. Run on tokio's blocking pool, a burst of log-ins spawned hundreds
//! of threads, each hashing at once and each leaving its memory in its own allocator arena:
//! gigabytes. Here at most `workers` hashes run at a time (about one per core — more would
//! only queue on the CPU), at most `queue` more wait, and past that the caller gets
//! `AppError::Overloaded` (503 with `Retry-After`) at once instead of waiting without limit.
use crate::domain::AppError;
use crate::domain::input::NewPassword;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// How long a refused client should wait before trying again.
const RETRY_AFTER_SECS: u64 = 2;

/// A fixed set of hashing threads fed by a bounded queue. Threads end when the pool is dropped.
#[derive(Clone)]
pub struct HashPool {
    jobs: SyncSender<Job>,
}

impl HashPool {
    pub fn new(workers: usize, queue: usize) -> HashPool {
        let (jobs, inbox) = sync_channel::<Job>(queue);
        let inbox = Arc::new(Mutex::new(inbox));
        for n in 0..workers.max(1) {
            let inbox = Arc::clone(&inbox);
            let spawned = std::thread::Builder::new().name(format!("password-{n}")).spawn(move || work(&inbox));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "could not start a password hashing thread");
            }
        }
        HashPool { jobs }
    }

    /// Runs `task` on a hashing thread; refuses at once when the queue is full.
    pub async fn run<T: Send + 'static>(&self, task: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(task());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("password hashing queue full: answering 503");
                return Err(AppError::Overloaded { retry_after_secs: RETRY_AFTER_SECS });
            }
            Err(TrySendError::Disconnected(_)) => return Err(internal("password hashing pool", "no workers")),
        }
        answer.await.map_err(|e| internal("password hashing task", e))
    }
}

fn work(inbox: &Mutex<Receiver<Job>>) {
    loop {
        // Hold the lock only to take a job, never while hashing.
        let job = match inbox.lock() {
            Ok(inbox) => inbox.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return, // the pool was dropped
        }
    }
}

static POOL: OnceLock<HashPool> = OnceLock::new();

/// Sizes the process-wide pool; call once at start-up, before the first hash. Later calls
/// (and use before any call) get the default: one worker per core, 64 waiting per worker.
pub fn configure(workers: usize, queue: usize) {
    let _ = POOL.set(HashPool::new(workers, queue));
}

fn pool() -> &'static HashPool {
    POOL.get_or_init(|| {
        let workers = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        HashPool::new(workers, workers * 64)
    })
}

pub async fn hash(password: NewPassword) -> Result<String, AppError> {
    pool().run(move || hash_blocking(password.expose())).await?
}

/// Verifies `password` against `stored`; with no stored hash (unknown email) it verifies
/// against a fixed dummy hash so both failures take the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    pool()
        .run(move || {
            let (hash, known) = match stored {
                Some(hash) => (hash, true),
                None => (dummy_hash().to_string(), false),
            };
            let parsed = PasswordHash::new(&hash).map_err(|e| internal("stored password hash", e))?;
            let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(known && matches)
        })
        .await?
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| internal("hashing a password", e))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a real password").unwrap_or_default())
}

fn internal(what: &str, err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "{what} failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash(NewPassword::parse("correct horse battery").unwrap()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(hash)).await.unwrap());
        assert!(!verify("not a real password".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_full_queue_refuses_at_once_and_recovers() {
        let pool = HashPool::new(1, 1);
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // One job runs (blocked on the gate), one waits in the queue: the pool is full.
        let running = {
            let (pool, gate) = (pool.clone(), Arc::clone(&gate));
            tokio::spawn(async move { pool.run(move || gate.lock().unwrap().recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = {
            let (pool, gate) = (pool.clone(), Arc::clone(&gate));
            tokio::spawn(async move { pool.run(move || gate.lock().unwrap().recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let refused = pool.run(|| true).await;
        assert_eq!(refused, Err(AppError::Overloaded { retry_after_secs: RETRY_AFTER_SECS }));
        assert_eq!(refused.unwrap_err().status(), 503);

        release.send(()).unwrap();
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(waiting.await.unwrap(), Ok(true));
        assert_eq!(pool.run(|| 7).await, Ok(7), "accepts work again once the queue drains");
    }
}
