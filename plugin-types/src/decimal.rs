//! Decimal strings on the wire and `rust_decimal::Decimal`.

use rust_decimal::Decimal;

use crate::AmountData;

/// A number string the host would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalError {
    /// The rejected text.
    pub text: String,
    /// Why `rust_decimal` refused it.
    pub reason: String,
}

impl core::fmt::Display for DecimalError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "invalid decimal number {:?}: {}; write plain decimal text such as \"-12.50\"",
            self.text, self.reason
        )
    }
}

impl std::error::Error for DecimalError {}

/// Parses a wire number exactly as rustledger does (`Decimal::from_str_exact`): plain
/// decimal text, no exponent, no spaces, at most 28 significant digits without rounding.
///
/// ```
/// # use rlplugin_types::parse_decimal;
/// assert_eq!(parse_decimal("-12.50").unwrap().to_string(), "-12.50");
/// assert!(parse_decimal("1e5").is_err());
/// assert!(parse_decimal(" 1").is_err());
/// ```
#[cfg_attr(rlplugin_small, inline)]
pub fn parse_decimal(text: &str) -> Result<Decimal, DecimalError> {
    Decimal::from_str_exact(text).map_err(|error| DecimalError {
        text: text.to_owned(),
        reason: error.to_string(),
    })
}

impl AmountData {
    /// An amount whose number is `number` printed the way the host prints decimals.
    ///
    /// ```
    /// # use rlplugin_types::AmountData;
    /// # use rust_decimal::Decimal;
    /// let amount = AmountData::from_decimal(Decimal::new(-1250, 2), "USD");
    /// assert_eq!(amount.number, "-12.50");
    /// ```
    #[must_use]
    pub fn from_decimal(number: Decimal, currency: impl Into<String>) -> Self {
        Self::new(number.to_string(), currency)
    }

    /// The number as a `Decimal`, with the host's rules.
    ///
    /// ```
    /// # use rlplugin_types::AmountData;
    /// assert_eq!(AmountData::new("0.10", "EUR").decimal().unwrap().scale(), 2);
    /// assert!(AmountData::new("", "EUR").decimal().is_err());
    /// ```
    pub fn decimal(&self) -> Result<Decimal, DecimalError> {
        parse_decimal(&self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_largest_mantissa_and_rejects_one_more() {
        assert!(parse_decimal("79228162514264337593543950335").is_ok());
        let error = parse_decimal("79228162514264337593543950336").unwrap_err();
        assert!(error.to_string().contains("79228162514264337593543950336"));
    }

    #[test]
    fn display_round_trips_scale() {
        let amount = AmountData::new("100.00", "USD");
        let back = AmountData::from_decimal(amount.decimal().unwrap(), "USD");
        assert_eq!(back, amount);
    }
}
