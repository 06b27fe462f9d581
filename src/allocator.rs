//! The allocator's one setting: memory it frees goes back to the system
//! at once.
//!
//! mimalloc (the binary's allocator, `main.rs`) gives freed pages back to
//! the system only some milliseconds after they were freed, and only when
//! the thread that freed them allocates or frees again. A service that
//! builds its reach index on one thread and then answers on others keeps
//! the build's freed memory (about 60 MB at national size) and each
//! large answer's: measured with `scripts/bench.sh --only attack` at
//! national size, 340 MB at rest and 515 MB at the peak of the attacks,
//! against 280 and 384 MB with the delay at 0 (BENCHMARKS.md).
//!
//! mimalloc reads its settings from the environment when the process
//! starts, and setting a variable from inside a running process is
//! `unsafe` (other threads may read the environment), which this crate
//! forbids. So `serve` starts itself again, once, with
//! `MIMALLOC_PURGE_DELAY=0` (the same process id, arguments and
//! environment otherwise); an operator who sets the variable keeps their
//! value.

use std::os::unix::process::CommandExt;

/// The variable mimalloc reads its purge delay from (milliseconds).
pub const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// Replaces the process by itself with `MIMALLOC_PURGE_DELAY=0` unless
/// the variable is set; returns only when it is set already, or when the
/// binary could not be started again (then the process goes on with the
/// allocator's default, and says so).
pub fn give_back_freed_memory_at_once() {
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    let mut args = std::env::args_os();
    let arg0 = args.next();
    let error = match std::env::current_exe() {
        Ok(exe) => {
            let mut cmd = std::process::Command::new(exe);
            if let Some(arg0) = arg0 {
                cmd.arg0(arg0);
            }
            cmd.args(args).env(PURGE_DELAY, "0").exec()
        }
        Err(e) => e,
    };
    log::warn!(
        "could not start again with {PURGE_DELAY}=0 ({error}): memory freed by the index build \
         and large answers stays with the process for longer; set {PURGE_DELAY}=0 to avoid this"
    );
}
