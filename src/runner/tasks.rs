//! The task registry: every background task the console starts is owned
//! here under a key (`list:sessions`, `demo`, `preview`, `job:3`…). A new
//! task with the key of a running one supersedes it: the old one is told to
//! stop and, if it is inside a query, cancels that query on the server
//! (`pg_cancel_backend` on its own backend pid) before it lets go of the
//! connection, so superseded work never piles up on the server and a
//! connection never goes back to the pool with a query still running.
//!
//! Database tasks also share a concurrency limit, smaller than the pool,
//! so a burst of keys cannot take every connection; cancels and the health
//! ping go around it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::db::{Db, DbError};

/// How long a cancelled query may take to come back after its cancel
/// before its task gives up waiting (the connection is then closed, not
/// returned to the pool busy).
const CANCEL_GRACE: Duration = Duration::from_secs(3);

struct Entry {
    id: u64,
    cancel: CancellationToken,
    abort: AbortHandle,
    /// Backend pid of the connection the task holds, 0 when it holds none.
    pid: Arc<AtomicI32>,
}

/// What a running task can see: a description for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub key: String,
    pub backend_pid: Option<i32>,
}

#[derive(Clone)]
pub struct TaskRegistry {
    db: Db,
    tasks: Arc<Mutex<HashMap<String, Entry>>>,
    next_id: Arc<AtomicU64>,
    limit: Arc<Semaphore>,
}

impl TaskRegistry {
    /// `max_concurrent` database tasks at once (at least one).
    pub fn new(db: Db, max_concurrent: usize) -> TaskRegistry {
        TaskRegistry {
            db,
            tasks: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            limit: Arc::new(Semaphore::new(max_concurrent.max(1))),
        }
    }

    /// The concurrency limit that leaves room in a pool of `pool_size`
    /// connections for cancels, pings and a running ingest job.
    pub fn limit_for_pool(pool_size: u32) -> usize {
        (pool_size as usize).saturating_sub(2).max(1)
    }

