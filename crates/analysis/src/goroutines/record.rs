//! A goroutine's numbers, and the packed form they are kept in once it has ended. A big trace
//! has millions of goroutines: at 96 bytes each, their table was the largest allocation of the
//! analysis, and touching its pages for the first time took a fifth of the analysis's time.
//! Packed, times are offsets from the goroutine's creation and durations are `u32` ns, and the
//! one or two named times most goroutines have (a block reason or two) are kept in the record,
//! not in the shared table, which held 5.4 M entries of 16 bytes on the 200 MB trace (134 MB as
//! it grew by doubling). A goroutine with a number that does not fit (4.29 s, an ID over `u32`,
//! more named times) keeps them all in a side table instead.

use gotv_decode::GoId;

use super::{Named, Span, Sums};

/// A goroutine's named times (block reasons, then ranges): up to two kept with its numbers,
/// more in the shared table.
#[derive(Debug, Clone, Copy)]
pub(super) enum NamedTimes {
    Few { entries: [Named; 2], block: u8, range: u8 },
    Table(Span),
}

impl Default for NamedTimes {
    fn default() -> Self {
        NamedTimes::Few { entries: [(0, 0); 2], block: 0, range: 0 }
    }
}

impl NamedTimes {
    /// `block` then `range` entries: kept with the goroutine if they are few, else appended
    /// to `table`.
    pub fn keep(block: &[Named], range: &[Named], table: &mut Vec<Named>) -> NamedTimes {
        if block.len() + range.len() <= 2 {
            let mut entries = [(0, 0); 2];
            for (to, &e) in entries.iter_mut().zip(block.iter().chain(range)) {
                *to = e;
            }
            return NamedTimes::Few { entries, block: block.len() as u8, range: range.len() as u8 };
        }
        NamedTimes::Table(Span::append(table, block.iter().copied(), range.iter().copied()))
    }

    /// The block and the range entries.
    pub fn split<'a>(&'a self, table: &'a [Named]) -> (&'a [Named], &'a [Named]) {
        match self {
            NamedTimes::Few { entries, block, range } => {
                let (b, r) = entries.split_at(usize::from(*block));
                (b, &r[..usize::from(*range)])
            }
            NamedTimes::Table(s) => s.split(table),
        }
    }
}

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
    pub named: NamedTimes,
}

/// [`Numbers`] in 56 bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Packed {
    created: i64,
    /// The ID; if wide, the row of all the numbers in the side table.
    id: u32,
    /// Start and end as offsets from `created` plus one (0: unset), then the total, exec,
    /// scheduler wait, syscall and syscall block times.
    n: [u32; 7],
    /// The name's index in the low 24 bits; above them, how many of `named` are block
    /// reasons and ranges, and whether the record is wide.
    meta: u32,
    named_names: [u16; 2],
    named_ns: [u32; 2],
}

const _: () = assert!(std::mem::size_of::<Packed>() == 56);

const NAME_BITS: u32 = 24;
const NAME_MASK: u32 = (1 << NAME_BITS) - 1;
const BLOCK_SHIFT: u32 = NAME_BITS;
const RANGE_SHIFT: u32 = 26;
const WIDE: u32 = 1 << 31;

/// The numbers of a goroutine that do not fit in a [`Packed`] record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Wide(Numbers);

/// A time kept as an offset from `created` plus one, 0 staying "unset".
fn time(offset: u32, created: i64) -> i64 {
    if offset == 0 {
        0
    } else {
        created.wrapping_add(i64::from(offset - 1))
    }
}

impl Packed {
    pub fn id(&self, wides: &[Wide]) -> GoId {
        match self.wide_row() {
            Some(row) => wides[row].0.id,
            None => GoId::from(self.id),
        }
    }

    /// Its name's index.
    pub fn name(&self, wides: &[Wide]) -> u32 {
        match self.wide_row() {
            Some(row) => wides[row].0.name,
            None => self.meta & NAME_MASK,
        }
    }

