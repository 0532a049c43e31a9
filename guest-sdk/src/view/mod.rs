//! The borrowed view: a plugin that reads a few fields of a few directives and changes
//! little, without decoding the ledger.
//!
//! ```
//! use rlplugin::view::{Kind, LedgerView, ViewOps};
//! use rlplugin::wasm_plugin_main;
//!
//! /// Tags every transaction `reviewed`.
//! fn process(ledger: LedgerView<'_>) -> Result<ViewOps, rlplugin::OpsError> {
//!     let mut ops = ledger.ops();
//!     for directive in ledger.directives() {
//!         if directive.kind() == Some(Kind::Transaction) {
//!             ops.edit(directive.edit().push_tag("reviewed"))?;
//!         }
//!     }
//!     Ok(ops)
//! }
//!
//! wasm_plugin_main! { view: process }
//! # fn main() {
//! #     let input = rlplugin::view::tests_support::input(&[]);
//! #     let bytes = rlplugin::guest::run_view_plugin(&input, process);
//! #     assert_eq!(bytes, b"\x92\x90\x90");
//! # }
//! ```
//!
//! # When to choose which API
//!
//! The drop-in API (`wasm_plugin_main! { process: … }`) hands `process` every directive
//! decoded into owned values ([`PluginInput`](crate::PluginInput)): every field of every
//! directive is read and allocated whether the plugin looks at it or not, and every
//! `Modify` re-encodes a whole directive. It is rustledger's own API, so code written for
//! it migrates by renaming the dependency, and it is the simplest to write.
//!
//! The view API (`wasm_plugin_main! { view: … }`) hands `process` a [`LedgerView`]: the
//! host's bytes with each directive located but not decoded. A [`DirectiveView`] reads a
//! field when asked (strings borrowed from the input), a directive nobody decides on is
//! kept without being read, and an [`Edit`] (tags, links, narration, payee, posting
//! accounts) writes the changed values and copies the rest of the directive from the input
//! a span at a time.
//! Anything else: [`DirectiveView::to_owned`] decodes one directive as the drop-in API
//! would, and [`ViewOps::modify`] takes it back.
//!
//! Locating a directive means walking its bytes, which the view does for every directive
//! when `process` is called, whatever the plugin then reads. In the host's layout the walk
//! is straight-line code for each kind (the schema's keys compared a word at a time) and it
//! notes where the directive's own keys, its last key's value and each of a transaction's
//! postings start, so a read starts there instead of walking again; the drop-in API's
//! decoder walks the same bytes and builds every value on the way. So the view costs less
//! on every ledger the benchmark measures: most where directives are of no interest to the
//! plugin (books that are mostly prices, a plugin that looks at one kind of directive),
//! least where the plugin reads most of every transaction. A plugin that calls
//! [`DirectiveView::to_owned`] on most directives pays for the walk and the decoding both,
//! and is better written against the drop-in API. An answer whose only decisions are edits
//! made in input order (a tagger's) is written as the plugin edits: each edited directive
//! is copied once. Any other answer is written from the decisions made, not from a list of
//! every input's op: the inputs between two decisions are kept as one run, and only the
//! directives the plugin built (modified or inserted) are validated, so an answer that
//! deletes a few directives of many costs little more than one that keeps them all. The
//! SDK's README has the benchmark's figures for both APIs, each on the ledger it names;
//! `rlplugin bench` measures a plugin on ledgers of any size.
//!
//! # Guarantees
//!
//! The same as the drop-in API's. The answer's bytes are those the drop-in API writes for
//! the same decisions (a property test holds them equal over arbitrary ledgers and
//! changes). Input whose frame cannot be read keeps every directive and says why, without
//! calling `process`; a field that cannot be decoded reads as empty, and then the answer is
//! that same one: every directive kept, and an error naming the field. Whole directives
//! given to [`ViewOps::modify`] and inserted ones are [validated](crate::validate) as the
//! drop-in API validates them; an edit changes only fields the host accepts in any form
//! and copies the rest as the host sent it, so it is not checked again. Panics are recorded
//! as in every rlplugin guest.

use core::cell::Cell;
use std::borrow::Cow;

use rlplugin_types::{DirectiveWrapper, PluginError, PluginOptions, PluginOutput};

use crate::codec::DecodeError;
use crate::codec::lazy::{self, At, Change, Key};
use crate::ops::OpsError;

use decisions::Decisions;

/// What a failed read of a field records: the first decode error.
pub(crate) type Errors = Cell<Option<DecodeError>>;

/// A directive's kind: the twelve of beancount.
///
/// ```
/// assert_eq!(rlplugin::view::Kind::Transaction.name(), "transaction");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `txn`, `*`, `!`.
    Transaction,
    /// `balance`.
    Balance,
    /// `open`.
    Open,
    /// `close`.
    Close,
    /// `commodity`.
    Commodity,
    /// `pad`.
    Pad,
    /// `event`.
    Event,
    /// `note`.
    Note,
    /// `document`.
    Document,
    /// `price`.
    Price,
    /// `query`.
    Query,
    /// `custom`.
    Custom,
}

impl Kind {
    /// The kind's name on the wire, as [`DirectiveData::type_name`](crate::DirectiveData::type_name).
    ///
    /// ```
    /// assert_eq!(rlplugin::view::Kind::Price.name(), "price");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        lazy::kind_name(self)
    }
}

/// The whole plugin input, undecoded: the directives located in the host's bytes, the
/// options and the config decoded. Copying it copies a few references.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
/// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// assert_eq!(ledger.len(), 1);
/// assert_eq!(ledger.config(), None);
/// assert_eq!(ledger.options().account_types.assets, "Assets");
/// # ledger.ops() });
/// ```
#[derive(Clone, Copy)]
pub struct LedgerView<'a> {
    /// One reference: a view is copied into every directive and iterator, so it stays a
    /// word wide.
    frame: &'a lazy::Frame<'a>,
}

impl<'a> LedgerView<'a> {
    pub(crate) fn new(frame: &'a lazy::Frame<'a>) -> Self {
        Self { frame }
    }

    /// How many directives the ledger has.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::input};
    /// # rlplugin::guest::run_view_plugin(&input(&[]), |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.len(), 0);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.frame.directives.len()
    }

    /// Whether the ledger has no directives.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::input};
    /// # rlplugin::guest::run_view_plugin(&input(&[]), |ledger: LedgerView<'_>| {
    /// assert!(ledger.is_empty());
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Directive `index`, if there is one.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().date(), "2024-01-02");
    /// assert!(ledger.get(1).is_none());
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn get(&self, index: usize) -> Option<DirectiveView<'a>> {
        Some(DirectiveView {
            frame: self.frame,
            loc: self.frame.directives.get(index)?,
            index,
        })
    }

    /// Every directive, in input order.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let indices: Vec<usize> = ledger.directives().map(|d| d.index()).collect();
    /// assert_eq!(indices, [0]);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn directives(&self) -> Directives<'a> {
        Directives {
            ledger: *self,
            left: self.frame.directives.iter(),
            next: 0,
        }
    }

    /// The ledger's options.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert!(ledger.options().operating_currencies.is_empty());
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn options(&self) -> &'a PluginOptions {
        &self.frame.options
    }

    /// The `plugin` line's config string, if it has one; [`config()`](crate::config())
    /// reads it as your type.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.config(), None);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn config(&self) -> Option<&'a str> {
        self.frame.config
    }

    /// An answer for this ledger with no decision yet: every directive kept.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let ops = ledger.ops();
    /// assert_eq!(ops.len(), 1);
    /// # ops });
    /// ```
    #[must_use]
    pub fn ops(&self) -> ViewOps {
        ViewOps::new(self.len())
    }
}

