//! [`Decisions`]: a view plugin's decisions other than edits, recorded as they are made and
//! answered by what they change, never by a list of every input.

use rlplugin_types::{DirectiveWrapper, PluginError, PluginOp, PluginOutput};

use super::Errors;
use crate::codec::lazy::{self, At};
use crate::ops::OpsError;
use crate::validate::{
    check_plugin_output, insert_rejected, modification_rejected, validate_directive,
};

/// One decision on one input directive.
#[derive(Debug, Clone, PartialEq)]
enum Decided {
    Keep,
    Delete,
    // Boxed so a list of keeps and deletes stays small.
    Modify(Box<DirectiveWrapper>),
}

/// An input nobody decided on, in [`Decisions`]' table.
const UNDECIDED: u8 = 0;

impl Decided {
    /// The decision in [`Decisions`]' table.
    const fn code(&self) -> u8 {
        match self {
            Self::Keep => 1,
            Self::Delete => 2,
            Self::Modify(_) => 3,
        }
    }
}

/// The decision a table code stands for, as [`OpsError::AlreadyDecided`] names it.
const fn decided_name(code: u8) -> &'static str {
    match code {
        1 => "kept",
        2 => "deleted",
        _ => "modified",
    }
}

/// Where an op stands in the answer, as a sort key: an input's inserts-before, then its own
/// op, then its inserts-after; the appended directives after every input's.
const fn place(index: usize, rank: u64) -> u64 {
    (index as u64) << 2 | rank
}
const BEFORE: u64 = 0;
const OWN: u64 = 1;
const AFTER: u64 = 2;

/// The decisions of [`Ops`](crate::Ops) (each input kept, modified or deleted at most once,
/// inserts anywhere, undecided inputs kept), held as the list of decisions made: a plugin
/// that deletes a few directives of many pays for those few, in its calls and in its
/// answer, where a table of every input's op costs a step per input twice over.
#[derive(Debug, Clone)]
pub(super) struct Decisions {
    len: usize,
    /// Each decision with its input, in call order.
    decided: Vec<(usize, Decided)>,
    /// One past the highest input decided so far. Decisions usually come in input order,
    /// and one above every earlier one cannot be a second decision.
    above: usize,
    /// Every input's decision ([`Decided::code`]), built at the first decision below
    /// [`above`](Self::above), from which on looking through `decided` would cost a pass
    /// per decision. Empty until then.
    table: Vec<u8>,
    /// The inserted directives in call order, each with its [`place`].
    inserts: Vec<(u64, DirectiveWrapper)>,
}

impl Decisions {
    /// No decision yet on any of `len` inputs.
    pub(super) const fn new(len: usize) -> Self {
        Self {
            len,
            decided: Vec::new(),
            above: 0,
            table: Vec::new(),
            inserts: Vec::new(),
        }
    }

    fn decide(&mut self, index: usize, decision: Decided) -> Result<(), OpsError> {
        let len = self.len;
        if index >= len {
            return Err(OpsError::OutOfBounds { index, len });
        }
        if index < self.above && self.table.is_empty() {
            self.table = vec![UNDECIDED; len];
            for (decided, earlier) in &self.decided {
                if let Some(slot) = self.table.get_mut(*decided) {
                    *slot = earlier.code();
                }
            }
        }
        if let Some(slot) = self.table.get_mut(index) {
            if *slot != UNDECIDED {
                return Err(OpsError::AlreadyDecided {
                    index,
                    previous: decided_name(*slot),
                });
            }
            *slot = decision.code();
        }
        self.above = self.above.max(index + 1);
        self.decided.push((index, decision));
        Ok(())
    }

    /// As [`Ops::keep`](crate::Ops::keep).
    pub(super) fn keep(&mut self, index: usize) -> Result<(), OpsError> {
        self.decide(index, Decided::Keep)
    }

