//! The view against the drop-in API: what it reads equals the decoded directive, and the
//! bytes it answers equal the drop-in API's for the same decisions, on ledgers in the host's
//! own encoding (rmp-serde of rustledger's types) and on input laid out otherwise.

use proptest::prelude::*;
use rlplugin_bench::wire as support;
#[cfg(not(rlplugin_small))]
use rlplugin_types::PostingData;
use rlplugin_types::{
    AmountData, DirectiveData, DirectiveWrapper, PluginError, PluginInput, PluginOp, PluginOptions,
    PluginOutput,
};

use super::{Edit, Kind, LedgerView, ViewOps, encode_input};
#[cfg(not(rlplugin_small))]
use crate::codec::lazy::{self, Loc};
use crate::guest::{run_plugin, run_view_plugin, view_plugin_output};
use crate::ops::{Ops, OpsError};
use crate::validate::validate_directive;

/// The host's bytes for `directives`.
fn host_bytes(directives: &[DirectiveWrapper], config: Option<&str>) -> Vec<u8> {
    let input = PluginInput {
        directives: directives.to_vec(),
        options: PluginOptions::default(),
        config: config.map(str::to_owned),
    };
    rmp_serde::to_vec(&support::to_upstream_input(&input)).unwrap()
}

/// A config long enough that every directive before it is read through the frame's
/// window, which reads a fixed length past a directive's start (and the directives of a
/// short input without it, through the general walk).
fn long_config() -> String {
    #[cfg(not(rlplugin_small))]
    let window = crate::codec::lazy::WINDOW + crate::codec::lazy::REACH;
    // The small form has no window: every directive takes the general walk.
    #[cfg(rlplugin_small)]
    let window = 8;
    "c".repeat(window)
}

/// A directive as rustledger sends it: a calendar date, a one-character flag, and numbers
/// it parsed. The arbitrary strategies' other fields stay arbitrary.
fn host_like(mut directive: DirectiveWrapper) -> DirectiveWrapper {
    directive.date = "2024-02-29".to_owned();
    match &mut directive.data {
        DirectiveData::Transaction(txn) => {
            txn.flag = "*".to_owned();
            for posting in &mut txn.postings {
                posting.units = Some(AmountData::new("-12.50", "USD"));
                posting.cost = None;
                posting.price = None;
            }
        }
        DirectiveData::Balance(balance) => {
            balance.amount = AmountData::new("100", "USD");
            balance.tolerance = None;
        }
        DirectiveData::Price(price) => price.amount = AmountData::new("190.5", "USD"),
        _ => {}
    }
    directive
}

/// One decision a test makes on one input directive.
#[derive(Debug, Clone)]
enum Change {
    Undecided,
    Keep,
    Delete,
    /// Tags, links, a narration, a payee and postings' accounts (by position), each
    /// applied when the kind has it (a posting when the transaction has it).
    Edit {
        tags: Vec<String>,
        links: Vec<String>,
        narration: Option<String>,
        payee: Option<Option<String>>,
        accounts: Vec<(usize, String)>,
    },
    /// The whole directive replaced by the decoded one with a changed date.
    Modify(String),
    InsertBefore,
    InsertAfter,
}

fn change() -> impl Strategy<Value = Change> {
    let text = support::arb_string;
    prop_oneof![
        3 => Just(Change::Undecided),
        1 => Just(Change::Keep),
        1 => Just(Change::Delete),
        4 => (
            support::list(text()),
            support::list(text()),
            support::opt(text()),
            support::opt(support::opt(text())),
            support::list((0usize..4, text()).boxed()),
        )
            .prop_map(|(tags, links, narration, payee, accounts)| Change::Edit {
                tags,
                links,
                narration,
                payee,
                accounts,
            }),
        1 => prop_oneof![Just("2024-03-01".to_owned()), Just("2024-02-30".to_owned())]
            .prop_map(Change::Modify),
        1 => Just(Change::InsertBefore),
        1 => Just(Change::InsertAfter),
    ]
}

/// Tags, links, a narration, a payee and postings' accounts to change.
type Changes = (
    Vec<String>,
    Vec<String>,
    Option<String>,
    Option<Option<String>>,
    Vec<(usize, String)>,
);

/// `edit` with the changes its kind has no field for left out.
fn fitting(kind: Kind, change: &Change) -> Option<Changes> {
    let Change::Edit {
        tags,
        links,
        narration,
        payee,
        accounts,
    } = change
    else {
        return None;
    };
    match kind {
        Kind::Transaction => Some((
            tags.clone(),
            links.clone(),
            narration.clone(),
            payee.clone(),
            accounts.clone(),
        )),
        Kind::Document => Some((tags.clone(), links.clone(), None, None, Vec::new())),
        _ => None,
    }
}

fn inserted(date: &str) -> DirectiveWrapper {
    let mut directive = super::tests_support::price(date, "VTI", "250", "USD");
    directive.filename = None;
    directive
}

/// The drop-in API's answer for `changes`.
fn drop_in(input: PluginInput, changes: &[Change], how: How) -> PluginOutput {
    let mut ops = Ops::new(input.directives.len());
    for (index, (mut directive, change)) in input.directives.into_iter().zip(changes).enumerate() {
        let kind = kind_of(&directive.data);
        match change {
            Change::Undecided => {}
            Change::Keep => ops.keep(index).unwrap(),
            Change::Delete => ops.delete(index).unwrap(),
            Change::Edit { .. } => {
                if let Some((tags, links, narration, payee, accounts)) = fitting(kind, change) {
                    match &mut directive.data {
                        DirectiveData::Transaction(txn) => {
                            for (posting, account) in accounts {
                                if let Some(posting) = txn.postings.get_mut(posting) {
                                    posting.account = account;
                                }
                            }
                            txn.tags.extend(tags);
                            txn.links.extend(links);
                            if let Some(narration) = narration {
                                txn.narration = narration;
                            }
                            if let Some(payee) = payee {
                                txn.payee = payee;
                            }
                        }
                        DirectiveData::Document(doc) => {
                            doc.tags.extend(tags);
                            doc.links.extend(links);
                        }
                        _ => unreachable!(),
                    }
                    ops.modify(index, directive).unwrap();
                }
            }
            Change::Modify(date) => {
                directive.date.clone_from(date);
                ops.modify(index, directive).unwrap();
            }
            Change::InsertBefore => ops.insert_before(index, inserted("2024-01-01")).unwrap(),
            Change::InsertAfter => ops.insert_after(index, inserted("2024-01-02")).unwrap(),
        }
    }
    if how.push {
        ops.push(inserted("2024-12-31"));
    }
    // Before the errors of rejected changes in the answer, wherever it is reported.
    ops.error(PluginError::warning("reviewed"));
    ops.finish()
}