impl core::fmt::Debug for LedgerView<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LedgerView")
            .field("len", &self.len())
            .field("config", &self.frame.config)
            .finish_non_exhaustive()
    }
}

/// The directives of a [`LedgerView`], in input order.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// assert_eq!(ledger.directives().len(), 2);
/// # ledger.ops() });
/// ```
#[derive(Clone, Debug)]
pub struct Directives<'a> {
    ledger: LedgerView<'a>,
    /// The directives left, as the frame located them.
    left: core::slice::Iter<'a, lazy::Loc>,
    next: usize,
}

impl<'a> Iterator for Directives<'a> {
    type Item = DirectiveView<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let loc = self.left.next()?;
        let index = self.next;
        self.next += 1;
        Some(DirectiveView {
            frame: self.ledger.frame,
            loc,
            index,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.left.size_hint()
    }
}

impl ExactSizeIterator for Directives<'_> {}

/// One directive of the input, read field by field when asked. Strings are borrowed from
/// the input. A field the directive's kind does not have reads as `None` (or, for a list,
/// as empty); a field that cannot be decoded reads the same and fails the whole answer
/// (see the [module docs](self)).
#[derive(Clone, Copy)]
pub struct DirectiveView<'a> {
    frame: &'a lazy::Frame<'a>,
    /// Where the frame found it.
    loc: &'a lazy::Loc,
    index: usize,
}

impl<'a> DirectiveView<'a> {
    /// The directive's position in the input, the index [`ViewOps`] decisions take.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().index(), 0);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// The directive's kind; `None` only if the host sent none the SDK knows (the answer
    /// then reports it).
    ///
    /// ```
    /// # use rlplugin::view::{Kind, LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().kind(), Some(Kind::Price));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[inline]
    pub fn kind(&self) -> Option<Kind> {
        match lazy::kind_from_u8(self.loc.kind) {
            Some(kind) => Some(kind),
            None => self.unlocated_kind(),
        }
    }

    /// The kind of a directive the frame did not find in the host's layout.
    #[cold]
    #[inline(never)]
    fn unlocated_kind(&self) -> Option<Kind> {
        lazy::kind_at(self.at())
    }

    /// A reader at the directive's map.
    fn at(&self) -> At<'a> {
        At::new(self.frame.bytes, self.loc.start, &self.frame.errors)
    }

    /// The value of `key`: found from where the frame saw the directive's own keys start,
    /// else looked up in the whole map.
    fn field(&self, key: Key) -> Option<At<'a>> {
        lazy::own_field(self.at(), self.loc, key).or_else(|| self.at().field(key))
    }

    fn text(&self, key: Key) -> Option<&'a str> {
        Some(self.field(key)?.str(At::label(key)))
    }

    fn opt_text(&self, key: Key) -> Option<&'a str> {
        self.field(key)?.opt_str(At::label(key))
    }

    /// `YYYY-MM-DD`.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().date(), "2024-01-02");
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn date(&self) -> &'a str {
        let value = lazy::date_at(self.at(), self.loc).or_else(|| self.field(lazy::DATE));
        value.map_or_else(
            || {
                lazy::missing(self.at(), "a directive with a `date` key");
                ""
            },
            |mut at| at.str(At::label(lazy::DATE)),
        )
    }

    /// The file the directive came from, if the host sent one.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().filename(), Some("ledger.beancount"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn filename(&self) -> Option<&'a str> {
        self.opt_text(lazy::FILENAME)
    }

    /// The directive's line in [`filename`](Self::filename).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().lineno(), Some(1));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn lineno(&self) -> Option<u32> {
        self.at()
            .field(lazy::LINENO)?
            .opt_u32(At::label(lazy::LINENO))
    }

    /// The account of a balance, open, close, pad, note or document.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, open}};
    /// # let bytes = input(&[open("2024-01-01", "Assets:Cash")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().account(), Some("Assets:Cash"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn account(&self) -> Option<&'a str> {
        self.text(lazy::ACCOUNT)
    }

    /// The currency of a commodity or price directive.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().currency(), Some("AAPL"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn currency(&self) -> Option<&'a str> {
        self.text(lazy::CURRENCY)
    }

    /// The amount of a balance or price directive.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let amount = ledger.get(0).unwrap().amount().unwrap();
    /// assert_eq!((amount.number, amount.currency), ("190.5", "USD"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn amount(&self) -> Option<Amount<'a>> {
        Some(Amount::read(self.field(lazy::AMOUNT)?))
    }

    /// A transaction's flag (`*`, `!`, …).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().flag(), Some("*"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn flag(&self) -> Option<&'a str> {
        self.text(lazy::FLAG)
    }

    /// A transaction's payee, if it has one.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().payee(), None);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn payee(&self) -> Option<&'a str> {
        self.opt_text(lazy::PAYEE)
    }

    /// A transaction's narration.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().narration(), Some("Coffee"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn narration(&self) -> Option<&'a str> {
        self.text(lazy::NARRATION)
    }

    /// The tags of a transaction or document, without `#`.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert!(ledger.get(0).unwrap().tags().eq(["food"]));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn tags(&self) -> Strings<'a> {
        Strings::read(self.field(lazy::TAGS), At::label(lazy::TAGS))
    }

    /// The links of a transaction or document, without `^`.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.get(0).unwrap().links().count(), 0);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn links(&self) -> Strings<'a> {
        Strings::read(self.field(lazy::LINKS), At::label(lazy::LINKS))
    }

    /// A transaction's postings.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &[])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let accounts: Vec<&str> = ledger.get(0).unwrap().postings().map(|p| p.account()).collect();
    /// assert_eq!(accounts, ["Expenses:Food", "Assets:Cash"]);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn postings(&self) -> Postings<'a> {
        // A transaction the frame found in the host's layout, its postings a short array
        // whose starts it noted: answered in the caller, whose loop then keeps the iterator
        // out of memory.
        #[cfg(not(rlplugin_small))]
        if let Some(at) = lazy::postings_at(self.at(), self.loc)
            && let Some(count) = at.fixarray_len()
            && let Some(starts) = self.frame.postings.get(self.loc.postings..)
            && let Some(starts) = starts.get(..count)
        {
            return Postings {
                at: at.at(at.parts().1 + 1),
                left: 0,
                starts,
            };
        }
        self.postings_of_any_layout()
    }

    /// The postings of a directive laid out in any way, or of one without them (none).
    #[inline(never)]
    fn postings_of_any_layout(&self) -> Postings<'a> {
        match lazy::postings_at(self.at(), self.loc).or_else(|| self.field(lazy::POSTINGS)) {
            Some(mut at) => {
                let noted = at.is_array16();
                let left = at.array_len(At::label(lazy::POSTINGS));
                // Where the frame noted each posting's start, if it did.
                let starts = if self.loc.exact() && noted {
                    let from = self.loc.postings;
                    self.frame
                        .postings
                        .get(from..from + left)
                        .unwrap_or_default()
                } else {
                    &[]
                };
                Postings {
                    at,
                    left: left - starts.len(),
                    starts,
                }
            }
            None => Postings {
                at: self.at(),
                left: 0,
                starts: &[],
            },
        }
    }

    /// The whole directive decoded into an owned value, as the drop-in API has it: for the
    /// fields the view does not read, and for [`ViewOps::modify`].
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let directive = ledger.get(0).unwrap().to_owned();
    /// assert_eq!(directive.date, "2024-01-02");
    /// assert_eq!(directive.type_name(), "price");
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn to_owned(&self) -> DirectiveWrapper {
        match lazy::decode_directive(self.at()) {
            Ok(directive) => directive,
            Err(error) => {
                self.at().record(error);
                lazy::placeholder()
            }
        }
    }

    /// A change to this directive, for [`ViewOps::edit`].
    pub fn edit(&self) -> Edit<'a> {
        Edit {
            directive: *self,
            tags: Added::default(),
            links: Added::default(),
            narration: None,
            payee: None,
            accounts: Vec::new(),
        }
    }
}

