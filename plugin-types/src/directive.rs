//! Directives as they cross the ABI.

use serde::{Deserialize, Serialize};

/// A metadata list: `(key, value)` pairs. The host sends them sorted by key; on the way back
/// duplicate keys collapse and order is not kept.
pub type Metadata = Vec<(String, MetaValueData)>;

/// One directive, its date and where it came from.
///
/// The only map-encoded type on the wire: the fields of [`DirectiveData`] sit beside `date`,
/// `filename` and `lineno`, under a `type` key naming the kind.
///
/// Equality compares `date` and `data` only, so a directive equals itself after a round trip
/// that loses its location.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct DirectiveWrapper {
    /// Never sent by the host (always empty on input) and never encoded; dispatch on `data`.
    #[serde(skip_serializing, default)]
    pub directive_type: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Absolute path of the file the directive came from; `None` for synthesized directives.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filename: Option<String>,
    /// 1-based line of the directive in `filename`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lineno: Option<u32>,
    /// The directive's kind and content.
    #[serde(flatten)]
    pub data: DirectiveData,
}

impl PartialEq for DirectiveWrapper {
    fn eq(&self, other: &Self) -> bool {
        self.date == other.date && self.data == other.data
    }
}

impl DirectiveWrapper {
    /// Rank of this kind among directives of the same date, as beancount sorts them: opens
    /// first, then balances, then everything else, then documents, then closes.
    #[must_use]
    pub const fn type_sort_order(&self) -> i8 {
        match self.data {
            DirectiveData::Open(_) => -2,
            DirectiveData::Balance(_) => -1,
            DirectiveData::Document(_) => 1,
            DirectiveData::Close(_) => 2,
            _ => 0,
        }
    }

    /// Sort key `(date, kind rank, line)`; directives without a line sort last.
    #[must_use]
    pub fn sort_key(&self) -> (&str, i8, u32) {
        (
            &self.date,
            self.type_sort_order(),
            self.lineno.unwrap_or(u32::MAX),
        )
    }

    /// The kind's wire name: `"transaction"`, `"open"`, ….
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        self.data.type_name()
    }
}

/// Sorts directives by [`DirectiveWrapper::sort_key`], stably.
#[cfg_attr(rlplugin_small, inline)]
pub fn sort_directives(directives: &mut [DirectiveWrapper]) {
    directives.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The twelve directive kinds.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DirectiveData {
    /// `2024-01-01 * "Payee" "Narration"` with postings.
    #[serde(rename = "transaction")]
    Transaction(TransactionData),
    /// `balance` assertion.
    #[serde(rename = "balance")]
    Balance(BalanceData),
    /// `open` an account.
    #[serde(rename = "open")]
    Open(OpenData),
    /// `close` an account.
    #[serde(rename = "close")]
    Close(CloseData),
    /// `commodity` declaration.
    #[serde(rename = "commodity")]
    Commodity(CommodityData),
    /// `pad` an account from another.
    #[serde(rename = "pad")]
    Pad(PadData),
    /// `event` value change.
    #[serde(rename = "event")]
    Event(EventData),
    /// `note` on an account.
    #[serde(rename = "note")]
    Note(NoteData),
    /// `document` attached to an account.
    #[serde(rename = "document")]
    Document(DocumentData),
    /// `price` of a commodity.
    #[serde(rename = "price")]
    Price(PriceData),
    /// Named `query`.
    #[serde(rename = "query")]
    Query(QueryData),
    /// `custom` directive.
    #[serde(rename = "custom")]
    Custom(CustomData),
}

impl DirectiveData {
    /// The kind's wire name, the value of the wrapper's `type` key.
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Transaction(_) => "transaction",
            Self::Balance(_) => "balance",
            Self::Open(_) => "open",
            Self::Close(_) => "close",
            Self::Commodity(_) => "commodity",
            Self::Pad(_) => "pad",
            Self::Event(_) => "event",
            Self::Note(_) => "note",
            Self::Document(_) => "document",
            Self::Price(_) => "price",
            Self::Query(_) => "query",
            Self::Custom(_) => "custom",
        }
    }

    /// The directive's own metadata, whatever its kind.
    #[must_use]
    pub const fn metadata(&self) -> &Metadata {
        match self {
            Self::Transaction(d) => &d.metadata,
            Self::Balance(d) => &d.metadata,
            Self::Open(d) => &d.metadata,
            Self::Close(d) => &d.metadata,
            Self::Commodity(d) => &d.metadata,
            Self::Pad(d) => &d.metadata,
            Self::Event(d) => &d.metadata,
            Self::Note(d) => &d.metadata,
            Self::Document(d) => &d.metadata,
            Self::Price(d) => &d.metadata,
            Self::Query(d) => &d.metadata,
            Self::Custom(d) => &d.metadata,
        }
    }
}

