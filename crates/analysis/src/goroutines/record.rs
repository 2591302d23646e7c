//! A goroutine's numbers, and the packed form they are kept in once it has ended. A big trace
//! has millions of goroutines: at 96 bytes each, their table was the largest allocation of the
//! analysis, and touching its pages for the first time took a fifth of the analysis's time.
//! Packed, times are offsets from the goroutine's creation and durations are `u32` ns; a
//! goroutine with a number that does not fit (4.29 s) keeps them all in a side table instead.

use gotv_decode::GoId;

use super::{Span, Sums};

/// A goroutine's numbers, as the pass adds them up while it lives.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Numbers {
    pub id: GoId,
    pub created: i64,
    /// 0: unset.
    pub start: i64,
    pub end: i64,
    pub sums: Sums,
    pub name: u32,
    pub named: Span,
}

/// [`Numbers`] in 56 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Packed {
    id: GoId,
    created: i64,
    /// Start and end as offsets from `created` plus one (0: unset), then the total, exec,
    /// scheduler wait, syscall and syscall block times. If `wide`, `n[0]` is instead the
    /// index of all of them in the side table.
    n: [u32; 7],
    name: u32,
    named_at: u32,
    named_block: u16,
    named_range: u8,
    wide: bool,
}

const _: () = assert!(std::mem::size_of::<Packed>() == 56);

/// The numbers of a goroutine that do not fit in a [`Packed`] record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Wide {
    start: i64,
    end: i64,
    sums: Sums,
    named: Span,
}

/// A time as an offset from `created` plus one, 0 staying "unset".
fn offset(t: i64, created: i64) -> Option<u32> {
    if t == 0 {
        return Some(0);
    }
    t.checked_sub(created).and_then(|d| u32::try_from(d).ok()).and_then(|d| d.checked_add(1))
}

fn time(offset: u32, created: i64) -> i64 {
    if offset == 0 {
        0
    } else {
        created + i64::from(offset - 1)
    }
}

impl Packed {
    pub fn id(&self) -> GoId {
        self.id
    }

    /// Its name's index.
    pub fn name(&self) -> u32 {
        self.name
    }

    pub fn unpack(&self, wides: &[Wide]) -> Numbers {
        let (id, created, name) = (self.id, self.created, self.name);
        if self.wide {
            let w = &wides[self.n[0] as usize];
            return Numbers { id, created, start: w.start, end: w.end, sums: w.sums, name, named: w.named };
        }
        let [start, end, total, exec, sched_wait, syscall, syscall_block] = self.n;
        let d = i64::from;
        Numbers {
            id,
            created,
            start: time(start, created),
            end: time(end, created),
            sums: Sums {
                exec: d(exec),
                sched_wait: d(sched_wait),
                syscall: d(syscall),
                syscall_block: d(syscall_block),
                total: d(total),
            },
            name,
            named: Span { at: self.named_at, block: u32::from(self.named_block), range: u32::from(self.named_range) },
        }
    }

    /// Replaces the record with `g`'s numbers (reusing its row of `wides`, if it had one).
    pub fn store(&mut self, g: &Numbers, wides: &mut Vec<Wide>) {
        let s = &g.sums;
        let dur = |v: i64| u32::try_from(v).ok();
        let narrow = (|| {
            let n = [
                offset(g.start, g.created)?,
                offset(g.end, g.created)?,
                dur(s.total)?,
                dur(s.exec)?,
                dur(s.sched_wait)?,
                dur(s.syscall)?,
                dur(s.syscall_block)?,
            ];
            Some((n, u16::try_from(g.named.block).ok()?, u8::try_from(g.named.range).ok()?))
        })();
        let row = self.wide.then_some(self.n[0]);
        let (n, named_block, named_range, wide) = match narrow {
            Some((n, block, range)) => (n, block, range, false),
            None => {
                let w = Wide { start: g.start, end: g.end, sums: g.sums, named: g.named };
                let at = match row {
                    Some(at) => {
                        wides[at as usize] = w;
                        at
                    }
                    None => {
                        wides.push(w);
                        wides.len() as u32 - 1
                    }
                };
                ([at, 0, 0, 0, 0, 0, 0], 0, 0, true)
            }
        };
        *self = Packed {
            id: g.id,
            created: g.created,
            n,
            name: g.name,
            named_at: g.named.at,
            named_block,
            named_range,
            wide,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(start: i64, end: i64, exec: i64, block: u32) -> Numbers {
        Numbers {
            id: 7,
            created: 1_000,
            start,
            end,
            sums: Sums { exec, sched_wait: 3, syscall: 0, syscall_block: 1, total: (end.max(start) - 1_000).max(0) },
            name: 2,
            named: Span { at: 40, block, range: 1 },
        }
    }

    fn same(a: &Numbers, b: &Numbers) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn numbers_that_fit_and_numbers_that_do_not_come_back_the_same() {
        let mut wides = Vec::new();
        let cases = [
            numbers(0, 0, 0, 0),
            numbers(1_000, 1_500, 400, 2),
            numbers(1_200, 0, 10, 0),
            // Too long a life, too much execution, too many block reasons, a start before the
            // creation (old traces' unset times): each goes to the side table.
            numbers(1_200, 10_000_000_000, 10, 0),
            numbers(1_200, 1_300, 5_000_000_000, 0),
            numbers(1_200, 1_300, 10, 70_000),
            numbers(500, 1_300, 10, 0),
        ];
        for g in &cases {
            let mut p = Packed::default();
            p.store(g, &mut wides);
            assert!(same(&p.unpack(&wides), g), "{g:?} came back as {:?}", p.unpack(&wides));
        }
        assert_eq!(wides.len(), 4);
        // Stored again, a record that was wide keeps its row.
        let mut p = Packed::default();
        p.store(&cases[3], &mut wides);
        p.store(&cases[4], &mut wides);
        p.store(&cases[1], &mut wides);
        assert!(same(&p.unpack(&wides), &cases[1]));
        assert_eq!(wides.len(), 5);
    }
}