/// The view's answer for the same `changes`.
fn view(ledger: LedgerView<'_>, changes: &[Change], how: How) -> ViewOps {
    let mut ops = ledger.ops();
    let mut pairs: Vec<_> = ledger.directives().zip(changes).collect();
    if how.backwards {
        pairs.reverse();
    }
    for (directive, change) in pairs {
        let index = directive.index();
        let kind = directive.kind().unwrap();
        match change {
            Change::Undecided => {}
            Change::Keep => ops.keep(index).unwrap(),
            Change::Delete => ops.delete(index).unwrap(),
            Change::Edit { .. } => {
                if let Some((tags, links, narration, payee, accounts)) = fitting(kind, change) {
                    let mut edit: Edit<'_> = directive.edit();
                    let postings = directive.postings().count();
                    for (posting, account) in accounts {
                        if posting < postings {
                            edit = edit.set_posting_account(posting, account);
                        }
                    }
                    for tag in tags {
                        edit = edit.push_tag(tag);
                    }
                    for link in links {
                        edit = edit.push_link(link);
                    }
                    if let Some(narration) = narration {
                        edit = edit.set_narration(narration);
                    }
                    if let Some(payee) = payee {
                        edit = edit.set_payee(payee);
                    }
                    ops.edit(edit).unwrap();
                }
            }
            Change::Modify(date) => {
                let mut owned = directive.to_owned();
                owned.date.clone_from(date);
                ops.modify(index, owned).unwrap();
            }
            Change::InsertBefore => ops.insert_before(index, inserted("2024-01-01")).unwrap(),
            Change::InsertAfter => ops.insert_after(index, inserted("2024-01-02")).unwrap(),
        }
    }
    if how.push {
        ops.push(inserted("2024-12-31"));
    }
    ops.error(PluginError::warning("reviewed"));
    ops
}

/// How a test's plugin makes its decisions: with an insert at the end or without (an
/// answer of edits alone is written as the plugin edits), and in input order or backwards.
#[derive(Debug, Clone, Copy)]
struct How {
    push: bool,
    backwards: bool,
}

impl How {
    const USUAL: Self = Self {
        push: true,
        backwards: false,
    };

    fn all() -> [Self; 4] {
        let how = |push, backwards| Self { push, backwards };
        [
            how(false, false),
            how(false, true),
            how(true, false),
            how(true, true),
        ]
    }
}

fn kind_of(data: &DirectiveData) -> Kind {
    match data {
        DirectiveData::Transaction(_) => Kind::Transaction,
        DirectiveData::Balance(_) => Kind::Balance,
        DirectiveData::Open(_) => Kind::Open,
        DirectiveData::Close(_) => Kind::Close,
        DirectiveData::Commodity(_) => Kind::Commodity,
        DirectiveData::Pad(_) => Kind::Pad,
        DirectiveData::Event(_) => Kind::Event,
        DirectiveData::Note(_) => Kind::Note,
        DirectiveData::Document(_) => Kind::Document,
        DirectiveData::Price(_) => Kind::Price,
        DirectiveData::Query(_) => Kind::Query,
        DirectiveData::Custom(_) => Kind::Custom,
    }
}

fn ledger_and_changes() -> impl Strategy<Value = (Vec<DirectiveWrapper>, Vec<Change>)> {
    prop::collection::vec((support::arb_wrapper().prop_map(host_like), change()), 0..8)
        .prop_map(|pairs| pairs.into_iter().unzip())
}

/// Both answers for the same input bytes and changes.
fn answers(bytes: &[u8], changes: &[Change]) -> (Vec<u8>, Vec<u8>) {
    answers_made(bytes, changes, How::USUAL)
}

