//! The process-wide engine: one opened GPU with its compiled pipelines, created on first use
//! (never at load time) and shared by every pipeline and profiler of the process.

use super::context::{software_refused, GpuContext};
use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};

enum Slot {
    Empty,
    Open(Arc<GpuContext>),
    /// No adapter could be opened: the reason, and whether the only adapter is a software one
    /// (which `allow_software` may still open).
    Failed {
        message: String,
        software: bool,
        pid: u32,
    },
}

static ENGINE: Mutex<Slot> = Mutex::new(Slot::Empty);

/// The process's GPU, opened on first use and shared from then on. `allow_software` false
/// refuses a software adapter (the CPU twins are faster than it). A lost device is replaced by
/// a fresh one; a process started by `fork()` opens its own instead of reusing its parent's
/// (whose driver state belongs to the parent). A failure to open is remembered for the life of
/// the process, so a machine without a GPU pays for the probe once.
pub fn engine(allow_software: bool) -> Result<Arc<GpuContext>> {
    let mut slot = ENGINE.lock().unwrap_or_else(|p| p.into_inner());
    let pid = std::process::id();
    if let Slot::Open(ctx) = &*slot {
        // Runs pending callbacks, the device-lost one included (a lost device reports it on
        // the next poll).
        if ctx.pid == pid {
            let _ = ctx.device.poll(wgpu::PollType::Poll);
        }
    }
    match &*slot {
        Slot::Open(ctx) if ctx.pid != pid => {
            // The parent's device is not ours to drop: leak this copy of it.
            std::mem::forget(std::mem::replace(&mut *slot, Slot::Empty));
        }
        Slot::Open(ctx) if ctx.lost().is_some() => *slot = Slot::Empty,
        Slot::Open(ctx) if ctx.is_software() && !allow_software => {
            return Err(Error::Gpu(software_refused(&ctx.info)));
        }
        Slot::Open(ctx) => return Ok(ctx.clone()),
        Slot::Failed { pid: p, .. } if *p != pid => *slot = Slot::Empty,
        Slot::Failed { software, .. } if *software && allow_software => *slot = Slot::Empty,
        Slot::Failed { message, .. } => return Err(Error::Gpu(message.clone())),
        Slot::Empty => {}
    }
    match GpuContext::open(allow_software) {
        Ok(ctx) => {
            let ctx = Arc::new(ctx);
            *slot = Slot::Open(ctx.clone());
            Ok(ctx)
        }
        Err((e, software)) => {
            *slot = Slot::Failed {
                message: match &e {
                    Error::Gpu(m) => m.clone(),
                    other => other.to_string(),
                },
                software,
                pid,
            };
            Err(e)
        }
    }
}

/// Make `ctx` (typically [`GpuContext::from_device`] of the embedder's own device) the
/// process's engine: every pipeline from now on runs on it. Returns the shared handle.
pub fn install(ctx: GpuContext) -> Arc<GpuContext> {
    let ctx = Arc::new(ctx);
    *ENGINE.lock().unwrap_or_else(|p| p.into_inner()) = Slot::Open(ctx.clone());
    ctx
}
