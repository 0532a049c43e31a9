//! CSV importer: turns a bank's CSV statement into beancount transactions.
//!
//! Demonstrates `wasm_importer_main!`, importer options, strict parsing and row-level
//! diagnostics: every row becomes a transaction or a diagnostic naming its line, nothing is
//! dropped silently. The statement is parsed in place, one record at a time, without
//! copying it (fuel grows with every byte touched).
//!
//! Columns are found by header name (`Date`, `Amount`, `Payee`/`Description`,
//! `Narration`/`Memo`, case-insensitive) or set with the options `date_column`,
//! `amount_column`, `payee_column`, `narration_column` (a header name or a 0-based index).
//! rustledger always sends `date_format`, `delimiter`, `has_header`, `skip_rows`,
//! `invert_sign` and `skip_zero_amounts`, and `default_expense`/`default_income` when set.
//!
//! ```text
//! rledger extract --wasm-importer csv_importer.wasm --account Assets:Bank:Checking \
//!     --currency EUR statement.csv
//! ```
//!
//! Run it: `cargo test -p csv-importer` (builds the wasm, runs it in rustledger's importer
//! host), `cargo build -p csv-importer --release --target wasm32-unknown-unknown` for the
//! module.

use std::borrow::Cow;
use std::collections::HashMap;

use rlplugin::{
    AmountData, DirectiveData, DirectiveWrapper, ImporterInput, ImporterOutput, PluginError,
    PostingData, TransactionData,
};

rlplugin::wasm_importer_main! {
    name: "bank-csv",
    description: "Bank CSV statements: columns by header name or options, strict dates and amounts",
    identify: identify,
    extract: extract,
}

/// `identify` only receives the path (rustledger sends no content), so the importer claims
/// every `.csv` file; `extract` then checks the header and explains a mismatch.
#[must_use]
pub fn identify(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(".csv")
}

/// Extracts one transaction per data row.
#[must_use]
pub fn extract(input: ImporterInput) -> ImporterOutput {
    // Diagnostics name the file, not the directory it was downloaded to.
    let path = input.path.rsplit(['/', '\\']).next().unwrap_or(&input.path);
    let options = match Options::from_map(&input.options, input.currency.as_deref()) {
        Ok(options) => options,
        Err(message) => return failed(path, message),
    };
    // Every transaction names the statement's account: a name rledger cannot read back
    // would make the whole extract unusable.
    if let Err(problem) = rlplugin::validate::check_account(&input.account) {
        return failed(path, format!("the statement's account {problem}"));
    }
    let Ok(text) = std::str::from_utf8(&input.content) else {
        return failed(
            path,
            "the statement is not UTF-8; convert it (e.g. iconv -f latin1 -t utf-8)".to_owned(),
        );
    };
    // Spreadsheet exports often start with a byte-order mark; it is not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut output = ImporterOutput::empty();
    // Rows are rarely shorter than 16 bytes; reserving up front spares the copies of every
    // directive that growing the vector would make.
    output.directives.reserve(text.len() / 16 + 1);
    let mut records = Records::new(text, options.delimiter);
    for _ in 0..options.skip_rows {
        if records.next().is_none() {
            break;
        }
    }
    let columns = if options.has_header {
        let Some((line, header)) = records.next() else {
            return failed(
                path,
                "the statement is empty; expected a header row".to_owned(),
            );
        };
        match header.and_then(|header| options.resolve(Some(&header))) {
            Ok(columns) => columns,
            Err(message) => return failed_at(path, line, message),
        }
    } else {
        match options.resolve(None) {
            Ok(columns) => columns,
            Err(message) => return failed(path, message),
        }
    };
    for (line, record) in records {
        let row = record.and_then(|fields| {
            if fields.len() == 1 && fields[0].trim().is_empty() {
                return Ok(None);
            }
            parse_row(&fields, &columns, &options).map(Some)
        });
        match row {
            Ok(None) => {}
            Ok(Some(Row::Zero)) => output.errors.push(
                PluginError::warning(
                    "amount is zero; row skipped because skip_zero_amounts is true".to_owned(),
                )
                .at(path, line),
            ),
            Ok(Some(Row::Entry(row))) => {
                output
                    .directives
                    .push(row.into_directive(&input.account, &options));
            }
            Err(message) => output
                .errors
                .push(PluginError::error(format!("row not imported: {message}")).at(path, line)),
        }
    }
    output
}