impl core::fmt::Debug for DirectiveView<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DirectiveView")
            .field("index", &self.index)
            .field("kind", &self.kind())
            .field("date", &self.date())
            .finish_non_exhaustive()
    }
}

/// A number and a currency, borrowed from the input.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// let amount = ledger.get(1).unwrap().amount().unwrap();
/// assert_eq!(amount.currency, "USD");
/// # ledger.ops() });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount<'a> {
    /// The number as the host writes it (`"-12.50"`); empty if the amount has none.
    pub number: &'a str,
    /// The currency; empty if the amount has none.
    pub currency: &'a str,
}

impl<'a> Amount<'a> {
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn read(mut at: At<'a>) -> Self {
        #[cfg(not(rlplugin_small))]
        if let Some((number, currency)) = at.short_amount() {
            return Self { number, currency };
        }
        if !at.marker(AMOUNT_HEADER) {
            at.struct_len(At::label(lazy::AMOUNT), 2);
        }
        let number = at.str(lazy::NUMBER_LABEL);
        let currency = at.str(lazy::CURRENCY_LABEL);
        Self { number, currency }
    }
}

impl Amount<'_> {
    /// The number as an `f64`, the value [`str::parse`] reads from it; `None` where
    /// that fails (an amount without a number). A plain decimal of up to 15 significant
    /// digits, as a ledger writes its amounts, takes a short path: its digits make an exact
    /// integer and one division by an exact power of ten rounds as the general parser does,
    /// for a fraction of its fuel.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let amount = ledger.get(0).unwrap().amount().unwrap();
    /// assert_eq!(amount.number_f64(), Some(190.5));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn number_f64(&self) -> Option<f64> {
        plain_decimal(self.number).or_else(|| self.number.parse().ok())
    }
}

/// `text` as an `f64` when it is a plain decimal (a sign, digits, at most one dot) of at
/// most fifteen bytes after its sign: its digits then make an integer below 2^53, an exact
/// `f64`, and so is the power of ten, and IEEE division rounds their quotient correctly,
/// which is what `str::parse` answers. `None` for anything else. The length bound, checked
/// once, spares the loop a range check per digit.
fn plain_decimal(text: &str) -> Option<f64> {
    /// The powers of ten an `f64` holds exactly, as far as a fifteen-byte fraction needs.
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    /// Fifteen digits stay below 10^15 < 2^53.
    const MAX_LEN: usize = 15;
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        bytes => (false, bytes),
    };
    if digits.len() > MAX_LEN {
        return None;
    }
    let (mut mantissa, mut dot) = (0_u64, None);
    for (index, &byte) in digits.iter().enumerate() {
        let digit = byte.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa * 10 + u64::from(digit);
        } else if byte == b'.' && dot.is_none() {
            dot = Some(index);
        } else {
            return None;
        }
    }
    // No digit at all (``, `.`): not a number.
    if digits.len() == usize::from(dot.is_some()) {
        return None;
    }
    let fraction = dot.map_or(0, |dot| digits.len() - dot - 1);
    #[expect(
        clippy::cast_precision_loss,
        reason = "below 2^53, every integer is an exact f64"
    )]
    let value = mantissa as f64 / *POWERS.get(fraction)?;
    Some(if negative { -value } else { value })
}

/// An amount's header as the host writes it: an array of two.
const AMOUNT_HEADER: u8 = 0x92;

/// An absent value's marker: nil.
const NIL_MARKER: u64 = 0xc0;

/// A cost's header as the host writes it: an array of five.
#[cfg(not(rlplugin_small))]
const COST_HEADER: u8 = 0x95;

/// A price annotation's header as the host writes it: an array of four.
#[cfg(not(rlplugin_small))]
const PRICE_HEADER: u8 = 0x94;

const COST_CURRENCY_LABEL: &str = "a cost currency (a string or nil)";

const PRICE_CURRENCY_LABEL: &str = "a price currency (a string or nil)";

/// An empty list's marker: a fixarray of none.
#[cfg(not(rlplugin_small))]
const EMPTY_ARRAY_MARKER: u64 = 0x90;

/// A list of strings (tags, links), borrowed from the input.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// let tags: Vec<&str> = ledger.get(0).unwrap().tags().collect();
/// assert_eq!(tags, ["food"]);
/// # ledger.ops() });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Strings<'a> {
    at: Option<At<'a>>,
    left: usize,
    label: &'static str,
}

impl<'a> Strings<'a> {
    fn read(at: Option<At<'a>>, label: &'static str) -> Self {
        match at {
            Some(mut at) => {
                let left = at.array_len(label);
                Self {
                    at: Some(at),
                    left,
                    label,
                }
            }
            None => Self {
                at: None,
                left: 0,
                label,
            },
        }
    }
}

impl<'a> Iterator for Strings<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(self.at.as_mut()?.str(self.label))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// A transaction's postings, in order.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// assert_eq!(ledger.get(0).unwrap().postings().count(), 2);
/// # ledger.ops() });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Postings<'a> {
    at: At<'a>,
    /// The postings left to step over past the noted ones.
    left: usize,
    /// Where each posting left starts, as the frame noted them; empty when it did not, and
    /// the iterator then steps over each posting.
    starts: &'a [usize],
}

impl<'a> Iterator for Postings<'a> {
    type Item = PostingView<'a>;

    #[inline]
    fn next(&mut self) -> Option<PostingView<'a>> {
        if let Some((&start, rest)) = self.starts.split_first() {
            self.starts = rest;
            return Some(PostingView {
                at: self.at.at(start),
                units: 0,
            });
        }
        if self.left == 0 || self.at.failed() {
            return None;
        }
        self.left -= 1;
        let at = self.at;
        let units;
        (self.at, units) = at.skip_posting();
        Some(PostingView { at, units })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.starts.len() + self.left))
    }
}

/// One posting, read field by field when asked.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// let last = ledger.get(0).unwrap().postings().last().unwrap();
/// assert_eq!(last.account(), "Assets:Cash");
/// # ledger.ops() });
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PostingView<'a> {
    at: At<'a>,
    /// Where its units start, as the walk past it found them (0 if it did not).
    units: usize,
}

