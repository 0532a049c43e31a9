//! Checks every directive that leaves the guest against the rules the host enforces when
//! converting it back (rustledger 0.24's `wrapper_to_directive` and its importer host).
//!
//! The host does not reject a bad `Modify`, `Insert` or imported directive on its own: it
//! aborts the *whole* ledger load (`processing pipeline failed`) or the whole extract. The
//! guest therefore checks each one before sending it; a bad `Modify` becomes a `Keep` of the
//! original, a bad `Insert` or imported directive is dropped, and each gets an
//! error-severity diagnostic naming the directive and the field.
//!
//! ```
//! use rlplugin::validate::validate_directive;
//! # use rlplugin::*;
//! let mut price = DirectiveWrapper {
//!     directive_type: String::new(),
//!     date: "2024-02-30".into(),
//!     filename: None,
//!     lineno: None,
//!     data: DirectiveData::Price(PriceData {
//!         currency: "EUR".into(),
//!         amount: AmountData::new("1.08", "USD"),
//!         metadata: vec![],
//!     }),
//! };
//! let error = validate_directive(&price).unwrap_err();
//! assert_eq!(error.field(), "date");
//! assert_eq!(
//!     error.to_string(),
//!     "date: \"2024-02-30\" is not a calendar date; write YYYY-MM-DD",
//! );
//! price.date = "2024-02-29".into();
//! assert!(validate_directive(&price).is_ok());
//! ```

use core::fmt;

use rlplugin_types::{
    AmountData, CostData, CostNumberData, DirectiveData, DirectiveWrapper, EnrichedImporterOutput,
    ImporterOutput, PluginError, PluginOp, PluginOutput, PostingData, TransactionData,
};

use crate::discard;
use crate::text::{concat, decimal};

/// Why the host would reject a directive: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    field: String,
    problem: String,
}

impl InvalidField {
    // Errors are rare: one out-of-line constructor keeps every check's fast path short.
    #[cold]
    #[inline(never)]
    fn new(field: &str, problem: String) -> Self {
        Self {
            field: field.to_owned(),
            problem,
        }
    }

    #[cold]
    #[inline(never)]
    fn within(mut self, parent: &str) -> Self {
        self.field = concat(&[parent, ".", &self.field]);
        self
    }