/// Both answers for the same input bytes and changes, made `how`.
fn answers_made(bytes: &[u8], changes: &[Change], how: How) -> (Vec<u8>, Vec<u8>) {
    let drop_in = run_plugin(bytes, |input| drop_in(input, changes, how));
    let view = run_view_plugin(bytes, |ledger: LedgerView<'_>| view(ledger, changes, how));
    (drop_in, view)
}

/// A transaction tagged `tags` of twenty postings, to accounts `Expenses:Part0` to
/// `Expenses:Part19`: more than a short array holds.
#[cfg(not(rlplugin_small))]
fn split_in_twenty(tags: &[&str]) -> DirectiveWrapper {
    let mut many = super::tests_support::transaction("2024-01-02", "Split", tags);
    let DirectiveData::Transaction(txn) = &mut many.data else {
        unreachable!("a transaction")
    };
    let posting = txn.postings[0].clone();
    txn.postings = (0..20)
        .map(|i| PostingData {
            account: format!("Expenses:Part{i}"),
            ..posting.clone()
        })
        .collect();
    many
}

/// Asserts that the host layout's walk locates `txn` (alone in an input) where the general
/// walk does, and where the frame of an input too short for the window does.
#[cfg(not(rlplugin_small))]
fn assert_the_host_walk_locates(txn: &DirectiveWrapper) -> Loc {
    let [(host, general, without)] = both_walks(core::slice::from_ref(txn))[..] else {
        panic!("one directive")
    };
    assert!(host.is_some(), "the host layout's walk gave up");
    assert_eq!(host, general);
    assert_eq!(Some(without), general);
    without
}

/// A transaction whose postings `postings` makes from a plain posting.
#[cfg(not(rlplugin_small))]
fn transaction_with_postings(
    narration: &str,
    postings: impl FnOnce(PostingData) -> Vec<PostingData>,
) -> DirectiveWrapper {
    let mut txn = super::tests_support::transaction("2024-01-02", narration, &[]);
    let DirectiveData::Transaction(data) = &mut txn.data else {
        unreachable!("a transaction")
    };
    data.postings = postings(data.postings[0].clone());
    txn
}

proptest! {
    #[test]
    fn answers_the_drop_in_apis_bytes_for_the_same_changes(
        (directives, changes) in ledger_and_changes(),
    ) {
        for directive in &directives {
            prop_assume!(validate_directive(directive).is_ok());
        }
        for config in ["cfg".to_owned(), long_config()] {
            let bytes = host_bytes(&directives, Some(&config));
            for how in How::all() {
                let (drop_in, view) = answers_made(&bytes, &changes, how);
                prop_assert_eq!(drop_in, view, "{:?}", how);
            }
        }
    }

    #[test]
    fn reads_what_the_decoder_decodes(
        directive in support::arb_wrapper(),
        long in any::<bool>(),
    ) {
        let config = long.then(long_config);
        let bytes = host_bytes(core::slice::from_ref(&directive), config.as_deref());
        let expected = directive.clone();
        let output = view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
            let d = ledger.get(0).unwrap();
            assert_eq!(d.kind(), Some(kind_of(&expected.data)));
            assert_eq!(d.date(), expected.date);
            assert_eq!(d.filename(), expected.filename.as_deref());
            assert_eq!(d.lineno(), expected.lineno);
            assert_eq!(d.to_owned(), expected);
            fn strings(list: &[String]) -> Vec<&str> {
                list.iter().map(String::as_str).collect()
            }
            match &expected.data {
                DirectiveData::Transaction(txn) => {
                    assert_eq!(d.flag(), Some(txn.flag.as_str()));
                    assert_eq!(d.payee(), txn.payee.as_deref());
                    assert_eq!(d.narration(), Some(txn.narration.as_str()));
                    assert_eq!(d.tags().collect::<Vec<_>>(), strings(&txn.tags));
                    assert_eq!(d.links().collect::<Vec<_>>(), strings(&txn.links));
                    assert_eq!(d.postings().count(), txn.postings.len());
                    for (view, posting) in d.postings().zip(&txn.postings) {
                        assert_eq!(view.account(), posting.account);
                        assert_eq!(
                            view.units().map(|a| (a.number, a.currency)),
                            posting.units.as_ref().map(|a| (a.number.as_str(), a.currency.as_str())),
                        );
                        assert_eq!(view.flag(), posting.flag.as_deref());
                        let keys = posting.metadata.iter().map(|(key, _)| key.as_str());
                        for key in keys.chain(["balance", ""]) {
                            let has = posting.metadata.iter().any(|(own, _)| own == key);
                            assert_eq!(view.has_meta(key), has, "{key:?}");
                        }
                    }
                    assert_eq!(d.account(), None);
                }
                DirectiveData::Price(price) => {
                    assert_eq!(d.currency(), Some(price.currency.as_str()));
                    let amount = d.amount().unwrap();
                    assert_eq!((amount.number, amount.currency), (price.amount.number.as_str(), price.amount.currency.as_str()));
                    assert_eq!(d.tags().count(), 0);
                    assert_eq!(d.postings().count(), 0);
                }
                DirectiveData::Balance(balance) => {
                    assert_eq!(d.account(), Some(balance.account.as_str()));
                    assert_eq!(d.amount().unwrap().number, balance.amount.number);
                }
                DirectiveData::Document(doc) => {
                    assert_eq!(d.account(), Some(doc.account.as_str()));
                    assert_eq!(d.tags().collect::<Vec<_>>(), strings(&doc.tags));
                }
                _ => {}
            }
            ledger.ops()
        });
        prop_assert!(output.errors.is_empty(), "{:?}", output.errors);
    }

    // rmp-serde of a whole arbitrary input takes minutes per case under Miri; the writer
    // this runs is the one the codec's own tests hold to the host's bytes there.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn encodes_input_as_the_host_does(input in support::arb_plugin_input()) {
        let host = rmp_serde::to_vec(&support::to_upstream_input(&input)).unwrap();
        prop_assert_eq!(encode_input(&input), host);
    }
}