impl<'a> PostingView<'a> {
    /// At the posting's field `field` (0 is the account).
    // In parts: a view whose address reaches an out-of-line call is kept in memory on every
    // path, the units' fast one included.
    #[inline(always)]
    fn field(self, field: usize) -> At<'a> {
        let (bytes, pos, sink) = self.at.parts();
        Self::field_of(bytes, pos, sink, field)
    }

    /// At field `field` of the posting at `pos`.
    #[inline(never)]
    fn field_of(
        bytes: &'a [u8],
        pos: usize,
        sink: &'a Cell<Option<DecodeError>>,
        field: usize,
    ) -> At<'a> {
        let start = At::new(bytes, pos, sink);
        if let Some(mut at) = lazy::posting_fields(start) {
            if field == 0 {
                return at;
            }
            if field == 1 && at.skip_text() {
                return at;
            }
        }
        let mut at = start;
        at.struct_len(lazy::POSTING_LABEL, lazy::POSTING_MIN);
        at.skip(field);
        at
    }

    /// At the posting's units when it is laid out as the host writes one: where the walk
    /// past it found them, else after its account.
    #[inline]
    fn units_at(&self) -> Option<At<'a>> {
        if self.units != 0 {
            return Some(self.at.at(self.units));
        }
        match self.at.posting_units() {
            0 => None,
            units => Some(self.at.at(units)),
        }
    }

    /// The marker bytes that follow the posting's units, when the units are laid out as the
    /// host writes them: the cost's first (see [`At::posting_tail_word`]).
    #[inline]
    fn tail_word(&self) -> Option<u64> {
        self.units_at()?.posting_tail_word()
    }

    /// At the posting's field `field` past its units (2 is the cost, 5 the metadata),
    /// stepping over nils and the two strings of an amount as the host writes them, and
    /// over anything else with the general skip.
    fn field_after_units(&self, field: usize) -> At<'a> {
        let mut at = self.units_at().unwrap_or_else(|| self.field(1));
        if !at.nil() {
            // An amount as the host writes one, seen by its marker; anything else is read
            // as a struct, so a damaged one is reported as before.
            let mut amount = at;
            if amount.marker(0x92) && amount.skip_text() && amount.skip_text() {
                at = amount;
            } else {
                let mut amount = at;
                if amount.struct_len(At::label(lazy::AMOUNT), 2) == 2
                    && amount.skip_text()
                    && amount.skip_text()
                {
                    at = amount;
                } else {
                    at.skip_value();
                }
            }
        }
        for _ in 2..field {
            skip_field(&mut at);
        }
        at
    }

    /// The account.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let posting = ledger.get(0).unwrap().postings().next().unwrap();
    /// assert_eq!(posting.account(), "Expenses:Food");
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn account(&self) -> &'a str {
        // In the host's layout the account is the first field: read without the general
        // field lookup, as a plugin reads the account of nearly every posting.
        lazy::posting_fields(self.at)
            .unwrap_or_else(|| self.field(0))
            .str(lazy::POSTING_ACCOUNT_LABEL)
    }

    /// Whether the posting's account is `account`: `self.account() == account`, compared
    /// in the input's bytes. An account of another length answers at its header, without
    /// being read: for a plugin that looks for one account in every posting. An account
    /// that differs is not checked as UTF-8, as one that is never read is not.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let posting = ledger.get(0).unwrap().postings().next().unwrap();
    /// assert!(posting.account_is("Expenses:Food"));
    /// assert!(!posting.account_is("Expenses:Fool"));
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn account_is(&self, account: &str) -> bool {
        if let Some(stored) = lazy::posting_fields(self.at).and_then(At::text_bytes) {
            return rlplugin_types::__same_bytes(stored, account.as_bytes());
        }
        self.account() == account
    }

    /// The units, if the posting has them.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let posting = ledger.get(0).unwrap().postings().next().unwrap();
    /// assert_eq!(posting.units().unwrap().number, "4.50");
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn units(&self) -> Option<Amount<'a>> {
        #[cfg(not(rlplugin_small))]
        // Units the walk did not note (it noted where the posting starts): read past the
        // account in one window, when the posting is laid out as the host writes one.
        if self.units == 0
            && let Some(units) = self.at.posting_head().and_then(lazy::PostingHead::units)
        {
            return units.map(|(number, currency)| Amount { number, currency });
        }
        let at = self.units_at().unwrap_or_else(|| {
            let (bytes, pos, sink) = self.at.parts();
            At::new(bytes, Self::units_of_any_layout(bytes, pos, sink), sink)
        });
        Self::amount(at)
    }

    /// Where the units of the posting at `pos` start when it is not laid out as the host
    /// writes one. Out of line, in parts and answering a position, so no reader or amount
    /// of the fast path is merged with this one through memory.
    #[cold]
    #[inline(never)]
    fn units_of_any_layout(
        bytes: &'a [u8],
        pos: usize,
        sink: &'a Cell<Option<DecodeError>>,
    ) -> usize {
        Self::field_of(bytes, pos, sink, 1).parts().1
    }

    /// The units at `at`: nil or an amount.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn amount(mut at: At<'a>) -> Option<Amount<'a>> {
        if at.nil() {
            None
        } else {
            Some(Amount::read(at))
        }
    }

    /// The posting's own flag, if it has one.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let posting = ledger.get(0).unwrap().postings().next().unwrap();
    /// assert_eq!(posting.flag(), None);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn flag(&self) -> Option<&'a str> {
        self.field(4).opt_str(lazy::POSTING_FLAG_LABEL)
    }

    /// The currency of the posting's cost (`{180 USD}`), if it has a cost that names one.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # use rlplugin::{CostData, DirectiveData};
    /// # let mut buy = transaction("2024-01-02", "Buy", &[]);
    /// # let DirectiveData::Transaction(txn) = &mut buy.data else { unreachable!() };
    /// # txn.postings[0].cost = Some(CostData { number: None, currency: Some("USD".into()), date: None, label: None, merge: false });
    /// # let bytes = input(&[buy]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut postings = ledger.get(0).unwrap().postings();
    /// assert_eq!(postings.next().unwrap().cost_currency(), Some("USD"));
    /// assert_eq!(postings.next().unwrap().cost_currency(), None);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn cost_currency(&self) -> Option<&'a str> {
        if self
            .tail_word()
            .is_some_and(|markers| markers & 0xff == NIL_MARKER)
        {
            return None;
        }
        Self::cost_currency_at(self.field_after_units(2))
    }

    /// The currency of the cost at `at`.
    fn cost_currency_at(mut at: At<'a>) -> Option<&'a str> {
        if at.nil() {
            return None;
        }
        // A cost as the host writes one: its currency after its number.
        #[cfg(not(rlplugin_small))]
        {
            let mut fields = at;
            if fields.marker(COST_HEADER)
                && let Some(currency) = fields.skip_short_values(1)
            {
                return at.at(currency).opt_str(COST_CURRENCY_LABEL);
            }
        }
        at.struct_len("a cost (an array of 5)", 5);
        at.skip(1);
        at.opt_str(COST_CURRENCY_LABEL)
    }

    /// The currency of the posting's price (`@ 1.08 USD`), if it has a price that names
    /// one: its amount's currency, else the currency of a price written without a number.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # use rlplugin::{AmountData, DirectiveData, PriceAnnotationData};
    /// # let mut buy = transaction("2024-01-02", "Buy", &[]);
    /// # let DirectiveData::Transaction(txn) = &mut buy.data else { unreachable!() };
    /// # txn.postings[0].price = Some(PriceAnnotationData { is_total: false, amount: Some(AmountData::new("1.08", "EUR")), number: None, currency: None });
    /// # txn.postings[1].price = Some(PriceAnnotationData { is_total: false, amount: None, number: None, currency: Some("GBP".into()) });
    /// # let bytes = input(&[buy]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let currencies: Vec<_> = ledger.get(0).unwrap().postings().map(|p| p.price_currency()).collect();
    /// assert_eq!(currencies, [Some("EUR"), Some("GBP")]);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn price_currency(&self) -> Option<&'a str> {
        // A nil cost, then a nil price.
        if self
            .tail_word()
            .is_some_and(|markers| markers & 0xffff == NIL_MARKER * 0x0101)
        {
            return None;
        }
        Self::price_currency_at(self.field_after_units(3))
    }

    /// The currency of the price annotation at `at`.
    fn price_currency_at(mut at: At<'a>) -> Option<&'a str> {
        if at.nil() {
            return None;
        }
        // A price as the host writes one: its amount after its `is_total`, else its
        // currency after a nil amount and its number.
        #[cfg(not(rlplugin_small))]
        {
            let mut fields = at;
            if fields.marker(PRICE_HEADER)
                && let Some(amount) = fields.skip_short_values(1)
            {
                let mut amount = at.at(amount);
                if !amount.nil() {
                    return Some(Amount::read(amount).currency);
                }
                if let Some(currency) = amount.skip_short_values(1) {
                    return at.at(currency).opt_str(PRICE_CURRENCY_LABEL);
                }
            }
        }
        at.struct_len("a price annotation (an array of 4)", 4);
        at.skip(1);
        if at.nil() {
            at.skip(1);
            at.opt_str(PRICE_CURRENCY_LABEL)
        } else {
            Some(Amount::read(at).currency)
        }
    }

    /// The currencies the posting names: its units', its cost's and its price's, the
    /// answers of [`units`](Self::units) (its currency), [`cost_currency`](Self::cost_currency)
    /// and [`price_currency`](Self::price_currency). A posting laid out as the host writes
    /// one, with neither a cost nor a price, is read in one pass instead of three: for a
    /// plugin that checks every posting's currencies.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, PostingCurrencies, tests_support::{input, transaction}};
    /// # use rlplugin::{AmountData, DirectiveData, PriceAnnotationData};
    /// # let mut buy = transaction("2024-01-02", "Buy", &[]);
    /// # let DirectiveData::Transaction(txn) = &mut buy.data else { unreachable!() };
    /// # txn.postings[0].price = Some(PriceAnnotationData { is_total: false, amount: Some(AmountData::new("1.08", "EUR")), number: None, currency: None });
    /// # let bytes = input(&[buy]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let posting = ledger.get(0).unwrap().postings().next().unwrap();
    /// let currencies = posting.currencies();
    /// assert_eq!(currencies, PostingCurrencies { units: Some("USD"), cost: None, price: Some("EUR") });
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn currencies(&self) -> PostingCurrencies<'a> {
        #[cfg(not(rlplugin_small))]
        if let Some(head) = self.at.posting_head()
            && let Some(units) = head.units()
        {
            let end = units.map_or(1, |(number, currency)| 3 + number.len() + currency.len());
            let units = units.map(|(_, currency)| currency);
            return Self::currencies_after_units(units, self.at.at(head.units_at + end));
        }
        let (bytes, pos, sink) = self.at.parts();
        Self::currencies_of_any_layout(bytes, pos, sink, self.units)
    }

    /// The currencies of a posting whose units' currency is `units`, its cost and price read
    /// from `at`, where the units end: not found again by key.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn currencies_after_units(units: Option<&'a str>, mut at: At<'a>) -> PostingCurrencies<'a> {
        // A nil cost, then a nil price, in the bytes after the units.
        if at
            .next_word()
            .is_some_and(|markers| markers & 0xffff == NIL_MARKER * 0x0101)
        {
            return PostingCurrencies {
                units,
                cost: None,
                price: None,
            };
        }
        let cost = Self::cost_currency_at(at);
        skip_field(&mut at);
        PostingCurrencies {
            units,
            cost,
            price: Self::price_currency_at(at),
        }
    }

    /// [`currencies`](Self::currencies) of the posting at `pos` laid out in any way. Out of
    /// line and in parts, so the caller's view is not written to memory for the fast path's
    /// sake.
    #[inline(never)]
    fn currencies_of_any_layout(
        bytes: &'a [u8],
        pos: usize,
        sink: &'a Cell<Option<DecodeError>>,
        units: usize,
    ) -> PostingCurrencies<'a> {
        let posting = Self {
            at: At::new(bytes, pos, sink),
            units,
        };
        if let Some(mut at) = posting.units_at() {
            let units = if at.nil() {
                Some(None)
            } else if at.marker(AMOUNT_HEADER) && at.skip_text() {
                Some(Some(at.str(lazy::CURRENCY_LABEL)))
            } else {
                None
            };
            if let Some(units) = units {
                return Self::currencies_after_units(units, at);
            }
        }
        PostingCurrencies {
            units: posting.units().map(|units| units.currency),
            cost: posting.cost_currency(),
            price: posting.price_currency(),
        }
    }

    /// Whether the posting has a metadata entry named `key`: for a plugin that decodes
    /// (with [`DirectiveView::to_owned`]) only the transactions whose postings carry it.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # use rlplugin::{DirectiveData, MetaValueData};
    /// # let mut shop = transaction("2024-01-02", "Shop", &[]);
    /// # let DirectiveData::Transaction(txn) = &mut shop.data else { unreachable!() };
    /// # txn.postings[1].metadata.push(("balance".into(), MetaValueData::String("95.50 USD".into())));
    /// # let bytes = input(&[shop]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let with: Vec<bool> = ledger.get(0).unwrap().postings().map(|p| p.has_meta("balance")).collect();
    /// assert_eq!(with, [false, true]);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub fn has_meta(&self, key: &str) -> bool {
        #[cfg(not(rlplugin_small))]
        if let Some(head) = self.at.posting_head()
            && let Some((end, markers)) = head.tail()
        {
            // Cost, price and flag nil: the metadata follows them.
            if markers & 0x00ff_ffff == NIL_MARKER * 0x0001_0101 {
                return markers >> 24 & 0xff != EMPTY_ARRAY_MARKER
                    && Self::meta_has(self.at.at(head.units_at + end + 3), key);
            }
            if let Some(metadata) = self.at.at(head.units_at + end).skip_short_values(3) {
                return Self::meta_has(self.at.at(metadata), key);
            }
        }
        let (bytes, pos, sink) = self.at.parts();
        Self::has_meta_of_any_layout(bytes, pos, sink, self.units, key)
    }

    /// [`has_meta`](Self::has_meta) of the posting at `pos` laid out in any way. Out of line
    /// and in parts, so the caller's view is not written to memory for the fast path's sake.
    #[inline(never)]
    fn has_meta_of_any_layout(
        bytes: &'a [u8],
        pos: usize,
        sink: &'a Cell<Option<DecodeError>>,
        units: usize,
        key: &str,
    ) -> bool {
        let posting = Self {
            at: At::new(bytes, pos, sink),
            units,
        };
        if posting
            .units_at()
            .is_some_and(|units| units.posting_tail_is_plain())
        {
            return false;
        }
        Self::meta_has(posting.field_after_units(5), key)
    }

    /// Whether the posting metadata at `at` has an entry named `key`.
    fn meta_has(mut at: At<'a>, key: &str) -> bool {
        let entries = at.array_len("posting metadata (an array)");
        for _ in 0..entries {
            if at.failed() {
                return false;
            }
            let len = at.struct_len("a metadata pair (an array of 2)", 2);
            if at.str("a metadata key (a string)") == key {
                return true;
            }
            for _ in 1..len {
                if at.failed() {
                    return false;
                }
                at.skip_value();
            }
        }
        false
    }
}