fn failed(path: &str, message: String) -> ImporterOutput {
    let mut output = ImporterOutput::empty();
    let mut error = PluginError::error(message);
    error.source_file = Some(path.to_owned());
    output.errors.push(error);
    output
}

fn failed_at(path: &str, line: u32, message: String) -> ImporterOutput {
    let mut output = ImporterOutput::empty();
    output
        .errors
        .push(PluginError::error(message).at(path, line));
    output
}

/// Importer options with their defaults applied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    delimiter: u8,
    has_header: bool,
    skip_rows: usize,
    invert_sign: bool,
    skip_zero_amounts: bool,
    date_format: Vec<DatePart>,
    currency: String,
    columns: [Option<String>; 4],
    expense: String,
    income: String,
}

const DATE: usize = 0;
const AMOUNT: usize = 1;
const PAYEE: usize = 2;
const NARRATION: usize = 3;
const COLUMN_OPTIONS: [&str; 4] = [
    "date_column",
    "amount_column",
    "payee_column",
    "narration_column",
];
/// Header names recognised per column, from English and German bank exports; the first is
/// the name used in messages.
const HEADER_NAMES: [&[&str]; 4] = [
    &[
        "date",
        "booking date",
        "transaction date",
        "posted date",
        "value date",
        "buchungstag",
        "datum",
    ],
    &["amount", "value", "betrag"],
    &[
        "payee",
        "description",
        "merchant",
        "counterparty",
        "name",
        "empfaenger",
        "auftraggeber",
    ],
    &[
        "narration",
        "memo",
        "details",
        "reference",
        "purpose",
        "verwendungszweck",
    ],
];

