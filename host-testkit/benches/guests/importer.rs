//! Benchmark guest: an importer that reads its CSV statement (`date,payee,amount`) line by
//! line, totals the amounts and reports the result as one note on the statement's account.
//! Same source for both SDKs.

use rustledger_plugin_types::{
    DirectiveData, DirectiveWrapper, ImporterInput, ImporterOutput, NoteData, wasm_importer_main,
};

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

/// Parses `-12.34` as cents.
fn cents(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    let mut value: i64 = 0;
    let mut decimals = None;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
                decimals = decimals.map(|d: u32| d + 1);
            }
            b'.' if decimals.is_none() => decimals = Some(0),
            _ => return None,
        }
    }
    let value = match decimals.unwrap_or(0) {
        0 => value.checked_mul(100)?,
        1 => value.checked_mul(10)?,
        2 => value,
        _ => return None,
    };
    Some(if negative { -value } else { value })
}

fn extract(input: ImporterInput) -> ImporterOutput {
    let mut rows = 0u64;
    let mut total = 0i64;
    let mut last_date: &[u8] = b"1970-01-01";
    let mut warnings = Vec::new();
    for (number, line) in input.content.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, |&b| b == b',');
        let (Some(date), Some(_payee), Some(amount)) =
            (fields.next(), fields.next(), fields.next())
        else {
            warnings.push(format!("line {}: expected date,payee,amount", number + 1));
            continue;
        };
        let Some(amount) = cents(amount) else {
            warnings.push(format!("line {}: bad amount", number + 1));
            continue;
        };
        rows += 1;
        total += amount;
        last_date = date;
    }
    let sign = if total < 0 { "-" } else { "" };
    let comment = format!(
        "{rows} rows, total {sign}{}.{:02}",
        total.unsigned_abs() / 100,
        total.unsigned_abs() % 100
    );
    let note = DirectiveWrapper {
        directive_type: String::new(),
        date: String::from_utf8_lossy(last_date).into_owned(),
        filename: None,
        lineno: None,
        data: DirectiveData::Note(NoteData {
            account: input.account,
            comment,
            metadata: Vec::new(),
        }),
    };
    ImporterOutput {
        directives: vec![note],
        warnings,
        errors: Vec::new(),
    }
}

wasm_importer_main! {
    name: "bench-csv",
    description: "Totals a date,payee,amount CSV statement",
    identify: identify,
    extract: extract,
}