/// Steps over the posting field at `at`: in one window when it is made of short values, as
/// the host writes most costs and prices, else the general way.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip_field(at: &mut At<'_>) {
    #[cfg(not(rlplugin_small))]
    if let Some(next) = at.skip_short_values(1) {
        *at = at.at(next);
        return;
    }
    if !at.nil() {
        at.skip_value();
    }
}

/// The currencies one posting names, from [`PostingView::currencies`]; `None` where the
/// part is absent or names no currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostingCurrencies<'a> {
    /// The units' currency (empty if the units have none).
    pub units: Option<&'a str>,
    /// The cost's currency.
    pub cost: Option<&'a str>,
    /// The price's currency.
    pub price: Option<&'a str>,
}

/// A change to one directive, applied by [`ViewOps::edit`]: the changed values are written
/// and the rest of the directive is copied from the input.
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
/// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
/// # let answer = rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// let mut ops = ledger.ops();
/// let coffee = ledger.get(0).unwrap();
/// ops.edit(coffee.edit().push_tag("reviewed").set_narration("Espresso")).unwrap();
/// # ops });
/// # assert!(answer.windows(8).any(|w| w == b"reviewed"));
/// ```
#[derive(Debug, Clone)]
#[must_use = "an edit does nothing until it is given to `ViewOps::edit`"]
pub struct Edit<'a> {
    directive: DirectiveView<'a>,
    tags: Added<'a>,
    links: Added<'a>,
    narration: Option<Cow<'a, str>>,
    payee: Option<Option<String>>,
    /// Postings' new accounts by position, sorted, each position once.
    accounts: Vec<(usize, Cow<'a, str>)>,
}