impl Options {
    /// Reads the options map, applying rustledger's defaults for missing keys.
    ///
    /// # Errors
    ///
    /// Any option with an unusable value, an unknown option, or no currency.
    pub fn from_map(map: &HashMap<String, String>, currency: Option<&str>) -> Result<Self, String> {
        const KNOWN: [&str; 12] = [
            "date_format",
            "delimiter",
            "has_header",
            "skip_rows",
            "invert_sign",
            "skip_zero_amounts",
            "date_column",
            "amount_column",
            "payee_column",
            "narration_column",
            "default_expense",
            "default_income",
        ];
        let mut unknown: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|key| !KNOWN.contains(key))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(format!(
                "unknown importer option {}; known options: {}",
                unknown.join(", "),
                KNOWN.join(", ")
            ));
        }
        let get = |key: &str| map.get(key).map(|v| v.trim());
        let flag = |key: &str, default: bool| match get(key) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(format!("option {key} is {other:?}; use true or false")),
        };
        let delimiter = match map.get("delimiter").map(String::as_str) {
            None => b',',
            Some("\\t" | "tab") => b'\t',
            Some(d) if d.len() == 1 && d != "\"" && d != "\n" => d.as_bytes()[0],
            Some(d) => {
                return Err(format!(
                    "option delimiter is {d:?}; use a single ASCII character such as \",\" or \";\""
                ));
            }
        };
        let skip_rows = match get("skip_rows") {
            None => 0,
            Some(n) => n
                .parse()
                .map_err(|_| format!("option skip_rows is {n:?}; use a whole number such as 0"))?,
        };
        let currency = currency.filter(|c| !c.is_empty()).ok_or_else(|| {
            "no currency configured for this statement; pass --currency (e.g. EUR)".to_owned()
        })?;
        let columns =
            COLUMN_OPTIONS.map(|key| get(key).filter(|v| !v.is_empty()).map(str::to_owned));
        for key in ["default_expense", "default_income"] {
            if let Some(account) = get(key) {
                rlplugin::validate::check_account(account)
                    .map_err(|problem| format!("option {key}: {problem}"))?;
            }
        }
        Ok(Self {
            delimiter,
            has_header: flag("has_header", true)?,
            skip_rows,
            invert_sign: flag("invert_sign", false)?,
            skip_zero_amounts: flag("skip_zero_amounts", false)?,
            date_format: parse_date_format(get("date_format").unwrap_or("%Y-%m-%d"))?,
            currency: currency.to_owned(),
            columns,
            expense: get("default_expense")
                .unwrap_or("Expenses:Uncategorized")
                .to_owned(),
            income: get("default_income")
                .unwrap_or("Income:Uncategorized")
                .to_owned(),
        })
    }

    /// Column indices for date, amount, payee and narration.
    fn resolve(&self, header: Option<&[Cow<'_, str>]>) -> Result<[Option<usize>; 4], String> {
        let mut found = [None; 4];
        for (slot, key) in COLUMN_OPTIONS.iter().enumerate() {
            found[slot] = match (&self.columns[slot], header) {
                (Some(spec), _) if spec.bytes().all(|b| b.is_ascii_digit()) => Some(
                    spec.parse()
                        .map_err(|_| format!("option {key} is too large"))?,
                ),
                (Some(spec), Some(header)) => Some(
                    header
                        .iter()
                        .position(|name| name.trim().eq_ignore_ascii_case(spec))
                        .ok_or_else(|| {
                            format!(
                                "option {key} names the column {spec:?} but the header has {}",
                                quoted_list(header)
                            )
                        })?,
                ),
                (Some(spec), None) => {
                    return Err(format!(
                        "option {key} is {spec:?} but has_header is false; give a 0-based column index"
                    ));
                }
                (None, Some(header)) => header.iter().position(|name| {
                    HEADER_NAMES[slot]
                        .iter()
                        .any(|known| name.trim().eq_ignore_ascii_case(known))
                }),
                (None, None) => None,
            };
        }
        for required in [DATE, AMOUNT] {
            if found[required].is_none() {
                let key = COLUMN_OPTIONS[required];
                // rustledger 0.24 passes no column options to a WASM importer, so the fix
                // offered is the one that works there: the header names.
                return Err(match header {
                    Some(header) => format!(
                        "this does not look like the expected bank CSV: no {} column among {}; name the column {}",
                        HEADER_NAMES[required][0],
                        quoted_list(header),
                        HEADER_NAMES[required]
                            .iter()
                            .map(|name| format!("{name:?}"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    None => format!(
                        "has_header is false, so no {key} is known; keep the statement's header row and set has_header to true"
                    ),
                });
            }
        }
        Ok(found)
    }
}

fn quoted_list(header: &[Cow<'_, str>]) -> String {
    header
        .iter()
        .map(|name| format!("{:?}", name.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

enum Row<'a> {
    Zero,
    Entry(Entry<'a>),
}

struct Entry<'a> {
    date: String,
    amount: String,
    payee: Option<Cow<'a, str>>,
    narration: Cow<'a, str>,
}

fn parse_row<'a>(
    fields: &[Cow<'a, str>],
    columns: &[Option<usize>; 4],
    options: &Options,
) -> Result<Row<'a>, String> {
    let field = |slot: usize| -> Result<Option<&Cow<'a, str>>, String> {
        match columns[slot] {
            None => Ok(None),
            Some(index) => fields.get(index).map(Some).ok_or_else(|| {
                format!(
                    "it has {} fields but the {} column is number {} (0-based {index})",
                    fields.len(),
                    HEADER_NAMES[slot][0],
                    index + 1
                )
            }),
        }
    };
    let date_text = field(DATE)?.map_or("", |f| f.trim());
    let date = parse_date(date_text, &options.date_format)?;
    let amount_text = field(AMOUNT)?.map_or("", |f| f.trim());
    let mut amount = parse_amount(amount_text)?;
    if amount.bytes().all(|b| b == b'0' || b == b'.' || b == b'-') {
        if options.skip_zero_amounts {
            return Ok(Row::Zero);
        }
        amount = amount.trim_start_matches('-').to_owned();
    } else if options.invert_sign {
        amount = negate(&amount);
    }
    let clean = |f: Option<&Cow<'a, str>>| {
        f.map(|f| match f {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
        })
        .filter(|f| !f.is_empty())
    };
    Ok(Row::Entry(Entry {
        date,
        amount,
        payee: clean(field(PAYEE)?),
        narration: clean(field(NARRATION)?).unwrap_or_default(),
    }))
}

impl Entry<'_> {
    fn into_directive(self, account: &str, options: &Options) -> DirectiveWrapper {
        let counter = if self.amount.starts_with('-') {
            &options.expense
        } else {
            &options.income
        };
        let leg = |account: &str, number: String| PostingData {
            account: account.to_owned(),
            units: Some(AmountData::new(number, options.currency.clone())),
            cost: None,
            price: None,
            flag: None,
            metadata: Vec::new(),
            span: None,
        };
        let opposite = negate(&self.amount);
        DirectiveWrapper {
            directive_type: String::new(),
            date: self.date,
            filename: None,
            lineno: None,
            data: DirectiveData::Transaction(TransactionData {
                flag: "*".to_owned(),
                payee: self.payee.map(Cow::into_owned),
                narration: self.narration.into_owned(),
                tags: Vec::new(),
                links: Vec::new(),
                metadata: Vec::new(),
                postings: vec![leg(account, self.amount), leg(counter, opposite)],
            }),
        }
    }
}

fn negate(number: &str) -> String {
    match number.strip_prefix('-') {
        Some(positive) => positive.to_owned(),
        None => ["-", number].concat(),
    }
}

/// Parses an amount as rustledger reads numbers ([`rlplugin::validate::check_decimal`]),
/// allowing the leading `+` some exports write. Returns it as the host will print it.
///
/// # Errors
///
/// Anything else, with a hint for the usual culprit (thousands separators or decimal
/// commas) or the host's own reason.
pub fn parse_amount(text: &str) -> Result<String, String> {
    let number = text.strip_prefix('+').unwrap_or(text);
    match rlplugin::validate::check_decimal(number) {
        Ok(()) => Ok(number.to_owned()),
        Err(_) if text.contains(',') => Err(format!(
            "amount {text:?} is not a number: write it without thousands separators and with a '.' decimal point"
        )),
        Err(problem) => Err(format!("amount {text:?} is not a number: {problem}")),
    }
}

/// One piece of a `date_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// `%Y`: four-digit year.
    Year,
    /// `%y`: two-digit year, 2000–2099.
    ShortYear,
    /// `%m`: month, 1 or 2 digits.
    Month,
    /// `%b`: English month abbreviation, any case.
    MonthName,
    /// `%d`: day, 1 or 2 digits.
    Day,
    /// A character that must appear as is.
    Literal(char),
}

/// Compiles a strftime-style `date_format` (`%Y`, `%y`, `%m`, `%b`, `%d`, `%%`).
///
/// # Errors
///
/// Unsupported directives, or a format without a year, month and day.
pub fn parse_date_format(format: &str) -> Result<Vec<DatePart>, String> {
    let mut parts = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => match chars.next() {
                Some('Y') => DatePart::Year,
                Some('y') => DatePart::ShortYear,
                Some('m') => DatePart::Month,
                Some('b') => DatePart::MonthName,
                Some('d') => DatePart::Day,
                Some('%') => DatePart::Literal('%'),
                other => {
                    return Err(format!(
                        "option date_format {format:?} uses %{}, which this importer does not support; use %Y, %y, %m, %b, %d",
                        other.map(String::from).unwrap_or_default()
                    ));
                }
            },
            c => DatePart::Literal(c),
        });
    }
    let has = |wanted: &[DatePart]| parts.iter().any(|p| wanted.contains(p));
    if !(has(&[DatePart::Year, DatePart::ShortYear])
        && has(&[DatePart::Month, DatePart::MonthName])
        && has(&[DatePart::Day]))
    {
        return Err(format!(
            "option date_format {format:?} needs a year, a month and a day, e.g. %d/%m/%Y"
        ));
    }
    Ok(parts)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses `text` with a compiled `date_format` into `YYYY-MM-DD`, rejecting impossible
