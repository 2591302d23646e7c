//! How counts are written for people: the same in `gotv`'s messages, on the page and on the
//! timeline's canvas.

/// 115375 as "115,375": counts are read at a glance.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn thousands_are_separated() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_720, "1,720"),
            (115_375, "115,375"),
            (4_070_885, "4,070,885"),
        ];
        for (n, text) in cases {
            assert_eq!(grouped(n), text);
        }
    }
}
