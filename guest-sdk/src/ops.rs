//! [`Ops`]: build a plugin's answer without breaking the ops protocol.

use core::fmt;

use rlplugin_types::{DirectiveWrapper, PluginError, PluginOp, PluginOutput};

/// A decision on one input directive.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Undecided,
    Keep,
    // Boxed so the per-input table stays small: most inputs are never modified.
    Modify(Box<DirectiveWrapper>),
    Delete,
}

impl Decision {
    const fn name(&self) -> &'static str {
        match self {
            Self::Undecided => "undecided",
            Self::Keep => "kept",
            Self::Modify(_) => "modified",
            Self::Delete => "deleted",
        }
    }
}

/// Where an inserted directive goes, relative to the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Before(usize),
    After(usize),
}

impl Place {
    /// Output order: everything around input 0, then around input 1, …; befores first.
    const fn order(self) -> (usize, bool) {
        match self {
            Self::Before(index) => (index, false),
            Self::After(index) => (index, true),
        }
    }
}

/// A plugin's answer under construction, which cannot break the ops protocol.
///
/// The host accepts a plugin's ops only if every input index appears exactly once in a
/// `Keep`, `Modify` or `Delete`; a single slip discards all of them. `Ops` records at most
/// one decision per index (a second one is an [`OpsError`]), keeps every index nobody
/// decided on, and places inserted directives before or after any input or at the end.
/// [`Ops::finish`] lists everything in input order, so its output always passes
/// [`validate_op_coverage`](crate::validate_op_coverage).
///
/// ```
/// use rlplugin::{DirectiveData, Ops, PluginInput, PluginOutput};
///
/// fn process(input: PluginInput) -> Result<PluginOutput, rlplugin::OpsError> {
///     let mut ops = Ops::new(input.directives.len());
///     for (index, mut directive) in input.directives.into_iter().enumerate() {
///         if let DirectiveData::Transaction(txn) = &mut directive.data {
///             txn.tags.push("reviewed".to_owned());
///             ops.modify(index, directive)?;
///         }
///     }
///     Ok(ops.finish())
/// }
/// # let input = PluginInput { directives: vec![], options: Default::default(), config: None };
/// # assert!(process(input).unwrap().ops.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ops {
    decisions: Vec<Decision>,
    inserts: Vec<(Place, DirectiveWrapper)>,
    appended: Vec<DirectiveWrapper>,
    errors: Vec<PluginError>,
}

/// A protocol violation [`Ops`] refused to record.
///
/// ```
/// let mut ops = rlplugin::Ops::new(1);
/// let error = ops.keep(4).unwrap_err();
/// assert_eq!(error, rlplugin::OpsError::OutOfBounds { index: 4, len: 1 });
/// assert_eq!(error.to_string(), "input index 4 is out of bounds (input has 1 directives)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpsError {
    /// The index is not an input position.
    OutOfBounds {
        /// The index given.
        index: usize,
        /// How many directives the input has.
        len: usize,
    },
    /// The index already has a decision.
    AlreadyDecided {
        /// The index given.
        index: usize,
        /// `"kept"`, `"modified"` or `"deleted"`.
        previous: &'static str,
    },
    /// An [edit](crate::view::Edit) changes a field the directive's kind does not have.
    NoSuchField {
        /// The index of the directive.
        index: usize,
        /// Its kind's name (`"price"`).
        kind: &'static str,
        /// The field (`"narration"`).
        field: &'static str,
    },
    /// An [edit](crate::view::Edit) changes a posting the transaction does not have.
    NoSuchPosting {
        /// The index of the directive.
        index: usize,
        /// The posting's position the edit names.
        posting: usize,
        /// How many postings the transaction has.
        postings: usize,
    },
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfBounds { index, len } => write!(
                f,
                "input index {index} is out of bounds (input has {len} directives)"
            ),
            Self::AlreadyDecided { index, previous } => write!(
                f,
                "input directive {index} was already {previous}; each input directive can be \
                 kept, modified or deleted only once"
            ),
            Self::NoSuchField { index, kind, field } => write!(
                f,
                "input directive {index} is a {kind}, which has no `{field}`; only transactions \
                 have a narration, a payee and postings, and only transactions and documents \
                 have tags and links"
            ),
            Self::NoSuchPosting {
                index,
                posting,
                postings,
            } => write!(
                f,
                "input directive {index} has {postings} postings, so it has no posting \
                 {posting}; postings are counted from 0 in the order `postings()` yields them"
            ),
        }
    }
}