/// dates such as February 30 ([`rlplugin::validate::check_date`]).
///
/// # Errors
///
/// Text that does not follow the format or is not a real date.
pub fn parse_date(text: &str, format: &[DatePart]) -> Result<String, String> {
    // The default format's usual case: the text is already a date as the host writes it.
    if format == ISO && rlplugin::validate::check_date(text).is_ok() {
        return Ok(text.to_owned());
    }
    let iso = reorder_date(text, format)?;
    rlplugin::validate::check_date(&iso)
        .map(|()| iso)
        .map_err(|_| format!("date {text:?} is not a calendar date"))
}

/// The default `date_format`, which is already the host's.
const ISO: [DatePart; 5] = [
    DatePart::Year,
    DatePart::Literal('-'),
    DatePart::Month,
    DatePart::Literal('-'),
    DatePart::Day,
];

/// The year, month and day `format` finds in `text`, written `YYYY-MM-DD` (not yet checked
/// against the calendar).
fn reorder_date(text: &str, format: &[DatePart]) -> Result<String, String> {
    let fail = || format!("date {text:?} does not match the date_format option");
    let bytes = text.as_bytes();
    let mut at = 0;
    let (mut year, mut month, mut day) = (0, 0, 0);
    for part in format {
        match *part {
            DatePart::Year => year = digits_at(text, &mut at, 4, 4).ok_or_else(fail)?,
            DatePart::ShortYear => year = 2000 + digits_at(text, &mut at, 2, 2).ok_or_else(fail)?,
            DatePart::Month => month = digits_at(text, &mut at, 2, 1).ok_or_else(fail)?,
            DatePart::Day => day = digits_at(text, &mut at, 2, 1).ok_or_else(fail)?,
            DatePart::MonthName => {
                let name = text.get(at..at + 3).ok_or_else(fail)?;
                let index = MONTHS
                    .iter()
                    .position(|m| m.eq_ignore_ascii_case(name))
                    .ok_or_else(fail)?;
                month = u32::try_from(index).map_err(|_| fail())? + 1;
                at += 3;
            }
            DatePart::Literal(c) => {
                let mut buf = [0; 4];
                let literal = c.encode_utf8(&mut buf).as_bytes();
                if !bytes[at..].starts_with(literal) {
                    return Err(fail());
                }
                at += literal.len();
            }
        }
    }
    if at != bytes.len() {
        return Err(fail());
    }
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

/// Reads between `min` and `max` digits at `*at`, advancing past them.
fn digits_at(text: &str, at: &mut usize, max: usize, min: usize) -> Option<u32> {
    let digits = text.as_bytes()[*at..]
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits < min {
        return None;
    }
    let value = text.as_bytes()[*at..*at + digits]
        .iter()
        .fold(0, |value, &b| value * 10 + u32::from(b - b'0'));
    *at += digits;
    Some(value)
}

/// CSV records of a statement, each with the 1-based line it starts on. Fields borrow from
/// the statement unless they are quoted with doubled quotes inside.
pub struct Records<'a> {
    text: &'a str,
    at: usize,
    line: u32,
    delimiter: u8,
}

