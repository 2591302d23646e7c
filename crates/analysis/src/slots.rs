//! Slots for goroutines: the rank of each one's ID, so that per-goroutine results stored by
//! slot come out sorted by ID without sorting (millions of goroutines).

use gotv_decode::GoId;

/// Per goroutine index of the trace ([`gotv_decode::Trace::goroutine_ids`], where each ID has
/// one index): the rank of its ID among them all, ascending.
pub(crate) fn id_ranks(ids: &[GoId]) -> Vec<u32> {
    let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) else {
        return Vec::new();
    };
    const NONE: u32 = u32::MAX;
    let span = hi.abs_diff(lo).saturating_add(1);
    if span <= ids.len() as u64 * 8 + 1024 {
        // IDs are nearly contiguous (the runtime hands them out in order): ranks by a table
        // over the IDs' range rather than by sorting.
        let mut table = vec![NONE; span as usize];
        for (i, &id) in ids.iter().enumerate() {
            table[(id - lo) as usize] = i as u32;
        }
        let mut ranks = vec![0; ids.len()];
        for (rank, &i) in table.iter().filter(|&&i| i != NONE).enumerate() {
            ranks[i as usize] = rank as u32;
        }
        return ranks;
    }
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by_key(|&i| ids[i as usize]);
    let mut ranks = vec![0; ids.len()];
    for (rank, &i) in order.iter().enumerate() {
        ranks[i as usize] = rank as u32;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_ids_dense_or_sparse() {
        for ids in [vec![5, 3, 4, 10, 1], vec![7, i64::MAX, -3, 1 << 40, 0], vec![], vec![42]] {
            let ranks = id_ranks(&ids);
            let mut sorted = ids.clone();
            sorted.sort();
            for (i, &id) in ids.iter().enumerate() {
                assert_eq!(sorted[ranks[i] as usize], id, "{ids:?}");
            }
        }
    }
}
