//! The thread pool datassay's parallel work runs on, safe across `fork()`.
//!
//! rayon's global pool is made once per process, and `fork()` copies only the calling thread:
//! in a forked child (a Python multiprocessing, Spark or Ray worker), that pool's threads stay
//! in the parent and a job sent to them waits forever. So every parallel step (each `par_iter`
//! and parallel sort) runs inside [`install`]:
//! - called on a rayon worker (of this pool, or of the caller's own pool, sized to the cores
//!   its scheduler grants): right there;
//! - otherwise: on this process's pool, made on first use (never at load time) with rayon's
//!   default size (`RAYON_NUM_THREADS`, else one thread a core). A forked child makes a pool of
//!   its own instead of sending work to its parent's threads.
//!
//! Steps are wrapped where they are, not whole commands: a step never waits on a thread outside
//! the pool, so the pool's workers cannot all end up waiting for work only they could do.

use std::sync::{Arc, Mutex};

static POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
/// Threads of the pool made next (0: rayon's default).
static SIZE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The pool of this process (made on first use; a forked child makes its own).
fn pool() -> Arc<rayon::ThreadPool> {
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|p| p.into_inner());
    match &*slot {
        Some((p, pool)) if *p == pid => return pool.clone(),
        // The parent's pool: its threads are not in this process, so it cannot be dropped
        // (that would wait for them); this copy of it is leaked.
        Some(_) => std::mem::forget(slot.take()),
        None => {}
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(SIZE.load(std::sync::atomic::Ordering::Relaxed))
            .thread_name(|i| format!("datassay-{i}"))
            .build()
            .expect("cannot start the worker threads"),
    );
    *slot = Some((pid, pool.clone()));
    pool
}

/// Run the parallel step `f` on datassay's worker threads (see the module documentation).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    pool().install(f)
}

/// Threads a parallel step gets where [`install`] runs it.
pub fn threads() -> usize {
    if rayon::current_thread_index().is_some() {
        return rayon::current_num_threads();
    }
    pool().current_num_threads()
}

/// Size this process's pool to `n` threads (0: rayon's default), as an engine that grants a
/// task some cores asks (a Spark task's `spark.task.cpus`, a Ray actor's `num_cpus`). Work
/// already running keeps the pool it started on; the next step gets the new one.
pub fn set_threads(n: usize) {
    let old = SIZE.swap(n, std::sync::atomic::Ordering::Relaxed);
    let mut slot = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((pid, pool)) = &*slot {
        let same = if n == 0 {
            old == 0
        } else {
            pool.current_num_threads() == n
        };
        if *pid == std::process::id() && same {
            return;
        }
        if *pid != std::process::id() {
            std::mem::forget(slot.take());
            return;
        }
    }
    *slot = None;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pool_takes_the_size_asked() {
        super::set_threads(3);
        assert_eq!(super::threads(), 3);
        super::set_threads(1);
        assert_eq!(super::threads(), 1);
        super::set_threads(0);
        assert!(super::threads() >= 1);
    }
}