/// The view's answer for `bytes` when `change` edits the first directive: that directive,
/// as the answer's `Modify` carries it.
fn edited_first(bytes: &[u8], change: impl Fn(Edit<'_>) -> Edit<'_>) -> DirectiveWrapper {
    let output = view_plugin_output(bytes, |ledger: LedgerView<'_>| {
        let mut ops = ledger.ops();
        ops.edit(change(ledger.get(0).unwrap().edit())).unwrap();
        ops
    });
    match output.ops.into_iter().next() {
        Some(PluginOp::Modify(0, modified)) => modified,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_edit_copies_the_input_and_writes_only_the_change() {
    let coffee = super::tests_support::transaction("2024-01-02", "Coffee", &["food"]);
    let bytes = host_bytes(core::slice::from_ref(&coffee), None);
    let changes = [Change::Edit {
        tags: vec!["reviewed".into()],
        links: vec![],
        narration: None,
        payee: None,
        accounts: vec![],
    }];
    let (drop_in, view) = answers(&bytes, &changes);
    assert_eq!(drop_in, view);
    let modified = edited_first(&bytes, |edit| edit.push_tag("reviewed"));
    let DirectiveData::Transaction(txn) = &modified.data else {
        panic!("{modified:?}")
    };
    assert_eq!(txn.tags, ["food", "reviewed"]);
    assert_eq!(modified.filename, coffee.filename);
}

#[test]
fn an_edit_replaces_a_postings_account_and_copies_the_rest() {
    let coffee = super::tests_support::transaction("2024-01-02", "Coffee", &["food"]);
    let bytes = host_bytes(core::slice::from_ref(&coffee), None);
    for accounts in [
        vec![(0, "Expenses:Coffee".to_owned())],
        vec![(1, "Assets:Wallet".to_owned())],
        vec![(0, "Expenses:Coffee".to_owned()), (1, "A".repeat(40))],
    ] {
        let changes = [Change::Edit {
            tags: vec![],
            links: vec![],
            narration: None,
            payee: None,
            accounts: accounts.clone(),
        }];
        let (drop_in, view) = answers_made(&bytes, &changes, How::all()[0]);
        assert_eq!(drop_in, view, "{accounts:?}");
    }
    let modified = edited_first(&bytes, |edit| {
        edit.set_posting_account(1, "Assets:Bank")
            .set_posting_account(1, "Assets:Wallet")
    });
    let DirectiveData::Transaction(txn) = &modified.data else {
        panic!("{modified:?}")
    };
    let DirectiveData::Transaction(original) = &coffee.data else {
        unreachable!()
    };
    assert_eq!(txn.postings[0], original.postings[0]);
    assert_eq!(txn.postings[1].account, "Assets:Wallet");
    assert_eq!(txn.postings[1].units, original.postings[1].units);
}

#[test]
#[cfg(not(rlplugin_small))]
fn an_edit_of_a_transaction_of_more_postings_than_a_short_array_holds_replaces_its_accounts() {
    let many = split_in_twenty(&["food"]);
    let bytes = host_bytes(core::slice::from_ref(&many), None);
    // The frame noted where each posting starts: the edit goes there, in input order or
    // not, alone or after a change to a key before the postings.
    for (tags, accounts) in [
        (vec![], vec![(17, "Assets:Wallet".to_owned())]),
        (
            vec!["reviewed".to_owned()],
            vec![(3, "Assets:Bank".to_owned()), (19, "A".repeat(40))],
        ),
        (
            vec![],
            vec![(0, "Assets:Cash".to_owned()), (16, "B".to_owned())],
        ),
    ] {
        let changes = [Change::Edit {
            tags,
            links: vec![],
            narration: None,
            payee: None,
            accounts: accounts.clone(),
        }];
        for how in How::all() {
            let (drop_in, view) = answers_made(&bytes, &changes, how);
            assert_eq!(drop_in, view, "{accounts:?}");
        }
    }
    let modified = edited_first(&bytes, |edit| edit.set_posting_account(18, "Assets:Wallet"));
    let DirectiveData::Transaction(edited) = &modified.data else {
        panic!("{modified:?}")
    };
    let DirectiveData::Transaction(original) = &many.data else {
        unreachable!()
    };
    assert_eq!(edited.postings[18].account, "Assets:Wallet");
    assert_eq!(edited.postings[17], original.postings[17]);
    assert_eq!(edited.postings[19], original.postings[19]);
}

#[test]
fn an_edit_of_a_posting_or_field_the_directive_lacks_is_refused_and_decides_nothing() {
    use super::tests_support::{price, transaction};
    let directives = [
        transaction("2024-01-02", "Coffee", &[]),
        price("2024-01-02", "AAPL", "190.5", "USD"),
    ];
    for config in [None, Some(long_config())] {
        let bytes = host_bytes(&directives, config.as_deref());
        let output = view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
            let mut ops = ledger.ops();
            let coffee = ledger.get(0).unwrap();
            assert_eq!(
                ops.edit(coffee.edit().set_posting_account(2, "Expenses:Coffee")),
                Err(OpsError::NoSuchPosting {
                    index: 0,
                    posting: 2,
                    postings: 2
                })
            );
            let apple = ledger.get(1).unwrap();
            assert_eq!(
                ops.edit(apple.edit().set_posting_account(0, "Assets:Broker")),
                Err(OpsError::NoSuchField {
                    index: 1,
                    kind: "price",
                    field: "postings"
                })
            );
            ops.keep(0).unwrap();
            ops
        });
        assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
    }
}

/// A map with the same entries in another order: still a directive, not the host's layout.
fn reordered(bytes: &[u8]) -> Vec<u8> {
    // The single directive's map: swap `date` (first) behind `type`, rebuilding by hand.
    let input = crate::codec::decode_plugin_input(bytes).unwrap();
    let directive = &input.directives[0];
    let DirectiveData::Transaction(txn) = &directive.data else {
        unreachable!()
    };
    let mut out = vec![0x93, 0x91, 0x89];
    let string = |out: &mut Vec<u8>, s: &str| {
        out.push(0xa0 | u8::try_from(s.len()).unwrap());
        out.extend_from_slice(s.as_bytes());
    };
    string(&mut out, "type");
    string(&mut out, "transaction");
    string(&mut out, "date");
    string(&mut out, &directive.date);
    string(&mut out, "narration");
    string(&mut out, &txn.narration);
    string(&mut out, "flag");
    string(&mut out, &txn.flag);
    string(&mut out, "payee");
    out.push(0xc0);
    string(&mut out, "tags");
    out.push(0x91);
    string(&mut out, &txn.tags[0]);
    string(&mut out, "links");
    out.push(0x90);
    string(&mut out, "metadata");
    out.push(0x90);
    string(&mut out, "postings");
    out.push(0x90);
    out.extend_from_slice(b"\x92\x90\xc0\xc0");
    out
}

#[test]
fn an_edit_of_input_laid_out_otherwise_reencodes_the_directive() {
    let coffee = super::tests_support::transaction("2024-01-02", "Coffee", &["food"]);
    let bytes = reordered(&host_bytes(core::slice::from_ref(&coffee), None));
    let changes = [Change::Edit {
        tags: vec!["reviewed".into()],
        links: vec!["trip".into()],
        narration: Some("Espresso".into()),
        payee: Some(Some("Cafe".into())),
        accounts: vec![(0, "Assets:Wallet".into())],
    }];
    let (drop_in, view) = answers(&bytes, &changes);
    assert_eq!(drop_in, view);
    assert!(view.windows(8).any(|w| w == b"Espresso"));
}

