//! Deterministic synthetic ledgers of any size, for measuring how a plugin's cost grows.
//!
//! Owned by the CLI (`rlplugin bench`); the kit exposes it so plugin authors can write the
//! same scaling tests themselves. The text is plain beancount that rustledger 0.24 loads
//! without errors: a preamble of commodities and opens, then a dated stream of transactions
//! with 2–4 postings (card purchases, salary, rent, card payments, stock buys at cost with a
//! fee, euro spending at a price), price directives and balance assertions that hold.
//! Metadata, tags and links appear at realistic rates so plugins that read them pay for them.
//!
//! Two shapes:
//!
//! - [`ledger`]: about three directives a day, mostly transactions; the general shape for
//!   measuring how a plugin's cost grows with its input.
//! - [`heavy_ledger`]: a heavy user's books, years of them, with the daily closing price of
//!   every commodity held (so most directives are prices), monthly balance assertions, an
//!   account opened every year, and transactions with costs. This is the shape a plugin
//!   must fit to be usable on a household's real books: 30,000 directives is about eleven
//!   years of them.
//!
//! The same `(directives, seed)` pair always gives the same bytes: numbers come from a
//! small fixed PRNG (splitmix64), never from the environment or the clock.
//!
//! ```
//! use rlplugin_testkit::synthetic;
//!
//! let text = synthetic::ledger(100);
//! assert_eq!(synthetic::count_directives(&text), 100);
//! assert_eq!(text, synthetic::ledger(100));
//!
//! let heavy = synthetic::heavy_ledger(30_000);
//! assert_eq!(synthetic::count_directives(&heavy), 30_000);
//! ```

use std::fmt::Write as _;

/// The seed [`ledger`] uses; [`ledger_with_seed`] takes any other.
pub const DEFAULT_SEED: u64 = 0x5EED_1ED6;

const COMMODITIES: [&str; 4] = ["USD", "EUR", "AAPL", "VTI"];

const ACCOUNTS: [(&str, &str); 16] = [
    ("Assets:Bank:Checking", "USD"),
    ("Assets:Bank:Savings", "USD"),
    ("Assets:Bank:Euro", "EUR"),
    ("Assets:Broker:Cash", "USD"),
    ("Assets:Broker:AAPL", "AAPL"),
    ("Assets:Broker:VTI", "VTI"),
    ("Liabilities:CreditCard", "USD"),
    ("Income:Salary", "USD"),
    ("Income:Interest", "USD"),
    ("Equity:Opening-Balances", ""),
    ("Expenses:Groceries", ""),
    ("Expenses:Restaurants", ""),
    ("Expenses:Rent", ""),
    ("Expenses:Travel", ""),
    ("Expenses:Fees", ""),
    ("Expenses:Utilities", ""),
];

const SHOPS: [&str; 6] = [
    "Green Market",
    "Corner Bakery",
    "Fresh Foods",
    "Noodle House",
    "Pizza Roma",
    "Cafe Central",
];

/// The heavy ledger's commodities beyond [`COMMODITIES`] and their accounts.
const HEAVY_COMMODITIES: [&str; 3] = ["GBP", "VXUS", "BND"];

const HEAVY_ACCOUNTS: [(&str, &str); 3] = [
    ("Assets:Bank:Pound", "GBP"),
    ("Assets:Broker:VXUS", "VXUS"),
    ("Assets:Broker:BND", "BND"),
];

/// The heavy ledger's first day, as days after 2020-01-01 (2010-01-01).
const HEAVY_START: i64 = -3_652;

/// A commodity quoted every day of the heavy ledger: a bounded random walk of its price in
/// USD, as a fixed-point integer with `places` decimals.
struct Quote {
    commodity: &'static str,
    value: i64,
    places: u32,
    step: i64,
    floor: i64,
    cap: i64,
}

impl Quote {
    const fn new(commodity: &'static str, value: i64, places: u32, step: i64) -> Self {
        Self {
            commodity,
            value,
            places,
            step,
            floor: value / 3,
            cap: value * 4,
        }
    }
}