/// The texts an edit writes are borrowed when the plugin has them (a rule's tag, a
/// configured account): an edit then allocates nothing for them.
impl<'a> Edit<'a> {
    /// Appends a tag (without `#`) to a transaction or document.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.edit(ledger.get(0).unwrap().edit().push_tag("reviewed")).unwrap();
    /// # ops });
    /// ```
    pub fn push_tag(mut self, tag: impl Into<Cow<'a, str>>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Appends a link (without `^`) to a transaction or document.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.edit(ledger.get(0).unwrap().edit().push_link("trip-2024")).unwrap();
    /// # ops });
    /// ```
    pub fn push_link(mut self, link: impl Into<Cow<'a, str>>) -> Self {
        self.links.push(link.into());
        self
    }

    /// Replaces a transaction's narration.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.edit(ledger.get(0).unwrap().edit().set_narration("Espresso")).unwrap();
    /// # ops });
    /// ```
    pub fn set_narration(mut self, narration: impl Into<Cow<'a, str>>) -> Self {
        self.narration = Some(narration.into());
        self
    }

    /// Replaces (or with `None`, removes) a transaction's payee.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.edit(ledger.get(0).unwrap().edit().set_payee(Some("Cafe".into()))).unwrap();
    /// # ops });
    /// ```
    pub fn set_payee(mut self, payee: Option<String>) -> Self {
        self.payee = Some(payee);
        self
    }

    /// Replaces the account of a transaction's posting, `posting` counted from 0 in the order
    /// [`DirectiveView::postings`] yields them; the posting's amounts, cost, price, flag and
    /// metadata are copied as they are. Setting one posting twice keeps the later account.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"])]);
    /// # let answer = rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// let coffee = ledger.get(0).unwrap();
    /// let food = coffee
    ///     .postings()
    ///     .position(|posting| posting.account() == "Expenses:Food")
    ///     .unwrap();
    /// // Two postings: there is no third to change.
    /// assert!(ops.edit(coffee.edit().set_posting_account(2, "Expenses:Coffee")).is_err());
    /// ops.edit(coffee.edit().set_posting_account(food, "Expenses:Coffee"))
    ///     .unwrap();
    /// # ops });
    /// # assert!(answer.windows(15).any(|w| w == b"Expenses:Coffee"));
    /// ```
    pub fn set_posting_account(mut self, posting: usize, account: impl Into<Cow<'a, str>>) -> Self {
        let account = account.into();
        if self.accounts.is_empty() {
            // Most edits change one posting: one allocation of its size, not a growth.
            self.accounts = vec![(posting, account)];
            return self;
        }
        match self.accounts.binary_search_by_key(&posting, |(at, _)| *at) {
            Ok(found) => self.accounts[found].1 = account,
            Err(slot) => self.accounts.insert(slot, (posting, account)),
        }
        self
    }

    /// The same change made to an owned directive: what the edit writes when the input is
    /// not laid out as the host writes it.
    fn apply(&self, directive: &mut DirectiveWrapper) -> Result<(), EditError> {
        use rlplugin_types::DirectiveData;
        let (tags, links) = match &mut directive.data {
            DirectiveData::Transaction(txn) => {
                if let Some(narration) = &self.narration {
                    narration.as_ref().clone_into(&mut txn.narration);
                }
                if let Some(payee) = &self.payee {
                    payee.clone_into(&mut txn.payee);
                }
                for (posting, account) in &self.accounts {
                    let postings = txn.postings.len();
                    let Some(changed) = txn.postings.get_mut(*posting) else {
                        return Err(EditError::NoSuchPosting {
                            posting: *posting,
                            postings,
                        });
                    };
                    account.as_ref().clone_into(&mut changed.account);
                }
                (&mut txn.tags, &mut txn.links)
            }
            DirectiveData::Document(doc) if self.only_lists() => (&mut doc.tags, &mut doc.links),
            _ => return Err(EditError::NoSuchField(self.missing_field())),
        };
        tags.extend(
            self.tags
                .as_slice()
                .iter()
                .map(|tag| tag.as_ref().to_owned()),
        );
        links.extend(
            self.links
                .as_slice()
                .iter()
                .map(|link| link.as_ref().to_owned()),
        );
        Ok(())
    }

    /// Whether this edit changes tags and links alone, which documents have too.
    fn only_lists(&self) -> bool {
        self.narration.is_none() && self.payee.is_none() && self.accounts.is_empty()
    }

    /// The first field this edit changes that the directive's kind lacks.
    fn missing_field(&self) -> &'static str {
        if self.narration.is_some() {
            "narration"
        } else if self.payee.is_some() {
            "payee"
        } else if !self.accounts.is_empty() {
            "postings"
        } else if self.tags.is_empty() {
            "links"
        } else {
            "tags"
        }
    }
}

/// Why an [`Edit`] does not fit the directive it was made for.
enum EditError {
    /// The kind has no such field.
    NoSuchField(&'static str),
    /// The transaction has no posting at that position.
    NoSuchPosting { posting: usize, postings: usize },
}

/// The strings an [`Edit`] appends to a list: the one string most edits add is held
/// without a vector, which would cost an allocation per edit.
#[derive(Debug, Clone, Default)]
struct Added<'a> {
    /// The only string, while there is one.
    one: Option<Cow<'a, str>>,
    /// Every string, once there are more.
    more: Vec<Cow<'a, str>>,
}