impl std::error::Error for OpsError {}

impl Ops {
    /// Ops for an input of `len` directives, all undecided (kept unless decided otherwise).
    ///
    /// ```
    /// use rlplugin::{Ops, PluginOp};
    /// assert_eq!(Ops::new(2).finish().ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
    /// ```
    #[must_use]
    pub fn new(len: usize) -> Self {
        Self {
            decisions: vec![Decision::Undecided; len],
            inserts: Vec::new(),
            appended: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// How many input directives there are.
    ///
    /// ```
    /// assert_eq!(rlplugin::Ops::new(3).len(), 3);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.decisions.len()
    }

    /// Whether the input is empty.
    ///
    /// ```
    /// assert!(rlplugin::Ops::new(0).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }

    fn decide(&mut self, index: usize, decision: Decision) -> Result<(), OpsError> {
        let len = self.decisions.len();
        let slot = self
            .decisions
            .get_mut(index)
            .ok_or(OpsError::OutOfBounds { index, len })?;
        if *slot != Decision::Undecided {
            return Err(OpsError::AlreadyDecided {
                index,
                previous: slot.name(),
            });
        }
        *slot = decision;
        Ok(())
    }

    /// Keeps input directive `index` exactly as the host has it. Undecided directives are
    /// kept anyway; this only makes the decision final.
    ///
    /// ```
    /// let mut ops = rlplugin::Ops::new(1);
    /// ops.keep(0).unwrap();
    /// assert!(ops.delete(0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn keep(&mut self, index: usize) -> Result<(), OpsError> {
        self.decide(index, Decision::Keep)
    }

    /// Replaces input directive `index` with `directive`.
    ///
    /// ```
    /// # use rlplugin::*;
    /// # let directive = DirectiveWrapper { directive_type: String::new(), date: "2024-01-01".into(),
    /// #     filename: None, lineno: None,
    /// #     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }) };
    /// let mut ops = Ops::new(1);
    /// ops.modify(0, directive.clone()).unwrap();
    /// assert_eq!(
    ///     ops.modify(0, directive).unwrap_err().to_string(),
    ///     "input directive 0 was already modified; each input directive can be kept, modified or deleted only once",
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn modify(&mut self, index: usize, directive: DirectiveWrapper) -> Result<(), OpsError> {
        self.decide(index, Decision::Modify(Box::new(directive)))
    }

    /// Removes input directive `index`.
    ///
    /// ```
    /// let mut ops = rlplugin::Ops::new(2);
    /// ops.delete(1).unwrap();
    /// assert_eq!(ops.finish().ops, [rlplugin::PluginOp::Keep(0), rlplugin::PluginOp::Delete(1)]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpsError`] if `index` is out of bounds or already decided.
    pub fn delete(&mut self, index: usize) -> Result<(), OpsError> {
        self.decide(index, Decision::Delete)
    }

    fn insert(
        &mut self,
        place: Place,
        index: usize,
        directive: DirectiveWrapper,
    ) -> Result<(), OpsError> {
        let len = self.decisions.len();
        if index >= len {
            return Err(OpsError::OutOfBounds { index, len });
        }
        self.inserts.push((place, directive));
        Ok(())
    }