/// A ledger of exactly `directives` directives generated with [`DEFAULT_SEED`].
///
/// Directives are counted as rustledger counts them (options are not directives). Ledgers
/// smaller than the 20-directive preamble contain only its first `directives` entries.
pub fn ledger(directives: usize) -> String {
    ledger_with_seed(directives, DEFAULT_SEED)
}

/// Like [`ledger`], with another seed: same shapes, different amounts, dates and mix.
pub fn ledger_with_seed(directives: usize, seed: u64) -> String {
    Generator::new(directives, seed).run()
}

/// A heavy user's books of exactly `directives` directives, generated with [`DEFAULT_SEED`].
///
/// Starting on 2010-01-01, every day has the closing price of each of six commodities
/// (four funds and shares, two currencies against USD), up to three transactions
/// (card purchases, salary, bills, card payments, euro and pound spending at a price,
/// purchases of shares at cost with a fee, a yearly tax payment), and the first of every
/// month has balance assertions for the checking and savings accounts, which hold. Each
/// January opens that year's tax account. Prices make up about four in five of the
/// directives, as in real books that track a portfolio's value daily.
///
/// rustledger 0.24 loads it without errors. Use it for the budget tests a plugin must pass
/// before users with years of books can run it:
///
/// ```
/// use rlplugin_testkit::synthetic;
///
/// let text = synthetic::heavy_ledger(30_000);
/// assert_eq!(synthetic::count_directives(&text), 30_000);
/// assert!(text.contains(" price VXUS "));
/// // Deterministic: the same books, byte for byte, on every machine.
/// assert_eq!(text, synthetic::heavy_ledger(30_000));
/// ```
///
/// Ledgers smaller than its preamble (commodities and opens) contain only the preamble's
/// first `directives` entries.
pub fn heavy_ledger(directives: usize) -> String {
    heavy_ledger_with_seed(directives, DEFAULT_SEED)
}

/// Like [`heavy_ledger`], with another seed: same shapes, different amounts and mix.
pub fn heavy_ledger_with_seed(directives: usize, seed: u64) -> String {
    Generator::new(directives, seed).run_heavy()
}

/// How many directives `text` holds, counting lines that open with a `YYYY-MM-DD` date.
///
/// Exact for text from this module; a rough count for hand-written ledgers.
pub fn count_directives(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            let b = line.as_bytes();
            b.len() >= 10
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[5..7].iter().all(u8::is_ascii_digit)
                && b[7] == b'-'
                && b[8..10].iter().all(u8::is_ascii_digit)
        })
        .count()
}

/// splitmix64: tiny, well-distributed, and stable across platforms and releases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next() % span) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

struct Generator {
    target: usize,
    emitted: usize,
    rng: Rng,
    out: String,
    /// Days since 2020-01-01.
    day: i64,
    /// Running balance of Assets:Bank:Checking in cents, for assertions that hold.
    checking: i64,
    /// Running balance of Assets:Bank:Savings in cents (the heavy ledger asserts it too).
    savings: i64,
    serial: u64,
    aapl: i64,
    vti: i64,
    eur: i64,
}

impl Generator {
    fn new(target: usize, seed: u64) -> Self {
        Self {
            target,
            emitted: 0,
            rng: Rng(seed),
            out: String::with_capacity(target * 160),
            day: 0,
            checking: 0,
            savings: 0,
            serial: 0,
            aapl: 18_000,
            vti: 21_000,
            eur: 10_850,
        }
    }

    fn full(&self) -> bool {
        self.emitted >= self.target
    }

    fn date(&self) -> String {
        civil_date(self.day)
    }