    /// ID, name, start and end, without unpacking the rest: a pass over millions of records
    /// that needs no more reads them.
    pub fn lifetime(&self, wides: &[Wide]) -> (GoId, u32, i64, i64) {
        match self.wide_row() {
            Some(row) => {
                let g = &wides[row].0;
                (g.id, g.name, g.start, g.end)
            }
            None => (
                GoId::from(self.id),
                self.meta & NAME_MASK,
                time(self.n[0], self.created),
                time(self.n[1], self.created),
            ),
        }
    }

    fn wide_row(&self) -> Option<usize> {
        (self.meta & WIDE != 0).then_some(self.id as usize)
    }

    pub fn unpack(&self, wides: &[Wide]) -> Numbers {
        if let Some(row) = self.wide_row() {
            return wides[row].0;
        }
        let created = self.created;
        let [start, end, total, exec, sched_wait, syscall, syscall_block] = self.n;
        let d = i64::from;
        let named = |k: usize| (u32::from(self.named_names[k]), d(self.named_ns[k]));
        Numbers {
            id: GoId::from(self.id),
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
            name: self.meta & NAME_MASK,
            named: NamedTimes::Few {
                entries: [named(0), named(1)],
                block: (self.meta >> BLOCK_SHIFT & 3) as u8,
                range: (self.meta >> RANGE_SHIFT & 3) as u8,
            },
        }
    }

    /// Replaces the record with `g`'s numbers (reusing its row of `wides`, if it had one).
    pub fn store(&mut self, g: &Numbers, wides: &mut Vec<Wide>) {
        *self = match Packed::narrow(g) {
            Some(p) => p,
            None => {
                let row = match self.wide_row() {
                    Some(row) => {
                        wides[row] = Wide(*g);
                        row
                    }
                    None => {
                        wides.push(Wide(*g));
                        wides.len() - 1
                    }
                };
                Packed { id: row as u32, meta: WIDE, ..Packed::default() }
            }
        };
    }