#[test]
fn undecodable_input_keeps_every_directive_as_the_drop_in_api_does() {
    for bytes in [
        &b"\x93\x92\xc1\xc1"[..],
        b"\x93\xc0",
        b"\x93\x91\x81\xa4date",
    ] {
        let drop_in = crate::guest::plugin_output(bytes, |input| {
            PluginOutput::passthrough(input.directives.len())
        });
        let view = view_plugin_output(bytes, |ledger: LedgerView<'_>| ledger.ops());
        assert_eq!(drop_in.ops, view.ops, "{bytes:x?}");
        // The same offset; what was expected there is the view's reading of it.
        let offset = |message: &str| message.split(':').next().unwrap().to_owned();
        assert_eq!(
            offset(&drop_in.errors[0].message),
            offset(&view.errors[0].message),
        );
        assert!(
            view.errors[0]
                .message
                .starts_with("cannot decode the plugin input (input byte ")
        );
    }
}

#[test]
fn a_field_that_cannot_be_decoded_fails_the_answer_and_keeps_every_directive() {
    // One directive whose date is an integer.
    let bytes = b"\x93\x91\x82\xa4date\x05\xa4type\xa5close\x92\x90\xc0\xc0";
    let output = view_plugin_output(bytes, |ledger: LedgerView<'_>| {
        let mut ops = ledger.ops();
        let directive = ledger.get(0).unwrap();
        assert_eq!(directive.date(), "");
        ops.delete(0).unwrap();
        ops
    });
    assert_eq!(output.ops, [PluginOp::Keep(0)]);
    assert_eq!(
        output.errors[0].message,
        "cannot decode the plugin input (input byte 8: expected a date (a string), found an \
         unsigned integer (0x05)); all 1 directives were kept unchanged; rebuild the plugin \
         with an rlplugin release that supports this rustledger version"
    );
    // A ledger nobody reads the bad field of is answered as decided.
    let output = view_plugin_output(bytes, |ledger: LedgerView<'_>| {
        let mut ops = ledger.ops();
        ops.delete(0).unwrap();
        ops
    });
    assert_eq!(output.ops, [PluginOp::Delete(0)]);
}

#[test]
fn a_second_decision_on_an_edited_directive_is_refused_as_modified() {
    let bytes = host_bytes(
        &[super::tests_support::transaction(
            "2024-01-02",
            "Coffee",
            &[],
        )],
        None,
    );
    view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
        let mut ops = ledger.ops();
        let coffee = ledger.get(0).unwrap();
        ops.edit(coffee.edit().push_tag("a")).unwrap();
        assert_eq!(
            ops.edit(coffee.edit().push_tag("b")).unwrap_err(),
            OpsError::AlreadyDecided {
                index: 0,
                previous: "modified"
            }
        );
        assert!(ops.delete(0).is_err());
        ops
    });
}

#[test]
fn an_edit_of_a_field_the_kind_lacks_is_refused() {
    let bytes = host_bytes(
        &[super::tests_support::price(
            "2024-01-02",
            "AAPL",
            "1",
            "USD",
        )],
        None,
    );
    view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
        let mut ops = ledger.ops();
        let error = ops
            .edit(ledger.get(0).unwrap().edit().set_narration("x"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "input directive 0 is a price, which has no `narration`; only transactions have \
             a narration, a payee and postings, and only transactions and documents have tags \
             and links"
        );
        ops
    });
}

#[test]
fn an_err_keeps_every_directive_and_reports_it() {
    let bytes = host_bytes(
        &[super::tests_support::price(
            "2024-01-02",
            "AAPL",
            "1",
            "USD",
        )],
        Some("x"),
    );
    let output = view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
        assert_eq!(ledger.config(), Some("x"));
        Err::<ViewOps, _>("bad config")
    });
    assert_eq!(output.ops, [PluginOp::Keep(0)]);
    assert_eq!(output.errors[0].message, "bad config");
}

#[test]
fn every_kind_round_trips_through_its_frame_code_and_name() {
    use crate::codec::lazy::kind_from_u8;
    let kinds = (0..=u8::MAX).filter_map(kind_from_u8).collect::<Vec<_>>();
    assert_eq!(kinds.len(), 12);
    for kind in kinds {
        assert_eq!(kind_from_u8(kind as u8), Some(kind));
        let bytes = host_bytes(&[], None);
        let _ = bytes;
        assert!(!kind.name().is_empty());
    }
}

/// Reads every field the view offers and edits every transaction: what a fuzzer would ask.
fn read_everything(ledger: LedgerView<'_>) -> ViewOps {
    let mut ops = ledger.ops();
    for d in ledger.directives() {
        let _ = (d.kind(), d.date(), d.filename(), d.lineno(), d.account());
        let _ = (d.currency(), d.amount(), d.flag(), d.payee(), d.narration());
        let _ = (d.tags().count(), d.links().count());
        for posting in d.postings() {
            let _ = (posting.account(), posting.units(), posting.flag());
            let _ = (posting.currencies(), posting.has_meta("k"));
        }
        let _ = d.to_owned();
        if d.kind() == Some(Kind::Transaction) {
            let _ = ops.edit(d.edit().push_tag("t").set_narration("n"));
        }
    }
    ops
}

proptest! {
    #[test]
    fn damaged_input_never_panics_and_answers_what_the_host_reads(
        directives in prop::collection::vec(support::arb_wrapper().prop_map(host_like), 0..4),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        long in any::<bool>(),
    ) {
        let config = long.then(long_config);
        let mut bytes = host_bytes(&directives, config.as_deref());
        // The directives' bytes, not the config's.
        let damageable = bytes.len() - config.map_or(0, |config| config.len());
        for (at, byte) in damage {
            let at = at.index(damageable);
            bytes[at] = byte;
        }
        for input in [&bytes[..], &bytes[..cut.index(bytes.len() + 1)]] {
            let answer = run_view_plugin(input, read_everything);
            let decoded: Result<rustledger_plugin_types::PluginOutput, _> =
                rmp_serde::from_slice(&answer);
            prop_assert!(decoded.is_ok(), "{:?}", decoded.err());
        }
    }
}

