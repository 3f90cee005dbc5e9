//! Where a session keeps an unfinished line: the first read's worth on the heap, free of
//! charge; past that in an anonymous memory mapping of its own, charged to the server's
//! [`InputBudget`] by its size.
//!
//! A mapping rather than a heap block because the memory must go back to the system when the
//! line ends or its client leaves. Unmapping returns it at once; mimalloc keeps freed blocks
//! until a later page free in the same process runs its purge, so after 4,000 clients with
//! 60 KiB lines had left, RSS stayed 33 MiB up (`bench/input-memory -- --max-input-memory
//! 16MiB`; back to +0.4 MiB with `MIMALLOC_PURGE_DELAY=0`). Only the pages a line has touched
//! are resident, so a mapping is also sized to fit. Lines this long are rare (a name is a few
//! bytes), so the `mmap` and `munmap` per growth cost nothing that the benchmarks see.

use super::InputBudget;
use memmap2::MmapMut;

/// The bytes of a line whose `\n` has not arrived yet.
#[derive(Debug)]
pub(super) enum Partial {
    /// Up to one read's worth (or any amount, in a session never asked to make room).
    Heap(Vec<u8>),
    /// A longer line: `len` bytes used of a mapping charged to the budget by its length.
    Mapped { map: MmapMut, len: usize },
}

impl Partial {
    /// No line: nothing allocated.
    pub(super) const fn new() -> Self {
        Partial::Heap(Vec::new())
    }

    pub(super) fn as_slice(&self) -> &[u8] {
        match self {
            Partial::Heap(bytes) => bytes,
            Partial::Mapped { map, len } => &map[..*len],
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// How many bytes fit without growing.
    pub(super) fn capacity(&self) -> usize {
        match self {
            Partial::Heap(bytes) => bytes.capacity(),
            Partial::Mapped { map, .. } => map.len(),
        }
    }

    /// The bytes charged to the budget.
    pub(super) fn charged(&self) -> usize {
        match self {
            Partial::Heap(_) => 0,
            Partial::Mapped { map, .. } => map.len(),
        }
    }

    /// Appends `bytes`. A mapped line without room for them (only in a session fed without
    /// making room first) moves back to the heap and gives its charge back.
    pub(super) fn extend(&mut self, bytes: &[u8], budget: &InputBudget) {
        match self {
            Partial::Heap(held) => held.extend_from_slice(bytes),
            Partial::Mapped { map, len } if map.len() - *len >= bytes.len() => {
                map[*len..*len + bytes.len()].copy_from_slice(bytes);
                *len += bytes.len();
            }
            Partial::Mapped { .. } => {
                let held = [self.as_slice(), bytes].concat();
                self.release(budget);
                *self = Partial::Heap(held);
            }
        }
    }

    /// Moves the line into a mapping of `size` bytes (more than it holds), charged to
    /// `budget`; `false`, and nothing changed, if the budget or the system cannot give it.
    pub(super) fn grow(&mut self, size: usize, budget: &InputBudget) -> bool {
        let more = size.saturating_sub(self.charged());
        if !budget.take(more) {
            return false;
        }
        let Ok(mut map) = MmapMut::map_anon(size) else {
            budget.give_back(more);
            return false;
        };
        let len = self.as_slice().len();
        map[..len].copy_from_slice(self.as_slice());
        // The old buffer or mapping is freed here; its charge is part of the new one's.
        *self = Partial::Mapped { map, len };
        true
    }

    /// Frees the line and gives its charge back.
    pub(super) fn release(&mut self, budget: &InputBudget) {
        budget.give_back(self.charged());
        *self = Partial::new();
    }
}