    /// Path of the offending field, e.g. `postings[1].units.number`.
    ///
    /// ```
    /// # use rlplugin::*;
    /// let balance = DirectiveWrapper {
    ///     directive_type: String::new(),
    ///     date: "2024-01-01".into(),
    ///     filename: None,
    ///     lineno: None,
    ///     data: DirectiveData::Balance(BalanceData {
    ///         account: "Assets:Cash".into(),
    ///         amount: AmountData::new("12,50", "EUR"),
    ///         tolerance: None,
    ///         metadata: vec![],
    ///     }),
    /// };
    /// let invalid = rlplugin::validate::validate_directive(&balance).unwrap_err();
    /// assert_eq!(invalid.field(), "amount.number");
    /// assert!(invalid.problem().starts_with("\"12,50\" is not a plain decimal number"));
    /// ```
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it and how to write it instead.
    #[must_use]
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for InvalidField {}

/// Checks one directive the way the host converts it: dates are real `YYYY-MM-DD` calendar
/// dates, numbers are exact decimals that fit rust_decimal's 96-bit mantissa, a
/// transaction's flag is one character, amounts are not entirely empty, and a
/// `per_unit_from_total` cost agrees with its posting's units.
///
/// # Errors
///
/// The first invalid field found.
pub fn validate_directive(directive: &DirectiveWrapper) -> Result<(), InvalidField> {
    if !is_calendar_date(directive.date.as_bytes()) {
        return Err(InvalidField::new("date", date_problem(&directive.date)));
    }
    match &directive.data {
        DirectiveData::Transaction(txn) if is_plain_transaction(txn) => {}
        DirectiveData::Transaction(txn) => {
            let mut chars = txn.flag.chars();
            if chars.next().is_none() || chars.next().is_some() {
                return Err(InvalidField::new(
                    "flag",
                    quoted(
                        &txn.flag,
                        "\" is not a single character; use a one-character flag such as \"*\" or \"!\"",
                    ),
                ));
            }
            for (index, posting) in txn.postings.iter().enumerate() {
                check_posting(posting).map_err(|error| {
                    error.within(&concat(&["postings[", decimal(index).as_str(), "]"]))
                })?;
            }
        }
        DirectiveData::Balance(balance) => {
            check_complete_amount(&balance.amount).map_err(|e| e.within("amount"))?;
            if let Some(tolerance) = &balance.tolerance {
                check_decimal(tolerance)
                    .map_err(|problem| InvalidField::new("tolerance", problem))?;
            }
        }
        DirectiveData::Price(price) => {
            check_complete_amount(&price.amount).map_err(|e| e.within("amount"))?;
        }
        DirectiveData::Open(_)
        | DirectiveData::Close(_)
        | DirectiveData::Commodity(_)
        | DirectiveData::Pad(_)
        | DirectiveData::Event(_)
        | DirectiveData::Note(_)
        | DirectiveData::Document(_)
        | DirectiveData::Query(_)
        | DirectiveData::Custom(_) => {}
    }
    Ok(())
}

/// A transaction with a one-byte ASCII flag and postings that carry, at most, units whose
/// number is short and plain: valid, and most transactions a plugin modifies or inserts.
/// Checked inline, so that only the others pay for the calls that find what is wrong.
#[cfg_attr(not(rlplugin_small), inline)]
fn is_plain_transaction(txn: &TransactionData) -> bool {
    txn.flag.len() == 1
        && txn.flag.as_bytes()[0] < 0x80
        && txn.postings.iter().all(|posting| {
            posting.cost.is_none()
                && posting.price.is_none()
                && posting
                    .units
                    .as_ref()
                    .is_none_or(|units| is_short_plain_decimal(units.number.as_bytes()))
        })
}

fn check_posting(posting: &PostingData) -> Result<(), InvalidField> {
    if let Some(units) = &posting.units {
        check_amount(units).map_err(|e| e.within("units"))?;
    }
    if let Some(cost) = &posting.cost {
        check_cost(cost, posting.units.as_ref()).map_err(|e| e.within("cost"))?;
    }
    if let Some(price) = &posting.price {
        if let Some(amount) = &price.amount {
            check_amount(amount).map_err(|e| e.within("price.amount"))?;
        } else if let Some(number) = &price.number {
            check_decimal(number).map_err(|problem| InvalidField::new("price.number", problem))?;
        }
    }
    Ok(())
}

fn check_cost(cost: &CostData, units: Option<&AmountData>) -> Result<(), InvalidField> {
    if let Some(date) = &cost.date {
        check_date(date).map_err(|problem| InvalidField::new("date", problem))?;
    }
    let Some(number) = &cost.number else {
        return Ok(());
    };
    let decimal = |field: &str, text: &str| {
        check_decimal(text)
            .map_err(|problem| InvalidField::new(&concat(&["number.", field]), problem))
    };
    match number {
        CostNumberData::PerUnit { value } | CostNumberData::Total { value } => {
            decimal("value", value)
        }
        CostNumberData::Compound { per_unit, total } => {
            decimal("per_unit", per_unit)?;
            decimal("total", total)
        }
        CostNumberData::PerUnitFromTotal { per_unit, total } => {
            decimal("per_unit", per_unit)?;
            decimal("total", total)?;
            check_per_unit_from_total(per_unit, total, units)
        }
    }
}

/// The host recomputes `per_unit × |units|` and rejects anything but a rounding-level
/// difference from `total`. Without a 192-bit decimal multiply here, the check compares
/// 19-significant-digit approximations with a relative tolerance of 1e-9: far above the
/// approximation's error, far below any real inconsistency, so it catches every changed
/// quantity or price but not a discrepancy in the 10th digit. (No `f64` parsing or
/// printing: that would add tens of kilobytes to every guest.)
fn check_per_unit_from_total(
    per_unit: &str,
    total: &str,
    units: Option<&AmountData>,
) -> Result<(), InvalidField> {
    let fix = "update per_unit and total together, or use a per_unit or total cost";
    let quantity = units
        .filter(|units| !units.number.is_empty())
        .ok_or_else(|| {
            InvalidField::new(
                "number",
                concat(&[
                    "a per_unit_from_total cost needs the posting's units; ",
                    fix,
                ]),
            )
        })?
        .number
        .as_str();
    let (per_unit_value, total_value, quantity_value) = (
        approximate(per_unit),
        approximate(total),
        approximate(quantity),
    );
    if quantity_value == 0.0 {
        return Err(InvalidField::new(
            "number",
            concat(&[
                "a per_unit_from_total cost cannot apply to zero units; ",
                fix,
            ]),
        ));
    }
    let difference = (per_unit_value * quantity_value.abs() - total_value).abs();
    if difference > (total_value.abs() * 1e-9).max(1e-12) {
        // `check_decimal` accepted it: at most one sign.
        let quantity = quantity.strip_prefix('-').unwrap_or(quantity);
        return Err(InvalidField::new(
            "number",
            concat(&[
                "per_unit × |units| is not total (",
                per_unit,
                " × ",
                quantity,
                " ≠ ",
                total,
                "); ",
                fix,
            ]),
        ));
    }
    Ok(())
}

/// A decimal already accepted by [`check_decimal`], as an `f64` built from its first 19
/// significant digits.
fn approximate(text: &str) -> f64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    let mut mantissa = 0u64;
    let mut kept = 0;
    let mut exponent = 0i32;
    let mut after_point = false;
    // One pass over the accepted shape `digits[.digits]`; leading zeros carry no digits.
    for digit in digits.bytes() {
        if digit == b'.' {
            after_point = true;
            continue;
        }
        if after_point {
            exponent -= 1;
        }
        if mantissa == 0 && digit == b'0' {
            continue;
        }
        if kept < 19 {
            mantissa = mantissa * 10 + u64::from(digit - b'0');
            kept += 1;
        } else {
            exponent += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let value = mantissa as f64 * 10f64.powi(exponent);
    if negative { -value } else { value }
}

/// An amount where an incomplete one is allowed: number-only or currency-only, not both
/// empty.
fn check_amount(amount: &AmountData) -> Result<(), InvalidField> {
    if amount.number.is_empty() {
        if amount.currency.is_empty() {
            return Err(InvalidField::new(
                "number",
                "both number and currency are empty; give at least one of them".to_owned(),
            ));
        }
        return Ok(());
    }
    check_decimal(&amount.number).map_err(|problem| InvalidField::new("number", problem))
}

fn check_complete_amount(amount: &AmountData) -> Result<(), InvalidField> {
    check_decimal(&amount.number).map_err(|problem| InvalidField::new("number", problem))
}

/// `"<text><tail>`: the shape of most problems. Cold and shared, so each check keeps only
/// a call on its error path.
#[cold]
#[inline(never)]
fn quoted(text: &str, tail: &str) -> String {
    concat(&["\"", text, tail])
}

/// Largest mantissa of a 96-bit decimal, `2^96 - 1`, as digits: comparing digit strings
/// needs no 128-bit multiply in every guest.
const MAX_MANTISSA: &[u8] = b"79228162514264337593543950335";
/// Most fractional digits a decimal may have.
const MAX_SCALE: usize = 28;

/// Checks a number string as rustledger parses it (`Decimal::from_str_exact`), in the
/// canonical form rustledger prints: optional `-`, digits, optionally `.` and digits; at most
/// 28 fractional digits; the digits without the point at most 79228162514264337593543950335.
/// Forms the host happens to accept but never writes (`+5`, `.5`, `5.`, `1_000`) are
/// rejected too, so output always round-trips.
///
/// ```
/// use rlplugin::validate::check_decimal;
/// assert!(check_decimal("-12.50").is_ok());
/// assert!(check_decimal("79228162514264337593543950335").is_ok());
/// assert!(check_decimal("79228162514264337593543950336").is_err());
/// assert!(check_decimal("1e5").is_err());
/// ```
///
/// # Errors
///
/// What is wrong with the text and how to write it, as a lowercase sentence.
pub fn check_decimal(text: &str) -> Result<(), String> {
    if is_short_plain_decimal(text.as_bytes()) {
        return Ok(());
    }
    decimal_problem(text)
}

/// One pass over the bytes for the common case, a number of at most 28 digits (which always
/// fits 96 bits and 28 decimal places): an optional `-`, digits, optionally a `.` and more
/// digits. Anything else goes to [`decimal_problem`], which finds what is wrong.
#[cfg_attr(not(rlplugin_small), inline)]
fn is_short_plain_decimal(text: &[u8]) -> bool {
    let len = text.len();
    let start = usize::from(text.first() == Some(&b'-'));
    if len - start > MAX_MANTISSA.len() - 1 {
        return false;
    }
    let is_digit = |at: usize| text.get(at).is_some_and(|b| b.wrapping_sub(b'0') < 10);
    let mut at = start;
    while is_digit(at) {
        at += 1;
    }
    if at == start {
        return false;
    }
    if at == len {
        return true;
    }
    // SAFETY: `at` only grew past digits `get` found, so `at <= len`, and `at != len` here.
    // Unchecked rather than indexed: LLVM does not prove the bound at opt-level "s", and a
    // bounds-check panic would link `usize` formatting into every guest; `get` costs fuel.
    if unsafe { *text.get_unchecked(at) } != b'.' {
        return false;
    }
    at += 1;
    let fraction = at;
    while is_digit(at) {
        at += 1;
    }
    at == len && at > fraction
}

#[cold]
#[inline(never)]
fn decimal_problem(text: &str) -> Result<(), String> {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
        Some(point) => (&digits[..point], Some(&digits[point + 1..])),
        None => (digits, None),
    };
    let all_digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if text.is_empty() {
        return Err("the number is empty; write plain decimal text such as \"-12.50\"".to_owned());
    }
    if !all_digits(whole) || fraction.is_some_and(|fraction| !all_digits(fraction)) {
        return Err(quoted(
            text,
            "\" is not a plain decimal number; write plain decimal text such as \"-12.50\"",
        ));
    }
    let fraction = fraction.unwrap_or_default();
    if fraction.len() > MAX_SCALE {
        return Err(concat(&[
            "\"",
            text,
            "\" has ",
            decimal(fraction.len()).as_str(),
            " digits after the point, at most ",
            decimal(MAX_SCALE).as_str(),
            " are allowed",
        ]));
    }
    // Without leading zeros, fewer digits than the largest mantissa always fit, more never
    // do, and as many compare digit by digit.
    let significant = whole.iter().chain(fraction).skip_while(|&&b| b == b'0');
    let fits = match significant.clone().count().cmp(&MAX_MANTISSA.len()) {
        core::cmp::Ordering::Less => true,
        core::cmp::Ordering::Greater => false,
        core::cmp::Ordering::Equal => significant
            .zip(MAX_MANTISSA)
            .find(|(digit, max)| digit != max)
            .is_none_or(|(digit, max)| digit < max),
    };
    if !fits {
        return Err(quoted(
            text,
            "\" has too many significant digits for a 96-bit decimal (at most \
             79228162514264337593543950335 without the point)",
        ));
    }
    Ok(())
}

/// Checks a date as `YYYY-MM-DD` naming a real calendar day (leap years included).
///
/// ```
/// use rlplugin::validate::check_date;
/// assert!(check_date("2024-02-29").is_ok());
/// assert!(check_date("2023-02-29").is_err());
/// assert!(check_date("2024/01/01").is_err());
/// ```
///
/// # Errors
///
/// What is wrong with the text, as a lowercase sentence.
pub fn check_date(text: &str) -> Result<(), String> {
    if is_calendar_date(text.as_bytes()) {
        return Ok(());
    }
    Err(date_problem(text))
}

/// Checks an account name by the rule rustledger's parser reads accounts with, so a name
/// that passes is one rledger accepts back: two or more components joined by `:`; each
/// starts with an uppercase, titlecase or caseless letter (`Lu`, `Lt`, `Lo`: `Assets`,
/// `資産`), or after the first also an ASCII digit; the rest of a component is letters,
/// ASCII digits, `-` or any other non-ASCII character. Whether the first component is one
/// of the ledger's root names (`name_assets` …) is the ledger's options' business.
///
/// ```
/// use rlplugin::validate::check_account;
/// assert!(check_account("Expenses:食品").is_ok());
/// assert!(check_account("Assets:2024-Bonus").is_ok());
/// let problem = check_account("Expenses:food").unwrap_err();
/// assert_eq!(
///     problem,
///     "\"Expenses:food\" is not an account name: component \"food\" must start with a \
///      capital letter or a digit; write it like \"Expenses:Groceries\""
/// );
/// ```
///
/// # Errors
///
/// What is wrong with the name, as a lowercase sentence.
pub fn check_account(name: &str) -> Result<(), String> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    let letter_start = |c: char| {
        matches!(
            c.general_category(),
            GeneralCategory::UppercaseLetter
                | GeneralCategory::TitlecaseLetter
                | GeneralCategory::OtherLetter
        )
    };
    let problem = |what: String| {
        Err(concat(&[
            "\"",
            name,
            "\" is not an account name: ",
            &what,
            "; write it like \"Expenses:Groceries\"",
        ]))
    };
    if !name.contains(':') {
        return problem("it needs at least two components joined by `:`".to_owned());
    }
    for (index, component) in name.split(':').enumerate() {
        let Some(first) = component.chars().next() else {
            return problem("it has an empty component".to_owned());
        };
        if !(letter_start(first) || index > 0 && first.is_ascii_digit()) {
            let start = if index == 0 {
                "a capital letter"
            } else {
                "a capital letter or a digit"
            };
            return problem(concat(&[
                "component \"",
                component,
                "\" must start with ",
                start,
            ]));
        }
        if let Some(bad) = component
            .chars()
            .find(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && *c != '-')
        {
            return problem(concat(&[
                "component \"",
                component,
                "\" contains ",
                &char_name(bad),
                ", which ends an account name",
            ]));
        }
    }
    Ok(())
}