/// For each of `directives` as the host encodes them: where the frame's walk of the host's
/// layout finds it, where the general walk does, and where the frame finds it in an input
/// too short for the window (where it takes the general walk, or the reader's skip when
/// that gives up). The small form has only the general walk.
#[cfg(not(rlplugin_small))]
fn both_walks(directives: &[DirectiveWrapper]) -> Vec<(Option<Loc>, Option<Loc>, Loc)> {
    let bytes = host_bytes(directives, Some(&long_config()));
    let short = host_bytes(directives, None);
    let frame = lazy::frame(&bytes).unwrap();
    let without = lazy::frame(&short).unwrap();
    frame
        .directives
        .iter()
        .zip(&without.directives)
        .map(|(loc, without)| {
            // Only the host layout's walk tells an exact layout: the rest must agree.
            let host = lazy::locate_host(&bytes, loc.start, &mut Vec::new()).map(|loc| Loc {
                postings: lazy::NOT_EXACT,
                ..loc
            });
            (host, lazy::locate_general(&bytes, loc.start), *without)
        })
        .collect()
}

proptest! {
    #[test]
    #[cfg(not(rlplugin_small))]
    fn the_host_layout_walk_locates_what_the_general_walk_does(
        directives in prop::collection::vec(support::arb_wrapper(), 1..6),
    ) {
        for (host, general, without) in both_walks(&directives) {
            // The host layout's walk gives up on what it does not handle (a string longer
            // than 255 bytes), and then the general walk locates the directive; the general
            // walk gives up on a list longer than fifteen, and then the reader skips it.
            if let Some(host) = host {
                prop_assert_eq!((host.start, host.end()), (without.start, without.end()));
                if general.is_some() {
                    prop_assert_eq!(Some(host), general);
                }
            }
        }
    }
}

#[test]
#[cfg(not(rlplugin_small))]
fn the_host_layout_walk_reads_up_to_the_inputs_last_byte_and_never_past_it() {
    use super::tests_support::price;
    let bytes = host_bytes(&[price("2024-01-02", "AAPL", "190.5", "USD")], None);
    let start = lazy::frame(&bytes).unwrap().directives[0].start;
    let general = lazy::locate_general(&bytes, start).unwrap();
    // The window reads a fixed length past the directive's start: padded to exactly that
    // length the input holds the window, one byte shorter it does not.
    let window = lazy::WINDOW + lazy::REACH;
    let mut padded = bytes.clone();
    padded.resize(start + window, 0xc0);
    let host = lazy::locate_host(&padded, start, &mut Vec::new()).unwrap();
    assert_eq!(
        (host.start, host.end(), host.kind),
        (general.start, general.end(), general.kind)
    );
    assert_eq!(
        lazy::locate_host(&padded[..start + window - 1], start, &mut Vec::new()),
        None
    );
    assert_every_cut_is_reported(&bytes, start, general.end());
}