    /// The title, commodities and opens on the first day; false when the ledger is full
    /// before the preamble ends.
    fn preamble(&mut self, title: &str, commodities: &[&str], accounts: &[(&str, &str)]) -> bool {
        let _ = writeln!(
            self.out,
            "option \"title\" \"{title}: {} directives\"\noption \"operating_currency\" \"USD\"\n",
            self.target
        );
        let date = self.date();
        for c in commodities {
            if self.full() {
                return false;
            }
            let _ = writeln!(self.out, "{date} commodity {c}");
            self.emitted += 1;
        }
        for (account, currency) in accounts {
            if self.full() {
                return false;
            }
            let sep = if currency.is_empty() { "" } else { " " };
            let _ = writeln!(self.out, "{date} open {account}{sep}{currency}");
            self.emitted += 1;
        }
        self.out.push('\n');
        self.day += 1;
        if !self.full() {
            self.opening();
        }
        true
    }

    fn run(mut self) -> String {
        if !self.preamble("synthetic ledger", &COMMODITIES, &ACCOUNTS) {
            return self.out;
        }
        while !self.full() {
            // About three directives a day: a year of ledger per ~1000 directives.
            if self.rng.chance(35) {
                self.day += 1;
                if self.rng.chance(12) {
                    self.balance();
                    continue;
                }
            }
            match self.rng.range(0, 99) {
                0..=7 => self.price(),
                8..=42 => self.card_purchase(),
                43..=52 => self.salary(),
                53..=59 => self.rent_or_utilities(),
                60..=69 => self.card_payment(),
                70..=79 => self.stock_buy(),
                80..=89 => self.euro_spend(),
                _ => self.broker_transfer(),
            }
        }
        self.out
    }