    /// As [`Ops::delete`](crate::Ops::delete).
    pub(super) fn delete(&mut self, index: usize) -> Result<(), OpsError> {
        self.decide(index, Decided::Delete)
    }

    /// As [`Ops::modify`](crate::Ops::modify).
    pub(super) fn modify(
        &mut self,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        self.decide(index, Decided::Modify(Box::new(directive)))
    }

    fn insert(
        &mut self,
        index: usize,
        rank: u64,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        let len = self.len;
        if index >= len {
            return Err(OpsError::OutOfBounds { index, len });
        }
        self.inserts.push((place(index, rank), directive));
        Ok(())
    }

    /// As [`Ops::insert_before`](crate::Ops::insert_before).
    pub(super) fn insert_before(
        &mut self,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        self.insert(index, BEFORE, directive)
    }

    /// As [`Ops::insert_after`](crate::Ops::insert_after).
    pub(super) fn insert_after(
        &mut self,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        self.insert(index, AFTER, directive)
    }

    /// As [`Ops::push`](crate::Ops::push).
    pub(super) fn push(&mut self, directive: DirectiveWrapper) {
        self.inserts.push((place(self.len, BEFORE), directive));
    }

    /// The ops other than keeps, with `edits` (input index and range in `edited`, by index,
    /// each index once, none decided here), in output order: what the answer writes besides
    /// the runs of kept inputs between them. Stable, so inserts at one place stay in call
    /// order.
    fn in_order<'a>(
        &'a self,
        edits: &[(usize, usize, usize)],
        edited: &'a [u8],
    ) -> Vec<(u64, lazy::Op<'a>)> {
        let mut ops = Vec::with_capacity(self.decided.len() + edits.len() + self.inserts.len());
        for (index, decision) in &self.decided {
            let op = match decision {
                Decided::Keep => continue,
                Decided::Delete => lazy::Op::Delete(*index),
                Decided::Modify(directive) => lazy::Op::Modify(*index, directive),
            };
            ops.push((place(*index, OWN), op));
        }
        for &(index, from, to) in edits {
            let bytes = edited.get(from..to).unwrap_or_default();
            ops.push((place(index, OWN), lazy::Op::Edited(index, bytes)));
        }
        for (place, directive) in &self.inserts {
            // After the inputs up to its own, and after this one too when it goes after it.
            let after = (place >> 2) as usize + usize::from(place & 3 == AFTER);
            ops.push((*place, lazy::Op::Insert(after, directive)));
        }
        // Decisions and edits usually come in input order, and each list is then one run.
        ops.sort_by_key(|&(place, _)| place);
        ops
    }

    /// The answer's ops other than keeps, in output order ([`in_order`](Self::in_order)),
    /// without the modifications and inserts the host would reject, each of those reported
    /// in `errors` as [`check_plugin_output`] reports it. Edited inputs are written by the
    /// SDK and are not checked.
    pub(super) fn changes<'a>(
        &'a self,
        edits: &[(usize, usize, usize)],
        edited: &'a [u8],
        errors: &mut Vec<PluginError>,
    ) -> Vec<lazy::Op<'a>> {
        let mut changes = Vec::with_capacity(self.decided.len() + edits.len() + self.inserts.len());
        for (_, op) in self.in_order(edits, edited) {
            let rejected = match op {
                lazy::Op::Modify(_, directive) => validate_directive(directive)
                    .err()
                    .map(|invalid| modification_rejected(directive, &invalid)),
                lazy::Op::Insert(_, directive) => validate_directive(directive)
                    .err()
                    .map(|invalid| insert_rejected(directive, &invalid)),
                lazy::Op::Delete(_) | lazy::Op::Edited(..) => None,
            };
            match rejected {
                // A rejected modification leaves its input kept, as no op at all here.
                Some(error) => errors.push(error),
                None => changes.push(op),
            }
        }
        changes
    }

    /// The answer as the drop-in API has it: every op listed, each edited directive decoded
    /// into a `Modify`, checked by [`check_plugin_output`].
    pub(super) fn output(
        &self,
        edits: &[(usize, usize, usize)],
        edited: &[u8],
        errors: Vec<PluginError>,
    ) -> PluginOutput {
        let mut ops = Vec::with_capacity(self.len + self.inserts.len());
        let mut kept_from = 0;
        let sink = Errors::default();
        for (_, op) in self.in_order(edits, edited) {
            let (before, op) = match op {
                lazy::Op::Delete(index) => (index, PluginOp::Delete(index)),
                lazy::Op::Modify(index, directive) => {
                    (index, PluginOp::Modify(index, directive.clone()))
                }
                lazy::Op::Edited(index, bytes) => {
                    let directive = lazy::decode_directive(At::new(bytes, 0, &sink))
                        .unwrap_or_else(|_| lazy::placeholder());
                    (index, PluginOp::Modify(index, directive))
                }
                lazy::Op::Insert(after, directive) => (after, PluginOp::Insert(directive.clone())),
            };
            ops.extend((kept_from..before).map(PluginOp::Keep));
            kept_from = kept_from.max(before + usize::from(!matches!(op, PluginOp::Insert(_))));
            ops.push(op);
        }
        ops.extend((kept_from..self.len).map(PluginOp::Keep));
        let mut output = PluginOutput { ops, errors };
        check_plugin_output(&mut output);
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ops;
    use crate::ops::tests::{Call, call, commodity};
    use proptest::prelude::*;

    proptest! {
        /// Each call is accepted or refused as `Ops` accepts or refuses it, in input order
        /// or not, and the answer lists what `Ops` lists.
        #[test]
        fn decisions_are_recorded_and_refused_as_ops_records_and_refuses_them(
            len in 0..10usize,
            calls in proptest::collection::vec(call(), 0..40),
        ) {
            let mut ops = Ops::new(len);
            let mut decisions = Decisions::new(len);
            for (n, call) in calls.into_iter().enumerate() {
                // Inserted and modified directives told apart by the call that made them.
                let directive = commodity(&format!("C{n}"));
                let (expected, got) = match call {
                    Call::Keep(i) => (ops.keep(i), decisions.keep(i)),
                    Call::Modify(i) => (
                        ops.modify(i, directive.clone()),
                        decisions.modify(i, directive),
                    ),
                    Call::Delete(i) => (ops.delete(i), decisions.delete(i)),
                    Call::Before(i) => (
                        ops.insert_before(i, directive.clone()),
                        decisions.insert_before(i, directive),
                    ),
                    Call::After(i) => (
                        ops.insert_after(i, directive.clone()),
                        decisions.insert_after(i, directive),
                    ),
                    Call::Push => {
                        ops.push(directive.clone());
                        decisions.push(directive);
                        (Ok(()), Ok(()))
                    }
                };
                prop_assert_eq!(got, expected);
            }
            prop_assert_eq!(decisions.output(&[], &[], Vec::new()), ops.finish());
        }
    }

    /// A rejected modification keeps its input and a rejected insert is left out, each
    /// reported after the plugin's own errors, in output order.
    #[test]
    fn rejected_changes_are_left_out_and_reported_in_output_order() {
        let mut bad = commodity("EUR");
        bad.date = "2024-02-30".into();
        let mut decisions = Decisions::new(3);
        decisions.push(bad.clone());
        decisions.modify(2, bad.clone()).unwrap();
        decisions.insert_before(1, bad).unwrap();
        decisions.delete(0).unwrap();
        let mut errors = vec![PluginError::warning("mine")];
        let changes = decisions.changes(&[], &[], &mut errors);
        assert!(matches!(changes[..], [lazy::Op::Delete(0)]));
        let leads: Vec<_> = errors
            .iter()
            .map(|e| e.message.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            leads,
            [
                "mine",
                "invalid inserted",
                "invalid modification",
                "invalid inserted"
            ]
        );
    }
}