/// Asserts that `bytes` cut anywhere inside the directive at `start..end` holds no window
/// for the host layout's walk there, and that the frame reports the cut instead of locating
/// a directive.
#[cfg(not(rlplugin_small))]
fn assert_every_cut_is_reported(bytes: &[u8], start: usize, end: usize) {
    for cut in (start + 1..end).step_by(crate::codec::CUT_STRIDE) {
        assert_eq!(
            lazy::locate_host(&bytes[..cut], start, &mut Vec::new()),
            None,
            "cut at {cut}"
        );
        assert!(lazy::frame(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
#[cfg(not(rlplugin_small))]
fn the_common_kinds_take_the_host_layout_walk() {
    use super::tests_support::{open, price, transaction};
    let directives = [
        price("2024-01-02", "AAPL", "190.5", "USD"),
        transaction("2024-01-02", "Coffee", &["food"]),
        open("2024-01-01", "Assets:Cash"),
    ];
    let walks = both_walks(&directives);
    assert_eq!(walks.len(), 3);
    for (host, general, without) in walks {
        assert!(host.is_some());
        assert_eq!(host, general);
        // Within a window's length of the input's end, only the general walk reads.
        assert_eq!(Some(without), general);
    }
}

/// A transaction with metadata of every value shape, on itself and on a posting, and
/// postings with a cost of each number shape and a price with and without an amount.
#[cfg(not(rlplugin_small))]
fn richly_annotated_transaction() -> DirectiveWrapper {
    use rlplugin_types::{CostData, CostNumberData, MetaValueData, PriceAnnotationData};
    let mut txn = super::tests_support::transaction("2024-01-02", "Rebalance", &["trade"]);
    let DirectiveData::Transaction(data) = &mut txn.data else {
        unreachable!("a transaction")
    };
    let metadata = vec![
        (
            "note".to_owned(),
            MetaValueData::String("from the broker".to_owned()),
        ),
        (
            "amount".to_owned(),
            MetaValueData::Number("12.5".to_owned()),
        ),
        (
            "settled".to_owned(),
            MetaValueData::Date("2024-01-04".to_owned()),
        ),
        (
            "from".to_owned(),
            MetaValueData::Account("Assets:Cash".to_owned()),
        ),
        ("unit".to_owned(), MetaValueData::Currency("USD".to_owned())),
        ("tag".to_owned(), MetaValueData::Tag("t".to_owned())),
        ("link".to_owned(), MetaValueData::Link("l".to_owned())),
        (
            "fee".to_owned(),
            MetaValueData::Amount(AmountData::new("1.25", "USD")),
        ),
        ("checked".to_owned(), MetaValueData::Bool(true)),
        ("pending".to_owned(), MetaValueData::Bool(false)),
    ];
    data.metadata = metadata.clone();
    let template = data.postings[0].clone();
    let cost = |number| CostData {
        number,
        currency: Some("USD".to_owned()),
        date: Some("2024-01-02".to_owned()),
        label: Some("lot".to_owned()),
        merge: false,
    };
    let numbers = [
        None,
        Some(CostNumberData::PerUnit {
            value: "190.5".to_owned(),
        }),
        Some(CostNumberData::Total {
            value: "1905".to_owned(),
        }),
        Some(CostNumberData::Compound {
            per_unit: "190".to_owned(),
            total: "5".to_owned(),
        }),
        Some(CostNumberData::PerUnitFromTotal {
            per_unit: "190.5".to_owned(),
            total: "1905".to_owned(),
        }),
    ];
    let mut postings: Vec<_> = numbers
        .into_iter()
        .map(|number| PostingData {
            cost: Some(cost(number)),
            ..template.clone()
        })
        .collect();
    postings.push(PostingData {
        price: Some(PriceAnnotationData {
            is_total: true,
            amount: Some(AmountData::new("1.1", "USD")),
            number: None,
            currency: None,
        }),
        flag: Some("!".to_owned()),
        metadata,
        ..template.clone()
    });
    postings.push(PostingData {
        price: Some(PriceAnnotationData {
            is_total: false,
            amount: None,
            number: Some("1.1".to_owned()),
            currency: None,
        }),
        ..template
    });
    data.postings = postings;
    txn
}

#[test]
#[cfg(not(rlplugin_small))]
fn metadata_costs_and_prices_of_every_shape_take_the_host_layout_walk() {
    let txn = richly_annotated_transaction();
    assert_the_host_walk_locates(&txn);
}

#[test]
#[cfg(not(rlplugin_small))]
fn annotations_in_another_layout_are_located_as_the_general_walk_locates_them() {
    let txn = richly_annotated_transaction();
    let bytes = host_bytes(core::slice::from_ref(&txn), Some(&long_config()));
    let start = lazy::frame(&bytes).unwrap().directives[0].start;
    // Each edit keeps the input one well-formed value: a metadata value of three elements,
    // a metadata pair that is a map, a cost of six fields, a price whose flag is an integer.
    let edits: [(&[u8], &[u8]); 4] = [
        (
            b"\x92\xa6string\xaffrom the broker",
            b"\x93\xa6string\xaffrom the broker\xc0",
        ),
        (b"\x92\xa4note", b"\x81\xa4note"),
        (b"\x95\xc0", b"\x96\xc0\xc0"),
        (b"\x94\xc3", b"\x94\x01"),
    ];
    for (from, to) in edits {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| panic!("{from:x?} in the input"));
        let mut edited = bytes[..at].to_vec();
        edited.extend_from_slice(to);
        edited.extend_from_slice(&bytes[at + from.len()..]);
        let general = lazy::locate_general(&edited, start).unwrap();
        let host = lazy::locate_host(&edited, start, &mut Vec::new()).map(|loc| Loc {
            postings: lazy::NOT_EXACT,
            ..loc
        });
        assert_eq!(host, Some(general), "{to:x?}");
        let frame = lazy::frame(&edited).unwrap();
        assert_eq!(frame.directives[0].end(), general.end(), "{to:x?}");
    }
}

#[test]
#[cfg(not(rlplugin_small))]
fn an_annotated_transaction_cut_short_is_reported_not_located() {
    let bytes = host_bytes(&[richly_annotated_transaction()], None);
    let start = lazy::frame(&bytes).unwrap().directives[0].start;
    let end = lazy::locate_general(&bytes, start).unwrap().end();
    let window = lazy::WINDOW + lazy::REACH;
    for cut in (start + 1..end).step_by(crate::codec::CUT_STRIDE) {
        // Padded past the window with bytes that continue no value, the walk reads the cut
        // directive's bytes and then padding, and never locates it where the whole one ends.
        let mut padded = bytes[..cut].to_vec();
        padded.resize(start + window, 0xc1);
        let host = lazy::locate_host(&padded, start, &mut Vec::new());
        assert!(host.is_none_or(|loc| loc.end() != end), "cut at {cut}");
    }
    assert_every_cut_is_reported(&bytes, start, end);
}

#[test]
#[cfg(not(rlplugin_small))]
fn posting_spans_of_every_width_take_the_host_layout_walk() {
    use rlplugin_types::SourceSpan;
    // Offsets of one, two and four bytes, mixed widths, and file indices on either side of
    // a one-byte integer's range.
    let spans = [
        (1, 100, 0),
        (300, 400, 0),
        (70_000, 70_100, 0),
        (300, 70_000, 0),
        (1, 300, 0),
        (300, 400, 127),
        (300, 400, 128),
        (70_000, 70_100, 127),
        (70_000, 70_100, 300),
    ];
    let txn = transaction_with_postings("Spans", |template| {
        spans
            .into_iter()
            .map(|(start, end, file_id)| PostingData {
                span: Some(SourceSpan {
                    start,
                    end,
                    file_id,
                }),
                ..template.clone()
            })
            .collect()
    });
    let without = assert_the_host_walk_locates(&txn);
    let bytes = host_bytes(core::slice::from_ref(&txn), None);
    let start = lazy::frame(&bytes).unwrap().directives[0].start;
    assert_every_cut_is_reported(&bytes, start, without.end());
}

#[test]
#[cfg(not(rlplugin_small))]
fn posting_accounts_and_units_of_every_string_length_take_the_host_layout_walk() {
    // Each string at a fixstr's longest and a str8's shortest, and units left out.
    let (fix, long) = ("1".repeat(31), "2".repeat(32));
    let strings = [
        ("A", "1", "U"),
        (&*fix, &*fix, &*fix),
        (&*long, &*long, &*long),
    ];
    let txn = transaction_with_postings("Lengths", |template| {
        let mut postings: Vec<_> = strings
            .iter()
            .flat_map(|&(account, number, currency)| {
                [
                    (account, number, "U"),
                    ("A", number, currency),
                    (account, "1", currency),
                ]
            })
            .map(|(account, number, currency)| PostingData {
                account: account.to_owned(),
                units: Some(AmountData::new(number, currency)),
                ..template.clone()
            })
            .collect();
        postings.push(PostingData {
            units: None,
            ..template
        });
        postings
    });
    assert_the_host_walk_locates(&txn);
}

#[test]
#[cfg(not(rlplugin_small))]
fn a_transaction_of_more_postings_than_a_short_array_holds_is_read_from_the_frames_notes() {
    let many = split_in_twenty(&[]);
    let DirectiveData::Transaction(txn) = &many.data else {
        unreachable!("a transaction")
    };
    let expected: Vec<String> = txn.postings.iter().map(|p| p.account.clone()).collect();
    let [(host, _, without)] = both_walks(core::slice::from_ref(&many))[..] else {
        panic!("one directive")
    };
    let host = host.unwrap();
    assert_eq!((host.start, host.end()), (without.start, without.end()));
    let bytes = host_bytes(core::slice::from_ref(&many), Some(&long_config()));
    let output = view_plugin_output(&bytes, |ledger: LedgerView<'_>| {
        let accounts: Vec<&str> = ledger
            .get(0)
            .unwrap()
            .postings()
            .map(|p| p.account())
            .collect();
        assert_eq!(accounts, expected);
        ledger.ops()
    });
    assert!(output.errors.is_empty(), "{:?}", output.errors);
}

#[test]
fn an_answer_of_edits_alone_is_the_drop_in_apis_in_any_order() {
    use super::tests_support::{price, transaction};
    let directives = [
        transaction("2024-01-02", "Coffee", &["food"]),
        price("2024-01-02", "AAPL", "190.5", "USD"),
        transaction("2024-01-03", "Lunch", &[]),
        transaction("2024-01-04", "Dinner", &[]),
    ];
    let tag = || Change::Edit {
        tags: vec!["reviewed".into()],
        links: vec![],
        narration: None,
        payee: None,
        accounts: vec![],
    };
    let changes = [tag(), Change::Undecided, tag(), tag()];
    for config in [None, Some(long_config())] {
        let bytes = host_bytes(&directives, config.as_deref());
        for how in How::all() {
            let (drop_in, view) = answers_made(&bytes, &changes, how);
            assert_eq!(drop_in, view, "{how:?}");
        }
    }
}

proptest! {
    #[test]
    fn an_amounts_number_reads_as_str_parse_reads_it(
        number in prop_oneof![
            r"[+-]?[0-9]{0,17}(\.[0-9]{0,24})?",
            r"[+-]?[0-9.eE+-]{0,8}",
            any::<f64>().prop_map(|value| value.to_string()),
        ],
    ) {
        let amount = super::Amount { number: &number, currency: "USD" };
        let parsed = number.parse::<f64>().ok();
        prop_assert_eq!(
            amount.number_f64().map(f64::to_bits),
            parsed.map(f64::to_bits),
            "{}",
            number
        );
    }
}

/// Each posting's currencies as the decoded directive holds them: the units', the cost's,
/// and the price's amount's, else its own.
fn decoded_currencies(directive: &DirectiveWrapper) -> Vec<super::PostingCurrencies<'_>> {
    let DirectiveData::Transaction(txn) = &directive.data else {
        return Vec::new();
    };
    txn.postings
        .iter()
        .map(|posting| super::PostingCurrencies {
            units: posting.units.as_ref().map(|units| units.currency.as_str()),
            cost: posting
                .cost
                .as_ref()
                .and_then(|cost| cost.currency.as_deref()),
            price: posting.price.as_ref().and_then(|price| {
                price
                    .amount
                    .as_ref()
                    .map_or(price.currency.as_deref(), |amount| {
                        Some(amount.currency.as_str())
                    })
            }),
        })
        .collect()
}

proptest! {
    #[test]
    fn a_postings_currencies_read_in_one_pass_are_the_three_accessors_and_the_decoded_ones(
        directives in prop::collection::vec(support::arb_wrapper(), 1..4),
        plain in any::<bool>(),
        long in any::<bool>(),
    ) {
        // Half the cases in the host's usual shape, mostly without costs or prices.
        let directives: Vec<DirectiveWrapper> = if plain {
            directives.into_iter().map(host_like).collect()
        } else {
            directives
        };
        let config = long.then(long_config);
        let bytes = host_bytes(&directives, config.as_deref());
        let expected: Vec<_> = directives.iter().map(decoded_currencies).collect();
        run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
            for (directive, expected) in ledger.directives().zip(&expected) {
                let postings: Vec<_> = directive.postings().collect();
                let read: Vec<_> = postings.iter().map(super::PostingView::currencies).collect();
                let each: Vec<_> = postings
                    .iter()
                    .map(|posting| super::PostingCurrencies {
                        units: posting.units().map(|units| units.currency),
                        cost: posting.cost_currency(),
                        price: posting.price_currency(),
                    })
                    .collect();
                assert_eq!(&read, expected);
                assert_eq!(read, each);
            }
            ledger.ops()
        });
    }
}

proptest! {
    #[test]
    fn a_postings_account_compared_in_place_is_the_account_read_and_compared(
        directives in prop::collection::vec(support::arb_wrapper(), 1..4),
        long in any::<bool>(),
        other in "[A-Za-z:]{0,30}",
    ) {
        let bytes = host_bytes(&directives, long.then(long_config).as_deref());
        run_view_plugin(&bytes, |ledger: LedgerView<'_>| {
            for directive in ledger.directives() {
                for posting in directive.postings() {
                    let account = posting.account();
                    // Itself, the same length changed in its last byte, a prefix, another.
                    let mut changed = account.to_owned();
                    if let Some(last) = changed.pop() {
                        changed.push(if last == 'x' { 'y' } else { 'x' });
                    }
                    let prefix: String = account.chars().take(account.chars().count() / 2).collect();
                    for candidate in [account, &changed, &prefix, &other, ""] {
                        assert_eq!(
                            posting.account_is(candidate),
                            account == candidate,
                            "{account:?} against {candidate:?}"
                        );
                    }
                }
            }
            ledger.ops()
        });
    }
}
