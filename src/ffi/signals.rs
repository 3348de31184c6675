//! Stop signals for programs built on the library (the `tccall-sandbox` binary): SIGINT
//! and SIGTERM set a flag the program polls, so it can stop cleanly (the sandbox removes its
//! CA file). Here because installing a handler is a call into the C library, and `ffi` is
//! the one module allowed `unsafe`.

use std::sync::atomic::{AtomicBool, Ordering};

static RECEIVED: AtomicBool = AtomicBool::new(false);

/// Installs the handlers (SIGINT, SIGTERM); elsewhere than Unix the defaults stay.
pub fn install() {
    #[cfg(unix)]
    {
        extern "C" fn on_signal(_signum: i32) {
            // A store to an atomic is all a signal handler may safely do.
            RECEIVED.store(true, Ordering::SeqCst);
        }
        extern "C" {
            fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
        }
        const SIGINT: i32 = 2;
        const SIGTERM: i32 = 15;
        for signum in [SIGINT, SIGTERM] {
            // SAFETY: `signal` from the C library, with a valid signal number and an
            // `extern "C"` handler that only stores to an atomic (async-signal-safe).
            unsafe { signal(signum, on_signal) };
        }
    }
}

/// Whether SIGINT or SIGTERM arrived since `install`.
pub fn received() -> bool {
    RECEIVED.load(Ordering::SeqCst)
}
