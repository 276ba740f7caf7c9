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
