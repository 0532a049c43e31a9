//! Message building without `core::fmt`: every diagnostic the SDK writes on the success
//! path is a concatenation of strings and small integers, and `format!` would link the
//! formatting machinery's argument plumbing into every guest for it. `core::fmt` then only
//! serves panics and an author's own `Display` types.

/// The parts joined, in one allocation.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// A `u64` written in decimal, on the stack.
pub(crate) struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    pub(crate) fn new(mut value: u64) -> Self {
        let mut digits = [0; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            // `value % 10` is below 10, so the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            let digit = (value % 10) as u8;
            digits[start] = b'0' + digit;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: `new` writes only ASCII digits from `start` on. (Checking with `from_utf8`
        // would link the UTF-8 validator into guests that have no other use for it.)
        unsafe { core::str::from_utf8_unchecked(&self.digits[self.start..]) }
    }
}

/// `value` in decimal, for message parts.
pub(crate) fn decimal(value: usize) -> Decimal {
    Decimal::new(value as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_match_display() {
        for value in [0, 7, 10, 99, 4096, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(Decimal::new(value).as_str(), value.to_string());
        }
    }

    #[test]
    fn concat_joins_in_order() {
        assert_eq!(concat(&["a", "", "bc", "1"]), "abc1");
        assert_eq!(concat(&[]), "");
    }
}