impl<'a> Added<'a> {
    fn push(&mut self, text: Cow<'a, str>) {
        match self.one.take() {
            None if self.more.is_empty() => self.one = Some(text),
            None => self.more.push(text),
            Some(one) => self.more = vec![one, text],
        }
    }

    fn as_slice(&self) -> &[Cow<'a, str>] {
        match &self.one {
            Some(one) => core::slice::from_ref(one),
            None => &self.more,
        }
    }

    fn is_empty(&self) -> bool {
        self.one.is_none() && self.more.is_empty()
    }
}

/// A plugin's answer built over a [`LedgerView`]: the decisions of [`Ops`](crate::Ops)
/// (each input kept, modified or deleted at most once, inserts anywhere, undecided inputs
/// kept), with [`edit`](Self::edit) beside [`modify`](Self::modify).
///
/// ```
/// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
/// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
/// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
/// let mut ops = ledger.ops();
/// ops.delete(0).unwrap();
/// assert!(ops.keep(0).is_err());
/// # ops });
/// ```
#[derive(Debug, Clone)]
pub struct ViewOps {
    len: usize,
    /// The decisions other than edits, from the first one on: a plugin that decides
    /// nothing (a validator) has none.
    ops: Option<Decisions>,
    errors: Vec<PluginError>,
    /// Each edited input: its index and its bytes' range in `edited`, in call order.
    edits: Vec<(usize, usize, usize)>,
    /// The edited directives. While every decision is an edit, made in input order, this
    /// is the answer itself, written as the plugin edits (each edited directive is then
    /// copied once, where the host reads it).
    edited: Vec<u8>,
    /// Whether `edited` is still the answer being written.
    streaming: bool,
    /// The inputs before this one have their op in the answer being written.
    written: usize,
}

impl ViewOps {
    /// An answer for an input of `len` directives, all undecided.
    ///
    /// ```
    /// assert_eq!(rlplugin::view::ViewOps::new(2).len(), 2);
    /// ```
    #[must_use]
    pub fn new(len: usize) -> Self {
        Self {
            len,
            ops: None,
            errors: Vec::new(),
            edits: Vec::new(),
            edited: Vec::new(),
            streaming: true,
            written: 0,
        }
    }

    /// The decisions other than edits, made on the first one: a plugin that only edits
    /// (a tagger) never records any. Inputs edited before it are recorded as kept, as
    /// [`edit`](Self::edit) records them once there are decisions.
    fn ops(&mut self) -> &mut Decisions {
        let (len, edits) = (self.len, &self.edits);
        self.ops.get_or_insert_with(|| {
            let mut ops = Decisions::new(len);
            for &(index, ..) in edits {
                // Edits are refused a second decision on one input, so each keep is the first.
                let _ = ops.keep(index);
            }
            ops
        })
    }

    /// Whether input `index` may be edited: in bounds and not decided yet.
    fn may_edit(&mut self, index: usize) -> Result<(), OpsError> {
        if let Some(ops) = &mut self.ops {
            return ops.keep(index).map_err(|e| self.refusal(e));
        }
        if index >= self.len {
            return Err(OpsError::OutOfBounds {
                index,
                len: self.len,
            });
        }
        // Edits usually come in input order: only an edit at or before the last one can
        // be a second decision.
        let again = self.edits.last().is_some_and(|&(last, ..)| last >= index)
            && self.edits.iter().any(|&(edited, ..)| edited == index);
        if again {
            return Err(OpsError::AlreadyDecided {
                index,
                previous: "modified",
            });
        }
        Ok(())
    }

    /// How many input directives there are.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// assert_eq!(ledger.ops().len(), 2);
    /// # ledger.ops() });
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the input is empty.
    ///
    /// ```
    /// assert!(rlplugin::view::ViewOps::new(0).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An edited input reads as "modified" in a refusal, not as the "kept" it is recorded as.
    fn refusal(&self, error: OpsError) -> OpsError {
        match error {
            OpsError::AlreadyDecided { index, .. }
                if self.edits.iter().any(|&(edited, ..)| edited == index) =>
            {
                OpsError::AlreadyDecided {
                    index,
                    previous: "modified",
                }
            }
            other => other,
        }
    }

    /// As [`Ops::keep`](crate::Ops::keep).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.keep(1).unwrap();
    /// assert!(ops.delete(1).is_err());
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn keep(&mut self, index: usize) -> Result<(), OpsError> {
        self.ops().keep(index).map_err(|e| self.refusal(e))
    }

    /// As [`Ops::delete`](crate::Ops::delete).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.delete(1).unwrap();
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn delete(&mut self, index: usize) -> Result<(), OpsError> {
        self.ops().delete(index).map_err(|e| self.refusal(e))
    }

    /// As [`Ops::modify`](crate::Ops::modify): replaces input `index` with a whole
    /// directive, encoded and validated as the drop-in API does.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price}};
    /// # let bytes = input(&[price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// let mut price = ledger.get(0).unwrap().to_owned();
    /// price.date = "2024-01-03".into();
    /// ops.modify(0, price).unwrap();
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn modify(&mut self, index: usize, directive: DirectiveWrapper) -> Result<(), OpsError> {
        self.ops()
            .modify(index, directive)
            .map_err(|e| self.refusal(e))
    }

    /// Modifies the edited directive: its changed values written, the rest copied from the
    /// input. Input not laid out as the host writes it is decoded, changed and re-encoded
    /// instead, with the same result.
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.edit(ledger.get(0).unwrap().edit().push_tag("reviewed")).unwrap();
    /// // A price has no narration.
    /// assert!(ops.edit(ledger.get(1).unwrap().edit().set_narration("x")).is_err());
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if the directive is already decided, or
    /// [`OpsError::NoSuchField`] if the edit changes a field its kind lacks (a narration
    /// on a price), [`OpsError::NoSuchPosting`] if it changes a posting the transaction
    /// does not have; the directive then stays undecided.
    pub fn edit(&mut self, edit: Edit<'_>) -> Result<(), OpsError> {
        let directive = edit.directive;
        let index = directive.index;
        let Some(kind) = directive.kind() else {
            // Undecodable: the answer reports it, whatever is decided here.
            return Ok(());
        };
        // In the order of a transaction's keys (a document's tags and links too), which
        // an exact layout's edit then makes without a search.
        let mut changes = [(&lazy::TAGS, Change::Append(&[])); 5];
        let mut count = 0;
        if let Some(payee) = &edit.payee {
            changes[count] = (&lazy::PAYEE, Change::OptText(payee.as_deref()));
            count += 1;
        }
        if let Some(narration) = &edit.narration {
            changes[count] = (&lazy::NARRATION, Change::Text(narration));
            count += 1;
        }
        if !edit.tags.is_empty() {
            changes[count] = (&lazy::TAGS, Change::Append(edit.tags.as_slice()));
            count += 1;
        }
        if !edit.links.is_empty() {
            changes[count] = (&lazy::LINKS, Change::Append(edit.links.as_slice()));
            count += 1;
        }
        if !edit.accounts.is_empty() {
            changes[count] = (&lazy::POSTINGS, Change::Accounts(&edit.accounts));
            count += 1;
        }
        let changes = &changes[..count];
        let has_fields = match kind {
            Kind::Transaction => true,
            Kind::Document => edit.only_lists(),
            _ => count == 0,
        };
        if !has_fields {
            return Err(OpsError::NoSuchField {
                index,
                kind: kind.name(),
                field: edit.missing_field(),
            });
        }
        if self.edited.capacity() == 0 {
            // One allocation for the answer and every edit, and one for their records:
            // growing them edit by edit would copy them again and again.
            lazy::stream_start(&mut self.edited, self.len, directive.frame.bytes.len());
            self.edits.reserve(self.len);
        }
        let streaming = self.ops.is_none() && self.streaming && index >= self.written;
        if streaming {
            // Without a table of decisions this only checks.
            self.may_edit(index)?;
        }
        let mark = self.edited.len();
        if streaming {
            lazy::stream_to(&mut self.edited, self.written..index, index);
        }
        let start = self.edited.len();
        if lazy::edit(
            directive.at(),
            directive.loc,
            kind,
            changes,
            &directive.frame.postings,
            &mut self.edited,
        ) {
            if !streaming && let Err(error) = self.may_edit(index) {
                self.edited.truncate(mark);
                return Err(error);
            }
            self.edits.push((index, start, self.edited.len()));
            if streaming {
                self.written = index + 1;
            } else {
                self.streaming = false;
            }
            return Ok(());
        }
        self.edited.truncate(mark);
        let mut owned = directive.to_owned();
        // The kind has every field the edit changes (checked above); a posting it names
        // may still be missing, which only the decoded transaction tells.
        match edit.apply(&mut owned) {
            Err(EditError::NoSuchPosting { posting, postings }) => Err(OpsError::NoSuchPosting {
                index,
                posting,
                postings,
            }),
            Err(EditError::NoSuchField(field)) => Err(OpsError::NoSuchField {
                index,
                kind: kind.name(),
                field,
            }),
            Ok(()) => self.modify(index, owned),
        }
    }

