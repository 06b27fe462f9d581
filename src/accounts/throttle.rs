//! Failed sign-ins slow down, per username (known or not) and per client
//! address, with a delay that doubles with each failure and is capped, so
//! guessing is slow and a stranger can delay, but never lock out, an
//! official: after [`FREE_PER_USER`] failures for a username the next try
//! must wait 1 s, then 2, 4, ... up to [`MAX_USER_DELAY`] s; after
//! [`FREE_PER_ADDRESS`] failures from one address, the same up to
//! [`MAX_ADDRESS_DELAY`] s. A success clears the username's count; counts
//! are forgotten [`FORGET_AFTER`] after the last failure. Kept in memory per
//! instance (several instances each apply it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures per username before delays start.
pub const FREE_PER_USER: u32 = 3;
/// Failures per client address before delays start.
pub const FREE_PER_ADDRESS: u32 = 10;
/// Longest delay for one username, in seconds.
pub const MAX_USER_DELAY: u64 = 60;
/// Longest delay for one address, in seconds.
pub const MAX_ADDRESS_DELAY: u64 = 300;
/// Counts are forgotten this long after the last failure.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// The failure counts.
#[derive(Debug, Default)]
pub struct Throttle {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

fn delay(failures: u32, free: u32, max: u64) -> u64 {
    if failures < free {
        return 0;
    }
    1u64.checked_shl(failures - free)
        .unwrap_or(u64::MAX)
        .min(max)
}

impl Throttle {
    /// Seconds to wait before `username` may be tried from `address`
    /// (0: now).
    pub fn wait(&self, username: &str, address: &str) -> u64 {
        let now = Instant::now();
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let left = |key: String, free: u32, max: u64| match counts.get(&key) {
            Some((n, at)) if now.duration_since(*at) < FORGET_AFTER => {
                let d = Duration::from_secs(delay(*n, free, max));
                d.saturating_sub(now.duration_since(*at))
                    .as_secs_f64()
                    .ceil() as u64
            }
            _ => 0,
        };
        left(format!("u:{username}"), FREE_PER_USER, MAX_USER_DELAY).max(left(
            format!("a:{address}"),
            FREE_PER_ADDRESS,
            MAX_ADDRESS_DELAY,
        ))
    }

    /// Counts a failure.
    pub fn failed(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 100_000 {
            counts.retain(|_, (_, at)| now.duration_since(*at) < FORGET_AFTER);
        }
        for key in [format!("u:{username}"), format!("a:{address}")] {
            let e = counts.entry(key).or_insert((0, now));
            if now.duration_since(e.1) >= FORGET_AFTER {
                e.0 = 0;
            }
            *e = (e.0.saturating_add(1), now);
        }
    }

    /// Clears a username's count after a successful sign-in.
    pub fn succeeded(&self, username: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.remove(&format!("u:{username}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay(2, 3, 60), 0);
        assert_eq!(delay(3, 3, 60), 1);
        assert_eq!(delay(5, 3, 60), 4);
        assert_eq!(delay(40, 3, 60), 60);
        assert_eq!(delay(200, 10, 300), 300);
    }

    #[test]
    fn failures_delay_the_username_from_any_address_until_success() {
        let t = Throttle::default();
        for _ in 0..FREE_PER_USER {
            assert_eq!(t.wait("lan", "10.0.0.1"), 0);
            t.failed("lan", "10.0.0.1");
        }
        assert_eq!(t.wait("lan", "10.0.0.2"), 1, "the username, from anywhere");
        assert_eq!(t.wait("minh", "10.0.0.2"), 0, "other usernames are free");
        t.succeeded("lan");
        assert_eq!(t.wait("lan", "10.0.0.2"), 0);
    }
}