/// `' '` as `a space`, other characters quoted.
fn char_name(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        c => {
            let mut quoted = String::from("`");
            quoted.push(c);
            quoted.push('`');
            quoted
        }
    }
}

/// Days in each month of a common year, January first.
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// The eight digits of `YYYY-MM-DD`, as numbers, if `text` has that shape.
#[cfg_attr(not(rlplugin_small), inline)]
fn date_digits(text: &[u8]) -> Option<[u32; 8]> {
    let bytes = <&[u8; 10]>::try_from(text).ok()?;
    // Constant indices into an array: checked at compile time, no panic path.
    let digits = [
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[5], bytes[6], bytes[8], bytes[9],
    ]
    .map(|b| u32::from(b.wrapping_sub(b'0')));
    (bytes[4] == b'-' && bytes[7] == b'-' && digits.iter().all(|&d| d <= 9)).then_some(digits)
}

/// `YYYY-MM-DD` naming a real day, checked without loops: every date of every directive
/// an op carries goes through here. The shape is checked a word at a time: each byte XORed
/// with what it must be is below 10 where a digit belongs and 0 where a dash does.
#[cfg_attr(not(rlplugin_small), inline)]
fn is_calendar_date(text: &[u8]) -> bool {
    const BELOW_TEN: u64 = 0x7676_7676_7676_7676;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    const DASHES: u64 = 0xff00_00ff_0000_0000;
    let Ok(bytes) = <&[u8; 10]>::try_from(text) else {
        return false;
    };
    let [a, b, c, d, e, f, g, h, i, j] = *bytes;
    let head = u64::from_le_bytes([a, b, c, d, e, f, g, h]) ^ u64::from_le_bytes(*b"0000-00-");
    let tail = u64::from(u16::from_le_bytes([i, j]) ^ u16::from_le_bytes(*b"00"));
    // A byte of 10 or more sets its high bit in the sum or (from 0x80 on) in itself; a carry
    // only leaves a byte that is itself 0x8a or more, whose high bit is already set.
    if ((head.wrapping_add(BELOW_TEN) | head | tail.wrapping_add(BELOW_TEN) | tail) & HIGH_BITS
        != 0)
        || head & DASHES != 0
    {
        return false;
    }
    let digit = |at: u32| (head >> (8 * at)) as u32 & 0xff;
    let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
    let month = digit(5) * 10 + digit(6);
    let day = (tail as u32 & 0xff) * 10 + (tail as u32 >> 8);
    let Some(&days) = MONTH_DAYS.get((month as usize).wrapping_sub(1)) else {
        return false;
    };
    let leap_day = u32::from(month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
    day != 0 && day <= days + leap_day
}

/// What is wrong with a date [`is_calendar_date`] rejected.
#[cold]
#[inline(never)]
fn date_problem(text: &str) -> String {
    if date_digits(text.as_bytes()).is_none() {
        quoted(text, "\" is not a date; write YYYY-MM-DD")
    } else {
        quoted(text, "\" is not a calendar date; write YYYY-MM-DD")
    }
}

/// An error-severity diagnostic for a rejected directive: `<lead><type> dated <date>:
/// <field>: <problem><tail>`, located at the directive when its position is known.
#[cold]
#[inline(never)]
pub(crate) fn rejection(
    lead: &str,
    directive: &DirectiveWrapper,
    invalid: &InvalidField,
    tail: &str,
) -> PluginError {
    PluginError::error(concat(&[
        lead,
        directive.type_name(),
        " dated ",
        &directive.date,
        ": ",
        &invalid.field,
        ": ",
        &invalid.problem,
        tail,
    ]))
    .at_directive(directive)
}

/// Replaces each invalid `Modify` with a `Keep` of the original and drops each invalid
/// `Insert`, adding an error for each.
///
/// ```
/// use rlplugin::validate::check_plugin_output;
/// # use rlplugin::*;
/// let bad = DirectiveWrapper {
///     directive_type: String::new(),
///     date: "yesterday".into(),
///     filename: Some("/books/main.beancount".into()),
///     lineno: Some(4),
///     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }),
/// };
/// let mut output = PluginOutput { ops: vec![PluginOp::Modify(0, bad)], errors: vec![] };
/// check_plugin_output(&mut output);
/// assert_eq!(output.ops, [PluginOp::Keep(0)]);
/// assert_eq!(output.errors[0].line_number, Some(4));
/// assert!(output.errors[0].message.starts_with("invalid modification of commodity dated yesterday"));
/// ```
pub fn check_plugin_output(output: &mut PluginOutput) {
    let mut rejected_inserts = Vec::new();
    for (position, op) in output.ops.iter_mut().enumerate() {
        match op {
            PluginOp::Modify(index, directive) => {
                if let Err(invalid) = validate_directive(directive) {
                    output
                        .errors
                        .push(modification_rejected(directive, &invalid));
                    let keep = PluginOp::Keep(*index);
                    discard(core::mem::replace(op, keep));
                }
            }
            PluginOp::Insert(directive) => {
                if let Err(invalid) = validate_directive(directive) {
                    output.errors.push(insert_rejected(directive, &invalid));
                    rejected_inserts.push(position);
                }
            }
            PluginOp::Keep(_) | PluginOp::Delete(_) => {}
        }
    }
    if !rejected_inserts.is_empty() {
        remove_ops(&mut output.ops, &rejected_inserts);
    }
}

/// The error [`check_plugin_output`] reports for `directive`, a modification the host
/// would reject as `invalid`, which then keeps the original.
pub(crate) fn modification_rejected(
    directive: &DirectiveWrapper,
    invalid: &InvalidField,
) -> PluginError {
    rejection(
        "invalid modification of ",
        directive,
        invalid,
        "; the original directive was kept",
    )
}

/// The error [`check_plugin_output`] reports for `directive`, an insert the host would
/// reject as `invalid`, which is then left out.
pub(crate) fn insert_rejected(directive: &DirectiveWrapper, invalid: &InvalidField) -> PluginError {
    rejection(
        "invalid inserted ",
        directive,
        invalid,
        "; it was not inserted",
    )
}

/// Removes the ops at `positions` (ascending). Rare, so it moves every op once rather than
/// keeping a `retain` with its drop glue on every guest's path.
#[cold]
#[inline(never)]
fn remove_ops(ops: &mut Vec<PluginOp>, positions: &[usize]) {
    let mut positions = positions.iter().copied().peekable();
    let mut kept = Vec::with_capacity(ops.len().saturating_sub(positions.len()));
    let mut all = core::mem::take(ops).into_iter().enumerate();
    for (position, op) in all.by_ref() {
        if positions.next_if_eq(&position).is_some() {
            discard(op);
        } else {
            kept.push(op);
        }
    }
    discard(all);
    discard(core::mem::replace(ops, kept));
}

fn import_error(directive: &DirectiveWrapper, invalid: &InvalidField) -> PluginError {
    rejection("invalid imported ", directive, invalid, "; it was left out")
}

/// Drops each imported directive the host would reject, adding an error for each.
///
/// ```
/// # use rlplugin::*;
/// let open = DirectiveWrapper {
///     directive_type: String::new(),
///     date: "2024-1-1".into(),
///     filename: None,
///     lineno: None,
///     data: DirectiveData::Open(OpenData {
///         account: "Assets:Cash".into(),
///         currencies: vec![],
///         booking: None,
///         metadata: vec![],
///     }),
/// };
/// let mut output = ImporterOutput::new(vec![open]);
/// rlplugin::validate::check_importer_output(&mut output);
/// assert!(output.directives.is_empty());
/// assert!(output.errors[0].message.starts_with("invalid imported open dated 2024-1-1: date:"));
/// ```
pub fn check_importer_output(output: &mut ImporterOutput) {
    let errors = &mut output.errors;
    output
        .directives
        .retain(|directive| match validate_directive(directive) {
            Ok(()) => true,
            Err(invalid) => {
                errors.push(import_error(directive, &invalid));
                false
            }
        });
}

/// Like [`check_importer_output`]; entries whose `directive_index` was their position are
/// renumbered to their new position.
///
/// ```
/// # use rlplugin::*;
/// let note = |date: &str| DirectiveWrapper {
///     directive_type: String::new(),
///     date: date.into(),
///     filename: None,
///     lineno: None,
///     data: DirectiveData::Note(NoteData {
///         account: "Assets:Cash".into(),
///         comment: "hi".into(),
///         metadata: vec![],
///     }),
/// };
/// let mut output: EnrichedImporterOutput =
///     ImporterOutput::new(vec![note("2024-13-01"), note("2024-01-01")]).into();
/// rlplugin::validate::check_enriched_output(&mut output);
/// assert_eq!(output.entries.len(), 1);
/// assert_eq!(output.entries[0].1.directive_index, 0);
/// ```
pub fn check_enriched_output(output: &mut EnrichedImporterOutput) {
    let errors = &mut output.errors;
    let mut position = 0;
    let mut kept = 0;
    output.entries.retain_mut(|(directive, enrichment)| {
        let old = position;
        position += 1;
        match validate_directive(directive) {
            Ok(()) => {
                if enrichment.directive_index == old {
                    enrichment.directive_index = kept;
                }
                kept += 1;
                true
            }
            Err(invalid) => {
                errors.push(import_error(directive, &invalid));
                false
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names rustledger's lexer accepts or rejects for a reason a hand-written rule could
    /// get wrong: Unicode categories at a component's start, non-ASCII symbols inside.
    const ACCOUNT_NAMES: [&str; 24] = [
        "Assets:Cash",
        "Expenses:食品",
        "資産:現金",
        "Активы:Наличные",
        "Assets:2024-Bonus",
        "Assets:Cash\u{1F600}",
        "Assets:N\u{2116}1",
        "Assets:\u{1C5}x",
        "Assets",
        "1Assets:Cash",
        "assets:Cash",
        "Assets:cash",
        "Assets:\u{e9}cash",
        "Assets:Ca sh",
        "Assets:Ca_sh",
        "Assets:Cash!",
        "Assets:",
        ":Cash",
        "Assets::Cash",
        "Assets:\u{2B0}x",
        "Assets:\u{2160}",
        "Assets:\u{300}x",
        "Assets:Cash:\u{1F600}",
        "Ægir:Cash",
    ];

    #[test]
    fn account_names_follow_rustledger_s_lexer() {
        for name in ACCOUNT_NAMES {
            assert_eq!(
                check_account(name).is_ok(),
                rustledger_parser::is_valid_account_name(name),
                "{name:?}: {:?}",
                check_account(name)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn account_rule_agrees_with_the_parser(
            name in "[A-Za-z0-9:_. #é食ǅʰⅠ\u{300}😀Ж-]{0,10}"
        ) {
            proptest::prop_assert_eq!(
                check_account(&name).is_ok(),
                rustledger_parser::is_valid_account_name(&name)
            );
        }
    }
    use proptest::prelude::*;
    use rlplugin_types::{CostData, PostingData, TransactionData};

    fn posting(units: &str, cost: Option<CostNumberData>) -> PostingData {
        PostingData {
            account: "Assets:Broker".into(),
            units: Some(AmountData::new(units, "AAPL")),
            cost: cost.map(|number| CostData {
                number: Some(number),
                currency: Some("USD".into()),
                date: Some("2024-01-15".into()),
                label: None,
                merge: false,
            }),
            price: None,
            flag: None,
            metadata: vec![],
            span: None,
        }
    }

    fn transaction(flag: &str, postings: Vec<PostingData>) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: "2024-01-15".into(),
            filename: None,
            lineno: None,
            data: DirectiveData::Transaction(TransactionData {
                flag: flag.into(),
                payee: None,
                narration: String::new(),
                tags: vec![],
                links: vec![],
                metadata: vec![],
                postings,
            }),
        }
    }

    fn per_unit_from_total(per_unit: &str, total: &str) -> Option<CostNumberData> {
        Some(CostNumberData::PerUnitFromTotal {
            per_unit: per_unit.into(),
            total: total.into(),
        })
    }

    #[test]
    fn per_unit_from_total_must_match_units() {
        let ok = transaction("*", vec![posting("2", per_unit_from_total("150", "300"))]);
        assert_eq!(validate_directive(&ok), Ok(()));
        let thirds = transaction(
            "*",
            vec![posting(
                "-3",
                per_unit_from_total("3.333333333333333333333333333", "10"),
            )],
        );
        assert_eq!(validate_directive(&thirds), Ok(()));
        let changed = transaction("*", vec![posting("3", per_unit_from_total("150", "300"))]);
        let error = validate_directive(&changed).unwrap_err();
        assert_eq!(error.field(), "postings[0].cost.number");
        assert!(
            error
                .problem()
                .starts_with("per_unit × |units| is not total (150 × 3 ≠ 300)")
        );
        let zero = transaction("*", vec![posting("0", per_unit_from_total("150", "300"))]);
        assert!(
            validate_directive(&zero)
                .unwrap_err()
                .problem()
                .contains("zero units")
        );
        let mut unitless = posting("1", per_unit_from_total("150", "300"));
        unitless.units = None;
        let error = validate_directive(&transaction("*", vec![unitless])).unwrap_err();
        assert!(error.problem().contains("needs the posting's units"));
    }

    #[test]
    fn flags_cost_dates_and_empty_amounts_are_named() {
        let error = validate_directive(&transaction("**", vec![])).unwrap_err();
        assert_eq!(error.to_string().split(':').next(), Some("flag"));
        let mut bad_date = posting("1", Some(CostNumberData::PerUnit { value: "1".into() }));
        bad_date.cost.as_mut().unwrap().date = Some("2024-1-5".into());
        let error = validate_directive(&transaction("*", vec![bad_date])).unwrap_err();
        assert_eq!(error.field(), "postings[0].cost.date");
        let empty = PostingData {
            units: Some(AmountData::new("", "")),
            ..posting("1", None)
        };
        let error = validate_directive(&transaction("!", vec![empty])).unwrap_err();
        assert_eq!(error.field(), "postings[0].units.number");
        let currency_only = PostingData {
            units: Some(AmountData::new("", "EUR")),
            ..posting("1", None)
        };
        assert_eq!(
            validate_directive(&transaction("!", vec![currency_only])),
            Ok(())
        );
    }

    #[test]
    fn dates_follow_the_calendar() {
        for good in ["2024-02-29", "2000-02-29", "1999-12-31", "0001-01-01"] {
            assert_eq!(check_date(good), Ok(()), "{good}");
        }
        for bad in [
            "1900-02-29",
            "2024-04-31",
            "2024-00-10",
            "2024-01-00",
            "24-01-01",
            "2024-01-01 ",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mantissa_limit_ignores_sign_point_and_leading_zeros() {
        for good in [
            "79228162514264337593543950335",
            "-0007922816251426433759354395033.5",
            "0.7922816251426433759354395033",
            "69999999999999999999999999999",
        ] {
            assert_eq!(check_decimal(good), Ok(()), "{good}");
        }
        for bad in [
            "79228162514264337593543950336",
            "-7922816251426433759354395033.6",
            "80000000000000000000000000000",
            "100000000000000000000000000000",
        ] {
            assert!(
                check_decimal(bad)
                    .unwrap_err()
                    .contains("too many significant"),
                "{bad}"
            );
        }
    }

    /// A calendar date checked digit by digit, as a reference for [`is_calendar_date`].
    fn plain_calendar_date(text: &str) -> bool {
        let bytes = text.as_bytes();
        let shape = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape {
            return false;
        }
        let number = |range: core::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        day != 0 && day <= days
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// The loop-free date check agrees with the calendar computed the plain way, on
        /// date-shaped text and on every real date.
        #[test]
        fn fast_date_check_agrees_with_the_calendar(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9/ -]{8,11}|[,-/0-:]{10}|[0-9é-]{9}|[\\x00-\\x7f]{10}",
            year in 1u32..=9999,
            month in 1u32..=12,
            day in 1u32..=31,
        ) {
            prop_assert_eq!(is_calendar_date(text.as_bytes()), plain_calendar_date(&text), "{}", text);
            let real = format!("{year:04}-{month:02}-{day:02}");
            prop_assert_eq!(is_calendar_date(real.as_bytes()), plain_calendar_date(&real), "{}", real);
        }

        /// The one-pass decimal check never accepts what the full check rejects, and takes
        /// every plain number of up to 28 digits.
        #[test]
        fn fast_decimal_check_agrees_with_the_full_one(text in "-?[0-9]{0,16}(\\.[0-9]{0,12})?|[-.0-9]{0,6}") {
            let full = decimal_problem(&text).is_ok();
            if is_short_plain_decimal(text.as_bytes()) {
                prop_assert!(full, "{} accepted by the shortcut only", text);
            } else {
                let long = text.strip_prefix('-').unwrap_or(&text).len() > MAX_MANTISSA.len() - 1;
                prop_assert!(!full || long, "{} left to the full check although plain and short", text);
            }
        }

        /// Whatever we accept, rustledger's parser accepts with the same digits; whatever we
        /// reject is either rejected by it or a non-canonical form we refuse to emit.
        #[test]
        fn decimals_agree_with_rust_decimal(text in "-?[0-9]{0,31}(\\.[0-9]{0,31})?|[-+.0-9e_ ]{0,8}") {
            let ours = check_decimal(&text);
            let theirs = rlplugin_types::parse_decimal(&text);
            if ours.is_ok() {
                prop_assert!(theirs.is_ok(), "{text} accepted here, rejected by the host");
            } else if let Ok(decimal) = theirs {
                let canonical = text.strip_prefix('-').unwrap_or(&text);
                let non_canonical = text.starts_with('+')
                    || canonical.starts_with('.')
                    || canonical.ends_with('.')
                    || text.contains('_');
                prop_assert!(non_canonical, "{text} rejected here, host reads {decimal}");
            }
        }
    }
}