    fn run_heavy(mut self) -> String {
        self.day = HEAVY_START;
        let commodities: Vec<&str> = COMMODITIES.into_iter().chain(HEAVY_COMMODITIES).collect();
        let accounts: Vec<(&str, &str)> = ACCOUNTS.into_iter().chain(HEAVY_ACCOUNTS).collect();
        if !self.preamble("heavy synthetic ledger", &commodities, &accounts) {
            return self.out;
        }
        let mut quotes = [
            Quote::new("AAPL", self.aapl, 2, 300),
            Quote::new("VTI", self.vti, 2, 250),
            Quote::new("VXUS", 5_500, 2, 80),
            Quote::new("BND", 8_200, 2, 40),
            Quote::new("EUR", self.eur, 4, 40),
            Quote::new("GBP", 12_700, 4, 45),
        ];
        let mut tax_account: Option<String> = None;
        while !self.full() {
            let date = self.date();
            let (year, month_day) = (&date[..4], &date[5..]);
            if month_day.ends_with("-01") {
                for (account, balance) in [
                    ("Assets:Bank:Checking", self.checking),
                    ("Assets:Bank:Savings", self.savings),
                ] {
                    if self.full() {
                        return self.out;
                    }
                    let _ = writeln!(self.out, "{date} balance {account}  {} USD", money(balance));
                    self.emitted += 1;
                }
            }
            if month_day == "01-01" && !self.full() {
                let account = format!("Expenses:Taxes:Y{year}");
                let _ = writeln!(self.out, "{date} open {account} USD");
                self.emitted += 1;
                tax_account = Some(account);
            }
            for quote in &mut quotes {
                if self.full() {
                    return self.out;
                }
                quote.value = (quote.value + self.rng.range(-quote.step, quote.step))
                    .clamp(quote.floor, quote.cap);
                let _ = writeln!(
                    self.out,
                    "{date} price {}  {} USD",
                    quote.commodity,
                    decimal(quote.value, quote.places)
                );
                self.emitted += 1;
            }
            self.out.push('\n');
            if month_day == "04-15"
                && let Some(account) = &tax_account
                && !self.full()
            {
                let account = account.clone();
                let amount = self.rng.range(150_000, 900_000);
                self.txn_header("Tax Office", "Income tax", "");
                self.posting(&account, amount, "USD");
                self.posting("Assets:Bank:Checking", -amount, "USD");
                self.checking -= amount;
                self.end_entry();
            }
            for _ in 0..self.rng.range(0, 3) {
                if self.full() {
                    return self.out;
                }
                match self.rng.range(0, 99) {
                    0..=34 => self.card_purchase(),
                    35..=41 => self.salary(),
                    42..=47 => self.rent_or_utilities(),
                    48..=55 => self.card_payment(),
                    56..=75 => {
                        let stocks = &quotes[..4];
                        let quote = &stocks[(self.rng.next() % stocks.len() as u64) as usize];
                        let (symbol, price) = (quote.commodity, quote.value);
                        self.buy(symbol, price);
                    }
                    76..=87 => {
                        let (eur, gbp) = (&quotes[4], &quotes[5]);
                        if self.rng.chance(70) {
                            let payees = ["Hotel Berlin", "Train DB", "Museo Prado"];
                            self.foreign_spend("Assets:Bank:Euro", "EUR", eur.value, &payees);
                        } else {
                            let payees = ["Hotel London", "Rail UK", "Tate Cafe"];
                            self.foreign_spend("Assets:Bank:Pound", "GBP", gbp.value, &payees);
                        }
                    }
                    _ => self.broker_transfer(),
                }
            }
            self.day += 1;
        }
        self.out
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn txn_header(&mut self, payee: &str, narration: &str, suffix: &str) {
        let date = self.date();
        let _ = writeln!(self.out, "{date} * \"{payee}\" \"{narration}\"{suffix}");
        if self.rng.chance(30) {
            let n = self.next_serial();
            let _ = writeln!(self.out, "  receipt: \"R-{n:06}\"");
        }
        self.emitted += 1;
    }

    fn posting(&mut self, account: &str, cents: i64, currency: &str) {
        let _ = writeln!(self.out, "  {account}  {} {currency}", money(cents));
    }

    fn end_entry(&mut self) {
        self.out.push('\n');
    }

    fn opening(&mut self) {
        self.txn_header("", "Opening balances", "");
        let checking = 250_000;
        let euro = 80_000;
        self.posting("Assets:Bank:Checking", checking, "USD");
        self.posting("Assets:Bank:Euro", euro, "EUR");
        self.posting("Equity:Opening-Balances", -checking, "USD");
        self.posting("Equity:Opening-Balances", -euro, "EUR");
        self.checking += checking;
        self.end_entry();
    }

    fn balance(&mut self) {
        let date = self.date();
        let _ = writeln!(
            self.out,
            "{date} balance Assets:Bank:Checking  {} USD\n",
            money(self.checking)
        );
        self.emitted += 1;
    }

    fn price(&mut self) {
        let date = self.date();
        let (commodity, value, places) = match self.rng.range(0, 2) {
            0 => {
                self.aapl = (self.aapl + self.rng.range(-300, 320)).max(5_000);
                ("AAPL", self.aapl, 2)
            }
            1 => {
                self.vti = (self.vti + self.rng.range(-250, 260)).max(5_000);
                ("VTI", self.vti, 2)
            }
            _ => {
                self.eur = (self.eur + self.rng.range(-40, 40)).clamp(9_000, 12_500);
                ("EUR", self.eur, 4)
            }
        };
        let _ = writeln!(
            self.out,
            "{date} price {commodity}  {} USD\n",
            decimal(value, places)
        );
        self.emitted += 1;
    }

    fn card_purchase(&mut self) {
        let shop = self.rng.pick(&SHOPS);
        let split = self.rng.chance(25);
        let groceries = self.rng.range(350, 18_000);
        let suffix = if self.rng.chance(10) { " #family" } else { "" };
        self.txn_header(shop, "Card purchase", suffix);
        self.posting("Expenses:Groceries", groceries, "USD");
        let mut total = groceries;
        if split {
            let meal = self.rng.range(500, 6_000);
            self.posting("Expenses:Restaurants", meal, "USD");
            if self.rng.chance(50) {
                self.out.push_str("    category: \"eating-out\"\n");
            }
            total += meal;
        }
        self.posting("Liabilities:CreditCard", -total, "USD");
        self.end_entry();
    }

    fn salary(&mut self) {
        let gross = self.rng.range(380_000, 420_000);
        let to_savings = if self.rng.chance(40) {
            self.rng.range(20_000, 60_000)
        } else {
            0
        };
        self.txn_header("Employer Inc", "Salary", "");
        self.posting("Income:Salary", -gross, "USD");
        if to_savings > 0 {
            self.posting("Assets:Bank:Savings", to_savings, "USD");
            self.savings += to_savings;
        }
        self.posting("Assets:Bank:Checking", gross - to_savings, "USD");
        self.checking += gross - to_savings;
        self.end_entry();
    }

    fn rent_or_utilities(&mut self) {
        let (payee, account, amount) = if self.rng.chance(50) {
            ("Landlord", "Expenses:Rent", 145_000)
        } else {
            (
                "City Power",
                "Expenses:Utilities",
                self.rng.range(4_000, 16_000),
            )
        };
        self.txn_header(payee, "Monthly bill", "");
        self.posting(account, amount, "USD");
        self.posting("Assets:Bank:Checking", -amount, "USD");
        self.checking -= amount;
        self.end_entry();
    }

    fn card_payment(&mut self) {
        let amount = self.rng.range(20_000, 150_000);
        let n = self.next_serial();
        self.txn_header("Bank", "Credit card payment", &format!(" ^stmt-{n}"));
        self.posting("Liabilities:CreditCard", amount, "USD");
        self.posting("Assets:Bank:Checking", -amount, "USD");
        self.checking -= amount;
        self.end_entry();
    }

    fn stock_buy(&mut self) {
        let (symbol, price) = if self.rng.chance(50) {
            ("AAPL", self.aapl)
        } else {
            ("VTI", self.vti)
        };
        self.buy(symbol, price);
    }

    /// A purchase of `symbol` at `price` cents a unit, held at cost, paid from the broker's
    /// cash with a fee most of the time.
    fn buy(&mut self, symbol: &str, price: i64) {
        let units = self.rng.range(1, 20);
        let fee = if self.rng.chance(60) { 495 } else { 0 };
        let cost = units * price;
        self.txn_header("Broker", &format!("Buy {symbol}"), "");
        let account = format!("Assets:Broker:{symbol}");
        let _ = writeln!(
            self.out,
            "  {account}  {units} {symbol} {{{} USD}}",
            money(price)
        );
        if fee > 0 {
            self.posting("Expenses:Fees", fee, "USD");
        }
        self.posting("Assets:Broker:Cash", -(cost + fee), "USD");
        self.end_entry();
    }

    fn euro_spend(&mut self) {
        let rate = self.eur;
        let payees = ["Hotel Berlin", "Train DB", "Museo Prado"];
        self.foreign_spend("Assets:Bank:Euro", "EUR", rate, &payees);
    }

    /// Travel paid from a foreign-currency account at that day's rate `rate` (4 places).
    fn foreign_spend(&mut self, account: &str, currency: &str, rate: i64, payees: &[&str]) {
        let amount = self.rng.range(500, 25_000);
        let payee = self.rng.pick(payees);
        self.txn_header(payee, "Travel", " #trip");
        let _ = writeln!(
            self.out,
            "  {account}  {} {currency} @ {} USD",
            money(-amount),
            decimal(rate, 4)
        );
        // The last posting has no amount: rustledger's booking interpolates it, as users write.
        self.out.push_str("  Expenses:Travel\n");
        self.end_entry();
    }

    fn broker_transfer(&mut self) {
        let amount = self.rng.range(50_000, 300_000);
        self.txn_header("", "Transfer to broker", "");
        self.posting("Assets:Broker:Cash", amount, "USD");
        self.posting("Assets:Bank:Checking", -amount, "USD");
        self.checking -= amount;
        self.end_entry();
    }
}

fn money(cents: i64) -> String {
    decimal(cents, 2)
}

/// Fixed-point `value / 10^places` as plain decimal text.
fn decimal(value: i64, places: u32) -> String {
    let scale = 10_i64.pow(places);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let scale = scale as u64;
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = places as usize
    )
}