    /// `g` packed, if its numbers fit. Every value is checked at once, by OR-ing them: a
    /// goroutine ends millions of times on a big trace. Checked one by one, with a branch each
    /// (and the tally counted from a split record), the whole analysis took 3–4 % longer.
    fn narrow(g: &Numbers) -> Option<Packed> {
        let NamedTimes::Few { entries, block, range } = g.named else { return None };
        let s = &g.sums;
        // Offsets wrap, as unpacking does, so any time comes back exact; but a set time must
        // not come back as 0 ("unset").
        let offset = |t: i64| if t == 0 { 0 } else { t.wrapping_sub(g.created).wrapping_add(1) };
        let (start, end) = (offset(g.start), offset(g.end));
        let n = [start, end, s.total, s.exec, s.sched_wait, s.syscall, s.syscall_block];
        let fit = n.iter().fold(g.id | entries[0].1 | entries[1].1, |a, &v| a | v) as u64 >> 32 == 0
            && (entries[0].0 | entries[1].0) >> 16 == 0
            && g.name >> NAME_BITS == 0
            && (g.start == 0) == (start == 0)
            && (g.end == 0) == (end == 0)
            // Two bits each; `keep` never makes more than two.
            && block + range <= 2;
        fit.then(|| Packed {
            created: g.created,
            id: g.id as u32,
            n: n.map(|v| v as u32),
            meta: g.name | u32::from(block) << BLOCK_SHIFT | u32::from(range) << RANGE_SHIFT,
            named_names: [entries[0].0 as u16, entries[1].0 as u16],
            named_ns: [entries[0].1 as u32, entries[1].1 as u32],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(start: i64, end: i64, exec: i64, block: &[Named], range: &[Named]) -> Numbers {
        let mut table = Vec::new();
        Numbers {
            id: 7,
            created: 1_000,
            start,
            end,
            sums: Sums { exec, sched_wait: 3, syscall: 0, syscall_block: 1, total: (end.max(start) - 1_000).max(0) },
            name: 2,
            named: NamedTimes::keep(block, range, &mut table),
        }
    }

    fn same(a: &Numbers, b: &Numbers) -> bool {
        let table = [];
        format!("{:?}", (a.id, a.created, a.start, a.end, a.sums, a.name))
            == format!("{:?}", (b.id, b.created, b.start, b.end, b.sums, b.name))
            && a.named.split(&table) == b.named.split(&table)
    }

    #[test]
    fn numbers_that_fit_and_numbers_that_do_not_come_back_the_same() {
        let mut wides = Vec::new();
        let cases = [
            numbers(0, 0, 0, &[], &[]),
            numbers(1_000, 1_500, 400, &[(3, 20)], &[]),
            numbers(1_000, 1_500, 400, &[(3, 20), (4, 30)], &[]),
            numbers(1_000, 1_500, 400, &[(3, 20)], &[(5, 7)]),
            numbers(1_200, 0, 10, &[], &[(5, 7), (6, 8)]),
            // Too long a life, too much execution, a named time too long, a name index too
            // big for the record, a start before the creation (old traces' unset times): each
            // goes to the side table.
            numbers(1_200, 10_000_000_000, 10, &[], &[]),
            numbers(1_200, 1_300, 5_000_000_000, &[], &[]),
            numbers(1_200, 1_300, 10, &[(3, 5_000_000_000)], &[]),
            numbers(1_200, 1_300, 10, &[(70_000, 1)], &[]),
            numbers(1_200, 1_300, 10, &[], &[(3, -1)]),
            numbers(500, 1_300, 10, &[], &[]),
            // A start 1 ns before the creation, whose offset plus one would be 0, "unset".
            numbers(999, 1_300, 10, &[], &[]),
            // An ID that does not fit in `u32`, a negative one, a name index over 24 bits.
            Numbers { id: 1 << 32, ..numbers(1_000, 1_500, 400, &[(3, 20)], &[]) },
            Numbers { id: -7, ..numbers(1_000, 1_500, 400, &[(3, 20)], &[]) },
            Numbers { name: 1 << 24, ..numbers(1_000, 1_500, 400, &[(3, 20)], &[]) },
            // A corrupt trace's times either side of the i64 range: the offset wraps, and
            // so does unpacking it.
            Numbers { created: i64::MAX - 5, start: i64::MIN + 3, end: 0, ..numbers(0, 0, 4, &[], &[]) },
        ];
        for g in &cases {
            let mut p = Packed::default();
            p.store(g, &mut wides);
            assert!(same(&p.unpack(&wides), g), "{g:?} came back as {:?}", p.unpack(&wides));
            assert_eq!((p.id(&wides), p.name(&wides)), (g.id, g.name));
        }
        assert_eq!(wides.len(), 10);
        // Stored again, a record that was wide keeps its row.
        let mut p = Packed::default();
        p.store(&cases[5], &mut wides);
        p.store(&cases[6], &mut wides);
        p.store(&cases[1], &mut wides);
        assert!(same(&p.unpack(&wides), &cases[1]));
        assert_eq!(wides.len(), 11);
    }

    #[test]
    fn more_than_two_named_times_go_to_the_table() {
        let mut table = vec![(9, 9)];
        let (block, range) = ([(3, 20), (4, 30)], [(5, 7)]);
        let kept = NamedTimes::keep(&block, &range, &mut table);
        assert!(matches!(kept, NamedTimes::Table(Span { at: 1, block: 2, range: 1 })));
        assert_eq!(kept.split(&table), (&block[..], &range[..]));
        for (b, r) in [(&block[..1], &range[..]), (&block[..], &[][..]), (&[][..], &range[..]), (&[][..], &[][..])] {
            let few = NamedTimes::keep(b, r, &mut table);
            assert!(matches!(few, NamedTimes::Few { .. }));
            assert_eq!(few.split(&table), (b, r));
        }
        assert_eq!(table.len(), 4);
    }
}