impl<'a> Records<'a> {
    /// Records of `text` separated by `delimiter`.
    #[must_use]
    pub const fn new(text: &'a str, delimiter: u8) -> Self {
        Self {
            text,
            at: 0,
            line: 1,
            delimiter,
        }
    }

    fn record(&mut self) -> Result<Vec<Cow<'a, str>>, String> {
        let bytes = self.text.as_bytes();
        // Statements rarely have more than eight columns: one allocation per row.
        let mut fields = Vec::with_capacity(8);
        loop {
            if bytes.get(self.at) == Some(&b'"') {
                let start_line = self.line;
                self.at += 1;
                let start = self.at;
                let mut owned: Option<String> = None;
                loop {
                    match bytes.get(self.at) {
                        None => {
                            return Err(format!(
                                "the quoted field opened on line {start_line} is never closed"
                            ));
                        }
                        Some(b'"') if bytes.get(self.at + 1) == Some(&b'"') => {
                            let text = owned.get_or_insert_with(String::new);
                            if text.is_empty() {
                                text.push_str(&self.text[start..self.at]);
                            }
                            text.push('"');
                            self.at += 2;
                        }
                        Some(b'"') => break,
                        Some(_) if owned.is_none() => {
                            // Up to the next quote or line break in one scan.
                            self.at += rlplugin::text::find_any(&bytes[self.at..], [b'"', b'\n'])
                                .unwrap_or(bytes.len() - self.at);
                            if bytes.get(self.at) == Some(&b'\n') {
                                self.line += 1;
                                self.at += 1;
                            }
                        }
                        Some(&b) => {
                            if b == b'\n' {
                                self.line += 1;
                            }
                            if let Some(text) = &mut owned {
                                let len = self.text[self.at..]
                                    .chars()
                                    .next()
                                    .map_or(1, char::len_utf8);
                                text.push_str(&self.text[self.at..self.at + len]);
                                self.at += len;
                                continue;
                            }
                            self.at += 1;
                        }
                    }
                }
                let field = owned.map_or(Cow::Borrowed(&self.text[start..self.at]), Cow::Owned);
                self.at += 1;
                fields.push(field);
                match bytes.get(self.at) {
                    Some(&b) if b == self.delimiter => self.at += 1,
                    None | Some(b'\n' | b'\r') => return Ok(self.end_line(fields)),
                    Some(_) => {
                        self.skip_line();
                        return Err("text after a closing quote; quote the whole field".to_owned());
                    }
                }
            } else {
                let start = self.at;
                self.at +=
                    rlplugin::text::find_any(&bytes[start..], [self.delimiter, b'\n', b'\r'])
                        .unwrap_or(bytes.len() - start);
                fields.push(Cow::Borrowed(&self.text[start..self.at]));
                match bytes.get(self.at) {
                    Some(&b) if b == self.delimiter => self.at += 1,
                    _ => return Ok(self.end_line(fields)),
                }
            }
        }
    }

    fn end_line(&mut self, fields: Vec<Cow<'a, str>>) -> Vec<Cow<'a, str>> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.at) == Some(&b'\r') {
            self.at += 1;
        }
        if bytes.get(self.at) == Some(&b'\n') {
            self.at += 1;
            self.line += 1;
        }
        fields
    }

    fn skip_line(&mut self) {
        match rlplugin::text::find_byte(&self.text.as_bytes()[self.at..], b'\n') {
            Some(offset) => {
                self.at += offset + 1;
                self.line += 1;
            }
            None => self.at = self.text.len(),
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (u32, Result<Vec<Cow<'a, str>>, String>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.text.len() {
            return None;
        }
        let line = self.line;
        Some((line, self.record()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn input(content: &str, pairs: &[(&str, &str)]) -> ImporterInput {
        ImporterInput {
            path: "statement.csv".into(),
            content: content.as_bytes().to_vec(),
            account: "Assets:Bank".into(),
            currency: Some("EUR".into()),
            options: options(pairs),
        }
    }

    fn summary(output: &ImporterOutput) -> Vec<String> {
        let mut lines: Vec<String> = output
            .directives
            .iter()
            .map(|d| match &d.data {
                DirectiveData::Transaction(t) => format!(
                    "{} {:?} {:?} {} {} / {} {}",
                    d.date,
                    t.payee,
                    t.narration,
                    t.postings[0].account,
                    t.postings[0].units.as_ref().unwrap().number,
                    t.postings[1].account,
                    t.postings[1].units.as_ref().unwrap().number,
                ),
                _ => unreachable!(),
            })
            .collect();
        lines.extend(output.errors.iter().map(ToString::to_string));
        lines
    }

    #[test]
    fn identifies_csv_files_by_extension_only() {
        assert!(identify("/downloads/Statement-2024.CSV"));
        assert!(identify("bank.csv"));
        assert!(!identify("/downloads/csv"));
        assert!(!identify("/data.csv/notes.txt"));
        assert!(!identify(".csv"));
    }

    #[test]
    fn records_handle_quotes_delimiters_and_line_numbers() {
        let text = "a,\"b, c\",d\r\n\"say \"\"hi\"\"\",\"two\nlines\"\nlast";
        let records: Vec<_> = Records::new(text, b',')
            .map(|(line, r)| {
                (
                    line,
                    r.unwrap().iter().map(|f| f.to_string()).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            records,
            [
                (1, vec!["a".to_owned(), "b, c".into(), "d".into()]),
                (2, vec!["say \"hi\"".into(), "two\nlines".into()]),
                (4, vec!["last".into()]),
            ]
        );
    }

    #[test]
    fn malformed_quotes_are_reported_and_parsing_continues() {
        let text = "\"a\"b,c\nok\n\"open";
        let records: Vec<_> = Records::new(text, b',').collect();
        assert_eq!(
            records[0].1.as_ref().unwrap_err(),
            "text after a closing quote; quote the whole field"
        );
        assert_eq!(records[1].0, 2);
        assert!(
            records[2]
                .1
                .as_ref()
                .unwrap_err()
                .contains("opened on line 3 is never closed")
        );
    }

    #[test]
    fn amounts_are_strict() {
        assert_eq!(parse_amount("-12.50").unwrap(), "-12.50");
        assert_eq!(parse_amount("+3").unwrap(), "3");
        for (bad, hint) in [
            ("1,234.50", "thousands separators"),
            ("12,50", "thousands separators"),
            ("1e5", "plain decimal"),
            (".5", "plain decimal"),
            ("5.", "plain decimal"),
            ("€5", "plain decimal"),
            ("", "empty"),
            (
                "79228162514264337593543950336",
                "too many significant digits",
            ),
        ] {
            let error = parse_amount(bad).unwrap_err();
            assert!(error.contains(hint), "{bad:?}: {error}");
        }
    }

    #[test]
    fn dates_follow_the_format_and_the_calendar() {
        let iso = parse_date_format("%Y-%m-%d").unwrap();
        assert_eq!(parse_date("2024-02-29", &iso).unwrap(), "2024-02-29");
        assert_eq!(parse_date("2024-3-7", &iso).unwrap(), "2024-03-07");
        assert!(
            parse_date("2024-00-10", &iso)
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(
            parse_date("2024-04-00", &iso)
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(parse_date("2024-04-1x", &iso).is_err());
        assert!(
            parse_date("2023-02-29", &iso)
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(
            parse_date("2024-13-01", &iso)
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(parse_date("2024-01-01x", &iso).is_err());
        let us = parse_date_format("%m/%d/%y").unwrap();
        assert_eq!(parse_date("3/7/24", &us).unwrap(), "2024-03-07");
        let named = parse_date_format("%d %b %Y").unwrap();
        assert_eq!(parse_date("07 MAR 2024", &named).unwrap(), "2024-03-07");
        assert!(parse_date_format("%Y-%j").unwrap_err().contains("%j"));
        assert!(
            parse_date_format("%Y-%m")
                .unwrap_err()
                .contains("needs a year, a month and a day")
        );
    }

    #[test]
    fn rows_become_transactions_and_bad_rows_errors_with_lines() {
        let csv = "Date,Description,Amount,Memo\n\
                   2024-03-01,Grocer,-54.20,weekly\n\
                   2024-03-02,\"ACME, Inc\",2500.00,salary\n\
                   2024-03-31,Bank,0.00,fee waived\n\
                   2024-02-30,Cafe,-3.00,\n\
                   2024-03-03,Cafe,\"1,000.00\",\n";
        let output = extract(input(csv, &[("skip_zero_amounts", "true")]));
        assert_eq!(
            summary(&output),
            [
                "2024-03-01 Some(\"Grocer\") \"weekly\" Assets:Bank -54.20 / Expenses:Uncategorized 54.20",
                "2024-03-02 Some(\"ACME, Inc\") \"salary\" Assets:Bank 2500.00 / Income:Uncategorized -2500.00",
                "statement.csv:4: warning: amount is zero; row skipped because skip_zero_amounts is true",
                "statement.csv:5: error: row not imported: date \"2024-02-30\" is not a calendar date",
                "statement.csv:6: error: row not imported: amount \"1,000.00\" is not a number: write it without thousands separators and with a '.' decimal point",
            ]
        );
    }

    #[test]
    fn options_choose_columns_delimiter_sign_and_accounts() {
        let csv = "# export v2\nBuchung;Betrag;Empfaenger\n01.03.2024;54.20;Grocer\n";
        let output = extract(input(
            csv,
            &[
                ("skip_rows", "1"),
                ("delimiter", ";"),
                ("date_column", "Buchung"),
                ("amount_column", "1"),
                ("payee_column", "empfaenger"),
                ("date_format", "%d.%m.%Y"),
                ("invert_sign", "true"),
                ("default_expense", "Expenses:Food"),
            ],
        ));
        assert_eq!(
            summary(&output),
            ["2024-03-01 Some(\"Grocer\") \"\" Assets:Bank -54.20 / Expenses:Food 54.20"]
        );
    }

    #[test]
    fn a_foreign_header_or_bad_option_is_one_clear_error() {
        let output = extract(input("When,What\n2024-01-01,x\n", &[]));
        assert_eq!(
            summary(&output),
            [
                "statement.csv:1: error: this does not look like the expected bank CSV: no date column among \"When\", \"What\"; name the column \"date\" or \"booking date\" or \"transaction date\" or \"posted date\" or \"value date\" or \"buchungstag\" or \"datum\""
            ]
        );
        let output = extract(input("Date,Amount\n", &[("has_header", "yes")]));
        assert_eq!(
            output.errors[0].message,
            "option has_header is \"yes\"; use true or false"
        );
        let output = extract(input("Date,Amount\n", &[("colour", "red")]));
        assert!(
            output.errors[0]
                .message
                .starts_with("unknown importer option colour")
        );
        let output = extract(input("1,2\n", &[("has_header", "false")]));
        assert_eq!(
            output.errors[0].message,
            "has_header is false, so no date_column is known; keep the statement's header row and set has_header to true"
        );
    }

    #[test]
    fn accounts_are_checked_by_rustledger_s_rule() {
        let output = extract(input(
            "Date,Amount\n2024-01-01,-2.50\n",
            &[("default_expense", "Ausgaben:食品")],
        ));
        assert!(output.errors.is_empty(), "{:?}", summary(&output));
        let output = extract(input(
            "Date,Amount\n2024-01-01,-2.50\n",
            &[("default_expense", "expenses")],
        ));
        assert!(
            output.errors[0]
                .message
                .starts_with("option default_expense: \"expenses\" is not an account name"),
            "{:?}",
            output.errors
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_header() {
        let output = extract(input(
            "\u{feff}Date,Payee,Amount\n2024-01-01,Shop,-2.50\n",
            &[],
        ));
        assert!(output.errors.is_empty(), "{:?}", summary(&output));
        assert_eq!(output.directives.len(), 1);
    }

    #[test]
    fn short_rows_name_the_missing_column() {
        let output = extract(input("Date,Payee,Amount\n2024-01-01,Shop\n\n", &[]));
        assert_eq!(
            summary(&output),
            [
                "statement.csv:2: error: row not imported: it has 2 fields but the amount column is number 3 (0-based 2)"
            ]
        );
    }
}