/// A transaction. Every field is required on the wire, `payee` included (as `nil`).
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionData {
    /// Exactly one character: `*`, `!`, ….
    pub flag: String,
    /// Payee, if the transaction has one.
    pub payee: Option<String>,
    /// Narration; may be empty.
    pub narration: String,
    /// Tags, without `#`.
    pub tags: Vec<String>,
    /// Links, without `^`.
    pub links: Vec<String>,
    /// Transaction metadata.
    pub metadata: Metadata,
    /// Postings, in order.
    pub postings: Vec<PostingData>,
}

/// A byte range in a source file; opaque to plugins. Copy it unchanged when editing a
/// posting, use `None` for new postings.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceSpan {
    /// First byte, inclusive.
    pub start: u64,
    /// Last byte, exclusive.
    pub end: u64,
    /// The host's index of the file.
    pub file_id: u16,
}

/// One leg of a transaction. Equality ignores `span`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct PostingData {
    /// Account name.
    pub account: String,
    /// Amount; `None` when elided (plugins normally see it interpolated).
    pub units: Option<AmountData>,
    /// Cost `{…}`.
    pub cost: Option<CostData>,
    /// Price annotation `@`/`@@`.
    pub price: Option<PriceAnnotationData>,
    /// Posting flag; only the first character is kept by the host.
    pub flag: Option<String>,
    /// Posting metadata.
    pub metadata: Metadata,
    /// Source location of the posting.
    #[serde(default)]
    pub span: Option<SourceSpan>,
}

impl PartialEq for PostingData {
    fn eq(&self, other: &Self) -> bool {
        self.account == other.account
            && self.units == other.units
            && self.cost == other.cost
            && self.price == other.price
            && self.flag == other.flag
            && self.metadata == other.metadata
    }
}

/// A number and a currency. An empty `number` means "currency only", an empty `currency`
/// "number only"; both empty is rejected by the host.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AmountData {
    /// Plain decimal text, e.g. `"-12.50"`; no exponent, no spaces.
    pub number: String,
    /// Commodity, e.g. `"USD"`.
    pub currency: String,
}

impl AmountData {
    /// An amount from a number's text and a currency.
    ///
    /// ```
    /// # use rlplugin_types::AmountData;
    /// assert_eq!(AmountData::new("1.5", "EUR").number, "1.5");
    /// ```
    #[must_use]
    pub fn new(number: impl Into<String>, currency: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            currency: currency.into(),
        }
    }
}

/// The number part of a cost, tagged by `kind`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CostNumberData {
    /// `{150 USD}`.
    PerUnit {
        /// Cost of one unit.
        value: String,
    },
    /// `{{1500 USD}}`, before booking.
    Total {
        /// Cost of all units.
        value: String,
    },
    /// `{5 # 10 USD}`, before booking.
    Compound {
        /// Per-unit component.
        per_unit: String,
        /// Lump component.
        total: String,
    },
    /// `{{…}}` after booking: the derived per-unit cost and the original total. If you change
    /// the posting's units, update both or switch kinds: the host rejects inconsistent values.
    PerUnitFromTotal {
        /// Derived per-unit cost.
        per_unit: String,
        /// Original total cost.
        total: String,
    },
}

impl CostNumberData {
    /// The per-unit cost, when this kind states one (`PerUnit`, `PerUnitFromTotal`).
    #[must_use]
    pub fn per_unit(&self) -> Option<&str> {
        match self {
            Self::PerUnit { value }
            | Self::PerUnitFromTotal {
                per_unit: value, ..
            } => Some(value),
            Self::Total { .. } | Self::Compound { .. } => None,
        }
    }

    /// The whole cost, when this kind states one (`Total`, `PerUnitFromTotal`); a compound
    /// cost's lump is not its total.
    #[must_use]
    pub fn total(&self) -> Option<&str> {
        match self {
            Self::Total { value } | Self::PerUnitFromTotal { total: value, .. } => Some(value),
            Self::PerUnit { .. } | Self::Compound { .. } => None,
        }
    }
}

/// A posting's cost `{…}`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostData {
    /// The number; `None` for `{}` or a currency-only cost.
    pub number: Option<CostNumberData>,
    /// Cost currency.
    pub currency: Option<String>,
    /// Lot date, `YYYY-MM-DD`; filled in by booking.
    pub date: Option<String>,
    /// Lot label.
    pub label: Option<String>,
    /// `{*}`: merge lots.
    pub merge: bool,
}