/// `YYYY-MM-DD` for `days` after 2020-01-01 (proleptic Gregorian).
fn civil_date(days: i64) -> String {
    // Howard Hinnant's days-from-civil inverse, shifted so day 0 is 2020-01-01.
    let z = days + 18_262 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cross_months_leap_days_and_years() {
        assert_eq!(civil_date(0), "2020-01-01");
        assert_eq!(civil_date(59), "2020-02-29");
        assert_eq!(civil_date(60), "2020-03-01");
        assert_eq!(civil_date(366), "2021-01-01");
    }

    #[test]
    fn decimals_keep_sign_and_places() {
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(123_456), "1234.56");
        assert_eq!(decimal(10_812, 4), "1.0812");
    }

    #[test]
    fn exact_directive_counts_including_tiny_ledgers() {
        for n in [0, 1, 19, 20, 21, 22, 500, 2_345] {
            assert_eq!(count_directives(&ledger(n)), n, "n = {n}");
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(ledger(300), ledger(300));
        assert_ne!(ledger_with_seed(300, 1), ledger_with_seed(300, 2));
        assert_eq!(
            count_directives(&ledger_with_seed(300, 1)),
            count_directives(&ledger_with_seed(300, 2))
        );
    }

    #[test]
    fn has_the_advertised_shapes() {
        let text = ledger(2_000);
        for needle in [
            " balance Assets:Bank:Checking",
            " price AAPL",
            " price EUR",
            " AAPL {",
            " EUR @ ",
            "  receipt: \"R-",
            "    category: ",
            " #trip",
            " ^stmt-",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        let postings: Vec<usize> = text
            .split("\n\n")
            .filter(|block| block.lines().next().is_some_and(|l| l.contains(" * ")))
            .map(|block| {
                block
                    .lines()
                    .filter(|l| l.starts_with("  ") && l[2..].starts_with(char::is_uppercase))
                    .count()
            })
            .collect();
        // The opening transaction has four postings; everything else 2 to 4.
        assert!(postings.iter().all(|n| (2..=4).contains(n)), "{postings:?}");
        assert!(postings.contains(&2) && postings.contains(&3) && postings.contains(&4));
    }

    #[test]
    fn heavy_ledger_is_mostly_prices_with_every_advertised_shape() {
        let text = heavy_ledger(10_000);
        assert_eq!(count_directives(&text), 10_000);
        let prices = text.lines().filter(|l| l.contains(" price ")).count();
        assert!(prices * 100 / 10_000 >= 70, "{prices} prices");
        for needle in [
            " price VXUS ",
            " price GBP ",
            " balance Assets:Bank:Savings ",
            " open Expenses:Taxes:Y2013 USD",
            "\"Tax Office\" \"Income tax\"",
            " BND {",
            " GBP @ ",
            " EUR @ ",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        assert!(text.starts_with("option \"title\" \"heavy synthetic ledger: 10000"));
        assert!(text.contains("\n2010-01-01 commodity BND\n"));
        assert_ne!(
            heavy_ledger_with_seed(2_000, 1),
            heavy_ledger_with_seed(2_000, 2)
        );
        for n in [0, 1, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 1_234] {
            assert_eq!(count_directives(&heavy_ledger(n)), n, "n = {n}");
        }
    }

    #[test]
    fn rustledger_loads_the_heavy_ledger_without_a_single_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("heavy.beancount");
        std::fs::write(&path, heavy_ledger(12_000)).unwrap();
        let loaded =
            rustledger_loader::load(&path, &rustledger_loader::LoadOptions::default()).unwrap();
        let messages: Vec<_> = loaded.errors.iter().map(|e| &e.message).collect();
        assert!(messages.is_empty(), "{messages:#?}");
        assert_eq!(loaded.directives.len(), 12_000);
    }

    #[test]
    fn rustledger_loads_it_without_a_single_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synthetic.beancount");
        std::fs::write(&path, ledger(3_000)).unwrap();
        let loaded =
            rustledger_loader::load(&path, &rustledger_loader::LoadOptions::default()).unwrap();
        let messages: Vec<_> = loaded.errors.iter().map(|e| &e.message).collect();
        assert!(messages.is_empty(), "{messages:#?}");
        assert_eq!(loaded.directives.len(), 3_000);
    }
}
