//! Work split over the machine's cores: how many threads one large
//! computation uses, and its parts mapped on scoped threads.

/// Threads for one large computation: the machine's cores, at most 4.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// `f` of `items` cut into at most `threads` runs of about equal length, each on
/// its own thread when there are several; one call over all the items
/// (even none) otherwise. Results in the items' order.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 2 {
        return vec![f(items)];
    }
    map_parts(items.chunks(items.len().div_ceil(threads)), f)
}

/// `f` of each part, each on its own scoped thread; results in the parts'
/// order. A panic in a part goes on in the caller.
pub fn map_parts<'a, T: Sync + 'a, R: Send>(
    parts: impl Iterator<Item = &'a [T]>,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = parts.map(|part| s.spawn(move || f(part))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_their_order_and_cover_every_item() {
        let items: Vec<u32> = (0..1001).collect();
        for threads in [0, 1, 2, 3, 4, 7] {
            let parts = map_chunks(&items, threads, <[u32]>::to_vec);
            assert_eq!(parts.len(), threads.clamp(1, 7), "{threads}");
            assert_eq!(parts.concat(), items, "{threads}");
        }
        assert_eq!(map_chunks(&[] as &[u32], 4, <[u32]>::len), vec![0]);
        assert_eq!(map_chunks(&[5u32], 4, <[u32]>::to_vec), vec![vec![5]]);
    }
}