    /// Starts `body` under `key`, after `delay` if given (a debounce: a
    /// newer task with the same key during the delay means this one never
    /// runs). A running task with the same key is superseded.
    pub fn spawn<F, Fut>(&self, key: impl Into<String>, delay: Option<Duration>, body: F)
    where
        F: FnOnce(TaskCtx) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let key = key.into();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        let pid = Arc::new(AtomicI32::new(0));
        let ctx = TaskCtx {
            key: key.clone(),
            cancel: cancel.clone(),
            pid: pid.clone(),
            db: self.db.clone(),
            limit: self.limit.clone(),
            stuck: Arc::default(),
        };
        let registry = self.clone();
        let task_key = key.clone();
        // Holding the map's lock across the spawn means the task cannot
        // finish (and deregister) before it is registered.
        let mut tasks = self.tasks.lock().expect("task registry lock");
        let handle = tokio::spawn(async move {
            let cancelled = ctx.cancel.clone();
            let run = async {
                if let Some(d) = delay {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = cancelled.cancelled() => return,
                    }
                }
                body(ctx).await;
            };
            run.await;
            registry.finished(&task_key, id);
        });
        if let Some(old) = tasks.insert(key, Entry { id, cancel, abort: handle.abort_handle(), pid }) {
            old.cancel.cancel();
        }
    }

    fn finished(&self, key: &str, id: u64) {
        let mut tasks = self.tasks.lock().expect("task registry lock");
        if tasks.get(key).is_some_and(|e| e.id == id) {
            tasks.remove(key);
        }
    }

    /// Tells the task under `key` to stop (its query is cancelled on the
    /// server). Returns whether there was one.
    pub fn cancel(&self, key: &str) -> bool {
        let tasks = self.tasks.lock().expect("task registry lock");
        match tasks.get(key) {
            Some(e) => {
                e.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops every task (quitting).
    pub fn cancel_all(&self) {
        for e in self.tasks.lock().expect("task registry lock").values() {
            e.cancel.cancel();
        }
    }

    /// Aborts every task outright: the last resort when they did not stop.
    pub fn abort_all(&self) {
        for e in self.tasks.lock().expect("task registry lock").drain().map(|(_, e)| e) {
            e.abort.abort();
        }
    }

    /// Waits until no task is left, up to `limit`; true if none is.
    pub async fn drained(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if self.tasks.lock().expect("task registry lock").is_empty() {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The tasks running now, by key.
    pub fn running(&self) -> Vec<TaskInfo> {
        let tasks = self.tasks.lock().expect("task registry lock");
        let mut v: Vec<TaskInfo> = tasks
            .iter()
            .map(|(k, e)| {
                let pid = e.pid.load(Ordering::SeqCst);
                TaskInfo { key: k.clone(), backend_pid: (pid != 0).then_some(pid) }
            })
            .collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }
}

/// Handed to a task's body: its cancel signal and its way to a connection.
pub struct TaskCtx {
    pub key: String,
    pub cancel: CancellationToken,
    pid: Arc<AtomicI32>,
    db: Db,
    limit: Arc<Semaphore>,
    /// Set when a cancelled query did not come back in time: its
    /// connection is then closed instead of going back to the pool busy.
    stuck: Arc<std::sync::atomic::AtomicBool>,
}

/// A connection held by a task, with its backend pid (known to the
/// registry while held).
pub struct TaskConn {
    pub conn: PoolConnection<Postgres>,
    pub pid: i32,
    slot: Arc<AtomicI32>,
    stuck: Arc<std::sync::atomic::AtomicBool>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Drop for TaskConn {
    fn drop(&mut self) {
        self.slot.store(0, Ordering::SeqCst);
        if self.stuck.load(Ordering::SeqCst) {
            self.conn.close_on_drop();
        }
    }
}

impl TaskCtx {
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// A connection for this task, within the concurrency limit. `Ok(None)`
    /// when the task was cancelled while waiting for one.
    pub async fn connect(&self) -> Result<Option<TaskConn>, DbError> {
        let permit = tokio::select! {
            p = self.limit.clone().acquire_owned() => p.expect("task semaphore is never closed"),
            _ = self.cancel.cancelled() => return Ok(None),
        };
        self.connect_with(Some(permit)).await
    }

    /// A connection outside the concurrency limit, for the health ping: it
    /// must get through when every permit is taken by slow queries.
    pub async fn connect_unlimited(&self) -> Result<Option<TaskConn>, DbError> {
        self.connect_with(None).await
    }

    async fn connect_with(&self, permit: Option<OwnedSemaphorePermit>) -> Result<Option<TaskConn>, DbError> {
        let mut conn = tokio::select! {
            c = self.db.acquire() => c?,
            _ = self.cancel.cancelled() => return Ok(None),
        };
        let (pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()").fetch_one(&mut *conn).await?;
        self.pid.store(pid, Ordering::SeqCst);
        Ok(Some(TaskConn { conn, pid, slot: self.pid.clone(), stuck: self.stuck.clone(), _permit: permit }))
    }

    /// Runs `work` (which uses the connection of backend `pid`) to its end,
    /// or until the task is cancelled: then the statement is cancelled on
    /// the server, `work` is given a moment to come back with that error,
    /// and `None` is returned (a superseded result is never reported).
    pub async fn until_cancelled<T>(&self, pid: i32, work: impl Future<Output = T>) -> Option<T> {
        tokio::pin!(work);
        tokio::select! {
            r = &mut work => Some(r),
            _ = self.cancel.cancelled() => {
                cancel_backend(&self.db.pool, pid).await;
                if tokio::time::timeout(CANCEL_GRACE, &mut work).await.is_err() {
                    self.stuck.store(true, Ordering::SeqCst);
                }
                None
            }
        }
    }
}

/// Asks the server to cancel what backend `pid` is running.
pub async fn cancel_backend(pool: &PgPool, pid: i32) {
    let res = tokio::time::timeout(
        CANCEL_GRACE,
        sqlx::query_scalar::<_, bool>("SELECT pg_cancel_backend($1)").bind(pid).fetch_one(pool),
    )
    .await;
    match res {
        Ok(Ok(_)) => tracing::debug!(pid, "cancelled a superseded query"),
        Ok(Err(e)) => tracing::warn!(pid, "could not cancel a superseded query: {e}"),
        Err(_) => tracing::warn!(pid, "timed out cancelling a superseded query"),
    }
}