    /// Inserts `directive` just before input directive `index` (after earlier inserts there).
    ///
    /// ```
    /// # use rlplugin::*;
    /// # let new = DirectiveWrapper { directive_type: String::new(), date: "2024-01-01".into(),
    /// #     filename: None, lineno: None,
    /// #     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }) };
    /// let mut ops = Ops::new(1);
    /// ops.insert_before(0, new.clone()).unwrap();
    /// assert_eq!(ops.finish().ops, [PluginOp::Insert(new), PluginOp::Keep(0)]);
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
        self.insert(Place::Before(index), index, directive)
    }

    /// Inserts `directive` just after input directive `index` (after earlier inserts there).
    ///
    /// ```
    /// # use rlplugin::*;
    /// # let new = DirectiveWrapper { directive_type: String::new(), date: "2024-01-01".into(),
    /// #     filename: None, lineno: None,
    /// #     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }) };
    /// let mut ops = Ops::new(2);
    /// ops.insert_after(0, new.clone()).unwrap();
    /// assert_eq!(ops.finish().ops, [PluginOp::Keep(0), PluginOp::Insert(new), PluginOp::Keep(1)]);
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
        self.insert(Place::After(index), index, directive)
    }

    /// Appends `directive` after everything else. Never fails: the host re-sorts the final
    /// ledger by date anyway.
    ///
    /// ```
    /// # use rlplugin::*;
    /// # let new = DirectiveWrapper { directive_type: String::new(), date: "2024-01-01".into(),
    /// #     filename: None, lineno: None,
    /// #     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }) };
    /// let mut ops = Ops::new(0);
    /// ops.push(new.clone());
    /// assert_eq!(ops.finish().ops, [PluginOp::Insert(new)]);
    /// ```
    pub fn push(&mut self, directive: DirectiveWrapper) {
        self.appended.push(directive);
    }

    /// Adds a diagnostic to the output.
    ///
    /// ```
    /// let mut ops = rlplugin::Ops::new(0);
    /// ops.error(rlplugin::PluginError::warning("nothing to do"));
    /// assert_eq!(ops.finish().errors.len(), 1);
    /// ```
    pub fn error(&mut self, error: PluginError) {
        self.errors.push(error);
    }

    /// The finished output: for each input index in order, its inserts-before, its op
    /// (`Keep` if undecided) and its inserts-after; then the appended directives. It always
    /// passes [`validate_op_coverage`](crate::validate_op_coverage).
    ///
    /// ```
    /// let mut ops = rlplugin::Ops::new(3);
    /// ops.delete(1).unwrap();
    /// let output = ops.finish();
    /// assert!(rlplugin::validate_op_coverage(3, &output.ops).is_ok());
    /// ```
    #[must_use]
    pub fn finish(self) -> PluginOutput {
        let Self {
            decisions,
            mut inserts,
            appended,
            errors,
        } = self;
        // Stable, so inserts at the same place stay in call order.
        inserts.sort_by_key(|(place, _)| place.order());
        let mut inserts = inserts.into_iter().peekable();
        let mut ops = Vec::with_capacity(decisions.len() + inserts.len() + appended.len());
        // Runs of kept inputs are written the way `PluginOutput::passthrough` writes them:
        // pushing each `Keep` through the general path below builds a whole `PluginOp` (the
        // size of a directive) and copies it, which costs hundreds of fuel per input.
        let input_len = decisions.len();
        let mut kept_from = 0;
        for (index, decision) in decisions.into_iter().enumerate() {
            let has_inserts = inserts
                .peek()
                .is_some_and(|(place, _)| place.order().0 == index);
            if matches!(decision, Decision::Undecided | Decision::Keep) && !has_inserts {
                continue;
            }
            ops.extend((kept_from..index).map(PluginOp::Keep));
            kept_from = index + 1;
            while let Some((_, directive)) =
                inserts.next_if(|(place, _)| *place == Place::Before(index))
            {
                ops.push(PluginOp::Insert(directive));
            }
            ops.push(match decision {
                Decision::Undecided | Decision::Keep => PluginOp::Keep(index),
                Decision::Modify(directive) => PluginOp::Modify(index, *directive),
                Decision::Delete => PluginOp::Delete(index),
            });
            while let Some((_, directive)) =
                inserts.next_if(|(place, _)| *place == Place::After(index))
            {
                ops.push(PluginOp::Insert(directive));
            }
        }
        ops.extend((kept_from..input_len).map(PluginOp::Keep));
        ops.extend(appended.into_iter().map(PluginOp::Insert));
        PluginOutput { ops, errors }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use rlplugin_types::{CommodityData, DirectiveData, validate_op_coverage};

    /// A directive told apart from others by its currency.
    pub(crate) fn commodity(currency: &str) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: "2024-01-01".into(),
            filename: None,
            lineno: None,
            data: DirectiveData::Commodity(CommodityData {
                currency: currency.into(),
                metadata: vec![],
            }),
        }
    }

    #[test]
    fn inserts_land_in_place_and_undecided_inputs_are_kept() {
        let mut ops = Ops::new(3);
        ops.push(commodity("END"));
        ops.insert_after(1, commodity("A1")).unwrap();
        ops.insert_before(1, commodity("B1")).unwrap();
        ops.insert_before(1, commodity("B1b")).unwrap();
        ops.delete(2).unwrap();
        ops.modify(0, commodity("M0")).unwrap();
        let out = ops.finish();
        assert_eq!(
            out.ops,
            [
                PluginOp::Modify(0, commodity("M0")),
                PluginOp::Insert(commodity("B1")),
                PluginOp::Insert(commodity("B1b")),
                PluginOp::Keep(1),
                PluginOp::Insert(commodity("A1")),
                PluginOp::Delete(2),
                PluginOp::Insert(commodity("END")),
            ]
        );
    }

    #[test]
    fn second_decision_and_bad_index_are_refused_and_change_nothing() {
        let mut ops = Ops::new(2);
        ops.delete(1).unwrap();
        assert_eq!(
            ops.keep(1),
            Err(OpsError::AlreadyDecided {
                index: 1,
                previous: "deleted"
            })
        );
        assert_eq!(
            ops.modify(2, commodity("X")),
            Err(OpsError::OutOfBounds { index: 2, len: 2 })
        );
        assert_eq!(
            ops.insert_after(5, commodity("X")).unwrap_err().to_string(),
            "input index 5 is out of bounds (input has 2 directives)"
        );
        assert_eq!(ops.finish().ops, [PluginOp::Keep(0), PluginOp::Delete(1)]);
    }

    /// One call a plugin makes on its decisions, for proptests of any recorder of them.
    #[derive(Debug, Clone)]
    pub(crate) enum Call {
        Keep(usize),
        Modify(usize),
        Delete(usize),
        Before(usize),
        After(usize),
        Push,
    }

    pub(crate) fn call() -> impl Strategy<Value = Call> {
        prop_oneof![
            (0..12usize).prop_map(Call::Keep),
            (0..12usize).prop_map(Call::Modify),
            (0..12usize).prop_map(Call::Delete),
            (0..12usize).prop_map(Call::Before),
            (0..12usize).prop_map(Call::After),
            Just(Call::Push),
        ]
    }

    proptest! {
        #[test]
        fn finish_always_passes_the_hosts_coverage_check(
            len in 0..10usize,
            calls in proptest::collection::vec(call(), 0..40),
        ) {
            let mut ops = Ops::new(len);
            let mut accepted_inserts = 0;
            for call in calls {
                // Refused calls are part of the property: they must leave `ops` valid.
                match call {
                    Call::Keep(i) => drop(ops.keep(i)),
                    Call::Modify(i) => drop(ops.modify(i, commodity("M"))),
                    Call::Delete(i) => drop(ops.delete(i)),
                    Call::Before(i) => {
                        accepted_inserts += usize::from(ops.insert_before(i, commodity("I")).is_ok());
                    }
                    Call::After(i) => {
                        accepted_inserts += usize::from(ops.insert_after(i, commodity("I")).is_ok());
                    }
                    Call::Push => {
                        ops.push(commodity("I"));
                        accepted_inserts += 1;
                    }
                }
            }
            let out = ops.finish();
            prop_assert!(validate_op_coverage(len, &out.ops).is_ok());
            let indices: Vec<usize> = out.ops.iter().filter_map(PluginOp::input_index).collect();
            prop_assert_eq!(indices, (0..len).collect::<Vec<_>>());
            let inserts = out.ops.iter().filter(|op| matches!(op, PluginOp::Insert(_))).count();
            prop_assert_eq!(inserts, accepted_inserts);
        }
    }
}