    /// As [`Ops::insert_before`](crate::Ops::insert_before).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// let copy = ledger.get(1).unwrap().to_owned();
    /// ops.insert_before(1, copy).unwrap();
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError::OutOfBounds`] if `index` is not an input position.
    pub fn insert_before(
        &mut self,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        self.ops().insert_before(index, directive)
    }

    /// As [`Ops::insert_after`](crate::Ops::insert_after).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// let copy = ledger.get(1).unwrap().to_owned();
    /// ops.insert_after(1, copy).unwrap();
    /// # ops });
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError::OutOfBounds`] if `index` is not an input position.
    pub fn insert_after(
        &mut self,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        self.ops().insert_after(index, directive)
    }

    /// As [`Ops::push`](crate::Ops::push).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.push(ledger.get(1).unwrap().to_owned());
    /// # ops });
    /// ```
    pub fn push(&mut self, directive: DirectiveWrapper) {
        self.ops().push(directive);
    }

    /// As [`Ops::error`](crate::Ops::error).
    ///
    /// ```
    /// # use rlplugin::view::{LedgerView, tests_support::{input, price, transaction}};
    /// # let bytes = input(&[transaction("2024-01-02", "Coffee", &["food"]), price("2024-01-02", "AAPL", "190.5", "USD")]);
    /// # rlplugin::guest::run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
    /// let mut ops = ledger.ops();
    /// ops.error(rlplugin::PluginError::warning("checked"));
    /// # ops });
    /// ```
    pub fn error(&mut self, error: PluginError) {
        self.errors.push(error);
    }

    /// Every input kept, and `error`: the answer of a `process` that failed.
    fn failed(len: usize, error: PluginError) -> Self {
        let mut ops = Self::new(len);
        ops.error(error);
        ops
    }

    /// The answer as the drop-in API has it, each edited directive decoded: what
    /// [`guest::view_plugin_output`](crate::guest::view_plugin_output) returns.
    pub(crate) fn output(mut self) -> PluginOutput {
        self.edits.sort_unstable_by_key(|&(index, ..)| index);
        self.ops.unwrap_or_else(|| Decisions::new(self.len)).output(
            &self.edits,
            &self.edited,
            self.errors,
        )
    }

    /// The answer encoded for the host: the drop-in API's bytes for the same decisions.
    pub(crate) fn encode(mut self) -> Vec<u8> {
        if let Some(decisions) = &self.ops {
            // Edits usually come in input order; sorting is then one pass.
            self.edits.sort_unstable_by_key(|&(index, ..)| index);
            let mut errors = self.errors;
            let changes = decisions.changes(&self.edits, &self.edited, &mut errors);
            let bytes = lazy::encode(self.len, &changes, self.edited.len(), &errors);
            crate::discard(changes);
            crate::discard(errors);
            return bytes;
        }
        if self.edits.is_empty() {
            return lazy::encode_keep_all(self.len, &self.errors);
        }
        if self.streaming {
            let mut answer = self.edited;
            lazy::stream_finish(&mut answer, self.written..self.len, &self.errors);
            return answer;
        }
        if !self.edits.is_sorted_by_key(|&(index, ..)| index) {
            self.edits.sort_unstable_by_key(|&(index, ..)| index);
        }
        lazy::encode_edits(self.len, &self.edits, &self.edited, &self.errors)
    }
}

/// What a view `process` function may return: a [`ViewOps`], or a `Result` whose error
/// becomes a diagnostic while every input directive is kept.
///
/// ```
/// use rlplugin::view::{IntoViewOps, ViewOps};
///
/// let failed: Result<ViewOps, &str> = Err("config: missing `tag`");
/// assert_eq!(failed.into_view_ops(3).len(), 3);
/// ```
#[diagnostic::on_unimplemented(
    message = "a view `process` must return `ViewOps` or `Result<ViewOps, E>` with `E: Display`, not `{Self}`",
    label = "this function returns `{Self}`",
    note = "the signature rlplugin expects is `fn(LedgerView<'_>) -> ViewOps` (or `-> Result<ViewOps, E>`)"
)]
pub trait IntoViewOps {
    /// The answer for an input of `input_len` directives.
    fn into_view_ops(self, input_len: usize) -> ViewOps;
}

impl IntoViewOps for ViewOps {
    fn into_view_ops(self, _input_len: usize) -> ViewOps {
        self
    }
}

impl<E: core::fmt::Display> IntoViewOps for Result<ViewOps, E> {
    fn into_view_ops(self, input_len: usize) -> ViewOps {
        self.unwrap_or_else(|error| {
            ViewOps::failed(input_len, PluginError::error(format!("{error}")))
        })
    }
}

/// `input` as the host encodes it: the bytes a view plugin reads, for its native tests
/// ([`run_view_plugin`](crate::guest::run_view_plugin),
/// [`view_plugin_output`](crate::guest::view_plugin_output)).
///
/// ```
/// use rlplugin::PluginInput;
///
/// let input = PluginInput { directives: vec![], options: Default::default(), config: None };
/// // [[], [[], nil, ["Assets", …]], nil]
/// assert!(rlplugin::view::encode_input(&input).starts_with(b"\x93\x90\x93\x90\xc0\x95"));
/// ```
#[must_use]
pub fn encode_input(input: &rlplugin_types::PluginInput) -> Vec<u8> {
    lazy::encode_input(input)
}

mod decisions;

/// Directives and inputs for the examples in this module's docs. Not public API.
#[doc(hidden)]
pub mod tests_support;

#[cfg(test)]
mod tests;