/// A price annotation, `@ 1.1 USD` or `@@ 11 USD`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceAnnotationData {
    /// `@@` (total) rather than `@` (per unit).
    pub is_total: bool,
    /// The price, when complete; wins over `number`/`currency`.
    pub amount: Option<AmountData>,
    /// Number of an incomplete annotation.
    pub number: Option<String>,
    /// Currency of an incomplete annotation.
    pub currency: Option<String>,
}

/// A [`PriceAnnotationData`] seen as the one case it represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceAnnotationView<'a> {
    /// `@ amount`.
    Unit(&'a AmountData),
    /// `@@ amount`.
    Total(&'a AmountData),
    /// `@` with a missing number or currency.
    UnitIncomplete {
        /// The number, if written.
        number: Option<&'a str>,
        /// The currency, if written.
        currency: Option<&'a str>,
    },
    /// `@@` with a missing number or currency.
    TotalIncomplete {
        /// The number, if written.
        number: Option<&'a str>,
        /// The currency, if written.
        currency: Option<&'a str>,
    },
}

impl PriceAnnotationData {
    /// Which case this annotation is, with `amount` taking precedence.
    ///
    /// ```
    /// # use rlplugin_types::*;
    /// let price = PriceAnnotationData {
    ///     is_total: true,
    ///     amount: Some(AmountData::new("11", "USD")),
    ///     number: None,
    ///     currency: None,
    /// };
    /// assert!(matches!(price.view(), PriceAnnotationView::Total(a) if a.number == "11"));
    /// ```
    #[must_use]
    pub fn view(&self) -> PriceAnnotationView<'_> {
        let number = self.number.as_deref();
        let currency = self.currency.as_deref();
        match (self.is_total, &self.amount) {
            (false, Some(amount)) => PriceAnnotationView::Unit(amount),
            (true, Some(amount)) => PriceAnnotationView::Total(amount),
            (false, None) => PriceAnnotationView::UnitIncomplete { number, currency },
            (true, None) => PriceAnnotationView::TotalIncomplete { number, currency },
        }
    }
}

/// A metadata value, encoded as `[type, value]`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum MetaValueData {
    /// Text. The host also sends valueless keys this way, as `""`.
    #[serde(rename = "string")]
    String(String),
    /// Decimal text; integers arrive this way too.
    #[serde(rename = "number")]
    Number(String),
    /// `YYYY-MM-DD`.
    #[serde(rename = "date")]
    Date(String),
    /// Account name.
    #[serde(rename = "account")]
    Account(String),
    /// Currency.
    #[serde(rename = "currency")]
    Currency(String),
    /// Tag, without `#`.
    #[serde(rename = "tag")]
    Tag(String),
    /// Link, without `^`.
    #[serde(rename = "link")]
    Link(String),
    /// Amount.
    #[serde(rename = "amount")]
    Amount(AmountData),
    /// `TRUE`/`FALSE`.
    #[serde(rename = "bool")]
    Bool(bool),
}

/// `balance` assertion.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceData {
    /// Account checked.
    pub account: String,
    /// Expected balance.
    pub amount: AmountData,
    /// Explicit tolerance, decimal text.
    pub tolerance: Option<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `open` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenData {
    /// Account opened.
    pub account: String,
    /// Allowed currencies; empty allows any.
    pub currencies: Vec<String>,
    /// Booking method, e.g. `"FIFO"`.
    pub booking: Option<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `close` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseData {
    /// Account closed.
    pub account: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `commodity` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommodityData {
    /// Currency declared.
    pub currency: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `pad` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PadData {
    /// Account padded.
    pub account: String,
    /// Account the padding comes from.
    pub source_account: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `event` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventData {
    /// Event name, e.g. `"location"`.
    pub event_type: String,
    /// New value.
    pub value: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `note` directive. Its tags and links are not on the wire: `Modify` drops them, `Keep`
/// preserves them.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteData {
    /// Account annotated.
    pub account: String,
    /// The note's text.
    pub comment: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `document` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentData {
    /// Account the document belongs to.
    pub account: String,
    /// Path of the document.
    pub path: String,
    /// Tags, without `#`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Links, without `^`.
    #[serde(default)]
    pub links: Vec<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `price` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceData {
    /// Commodity priced.
    pub currency: String,
    /// Its price.
    pub amount: AmountData,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `query` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryData {
    /// Query name.
    pub name: String,
    /// Query text.
    pub query: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `custom` directive.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomData {
    /// The custom type string.
    pub custom_type: String,
    /// Its values.
    pub values: Vec<MetaValueData>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}
