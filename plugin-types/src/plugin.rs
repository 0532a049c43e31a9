//! Messages of a directive plugin's `process` call.

use serde::{Deserialize, Serialize};

use crate::DirectiveWrapper;

/// What the host passes to `process`: the current directives, the ledger's options and the
/// plugin's config string.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInput {
    /// The directives, in pipeline order; op indices refer to positions in this list.
    pub directives: Vec<DirectiveWrapper>,
    /// Options read from the ledger.
    pub options: PluginOptions,
    /// The second string of the `plugin "x.wasm" "config"` line, or `None` without one.
    pub config: Option<String>,
}

/// Ledger options a plugin may need.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginOptions {
    /// Every `option "operating_currency"` value, in order.
    pub operating_currencies: Vec<String>,
    /// `option "title"`, if set.
    pub title: Option<String>,
    /// The root names of the five account types. Defaulted so input from hosts older than
    /// rustledger 0.22, which do not send it, still decodes.
    #[serde(default)]
    pub account_types: PluginAccountTypes,
}

/// Root account names, as configured by `option "name_assets"` and its siblings.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginAccountTypes {
    /// Root of asset accounts, `Assets` by default.
    pub assets: String,
    /// Root of liability accounts, `Liabilities` by default.
    pub liabilities: String,
    /// Root of equity accounts, `Equity` by default.
    pub equity: String,
    /// Root of income accounts, `Income` by default.
    pub income: String,
    /// Root of expense accounts, `Expenses` by default.
    pub expenses: String,
}

impl Default for PluginAccountTypes {
    fn default() -> Self {
        Self {
            assets: "Assets".to_owned(),
            liabilities: "Liabilities".to_owned(),
            equity: "Equity".to_owned(),
            income: "Income".to_owned(),
            expenses: "Expenses".to_owned(),
        }
    }
}

impl PluginAccountTypes {
    /// Whether `account`'s first component is the expenses root.
    ///
    /// ```
    /// # use rlplugin_types::PluginAccountTypes;
    /// let types = PluginAccountTypes::default();
    /// assert!(types.is_expense("Expenses:Food"));
    /// assert!(!types.is_expense("ExpensesX:Food"));
    /// ```
    #[must_use]
    pub fn is_expense(&self, account: &str) -> bool {
        has_root(account, &self.expenses)
    }

    /// Whether `account`'s first component is the income root.
    #[must_use]
    pub fn is_income(&self, account: &str) -> bool {
        has_root(account, &self.income)
    }

    /// Whether `account` is an asset, liability or equity account.
    #[must_use]
    pub fn is_balance_sheet(&self, account: &str) -> bool {
        has_root(account, &self.assets)
            || has_root(account, &self.liabilities)
            || has_root(account, &self.equity)
    }
}

/// Whether `account`'s first component is `root` (a root name has no colon: a name with
/// one matches the accounts under it): a prefix compare and one byte, where splitting at
/// the first colon scans the name for it (a plugin asks for every posting).
fn has_root(account: &str, root: &str) -> bool {
    let (account, root) = (account.as_bytes(), root.as_bytes());
    account
        .get(..root.len())
        .is_some_and(|prefix| crate::__same_bytes(prefix, root))
        && account.get(root.len()).is_none_or(|&next| next == b':')
}

/// What `process` returns: ops that rebuild the directive list, and diagnostics.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginOutput {
    /// The new directive list, in order. Every input index must appear exactly once in a
    /// `Keep`, `Modify` or `Delete`; see [`validate_op_coverage`].
    pub ops: Vec<PluginOp>,
    /// Errors and warnings shown to the user.
    pub errors: Vec<PluginError>,
}

impl PluginOutput {
    /// Keeps each of the `len` input directives unchanged, with no errors.
    ///
    /// ```
    /// # use rlplugin_types::{PluginOp, PluginOutput};
    /// assert_eq!(PluginOutput::passthrough(2).ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
    /// ```
    #[must_use]
    pub fn passthrough(len: usize) -> Self {
        Self {
            ops: (0..len).map(PluginOp::Keep).collect(),
            errors: Vec::new(),
        }
    }
}

/// One step of rebuilding the directive list.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PluginOp {
    /// Keep input directive `i` exactly as the host has it (lossless).
    Keep(usize),
    /// Replace input directive `i`; it keeps its source location.
    Modify(usize, DirectiveWrapper),
    /// Add a new directive at this position.
    Insert(DirectiveWrapper),
    /// Drop input directive `i`.
    Delete(usize),
}

impl PluginOp {
    /// The input index this op accounts for, `None` for `Insert`.
    #[must_use]
    pub const fn input_index(&self) -> Option<usize> {
        match self {
            Self::Keep(i) | Self::Modify(i, _) | Self::Delete(i) => Some(*i),
            Self::Insert(_) => None,
        }
    }
}

/// Checks that `ops` account for each of `input_len` input directives exactly once, the rule
/// the production host enforces before applying ops. The first violation, in op order, is
/// returned with the host's own message; on any violation the host discards all ops.
///
/// ```
/// # use rlplugin_types::{validate_op_coverage, PluginOp::*};
/// assert!(validate_op_coverage(2, &[Keep(1), Delete(0)]).is_ok());
/// assert_eq!(
///     validate_op_coverage(2, &[Keep(0)]).unwrap_err(),
///     "plugin omitted input directive 1 (must appear in exactly one of Keep/Modify/Delete)",
/// );
/// ```
#[cfg_attr(rlplugin_small, inline)]
pub fn validate_op_coverage(input_len: usize, ops: &[PluginOp]) -> Result<(), String> {
    let mut covered = vec![false; input_len];
    for index in ops.iter().filter_map(PluginOp::input_index) {
        match covered.get_mut(index) {
            None => {
                return Err(format!(
                    "plugin op references out-of-bounds input index {index} (input has {input_len} directives)"
                ));
            }
            Some(true) => {
                return Err(format!(
                    "plugin op references input index {index} more than once"
                ));
            }
            Some(seen) => *seen = true,
        }
    }
    match covered.iter().position(|seen| !seen) {
        Some(index) => Err(format!(
            "plugin omitted input directive {index} (must appear in exactly one of Keep/Modify/Delete)"
        )),
        None => Ok(()),
    }
}

/// A diagnostic from a plugin or importer.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginError {
    /// What is wrong, for the user.
    pub message: String,
    /// File the problem is in; shown only together with `line_number`.
    pub source_file: Option<String>,
    /// 1-based line in `source_file`.
    pub line_number: Option<u32>,
    /// Error or warning.
    pub severity: PluginErrorSeverity,
}

/// How serious a [`PluginError`] is.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PluginErrorSeverity {
    /// Reported as a warning; the ledger still loads cleanly.
    #[serde(rename = "warning")]
    Warning,
    /// Reported as a ledger error.
    #[serde(rename = "error")]
    Error,
}

impl PluginErrorSeverity {
    /// The wire spelling: `"warning"` or `"error"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl core::fmt::Display for PluginErrorSeverity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PluginError {
    /// An error-severity diagnostic without a location.
    #[must_use]
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(message, PluginErrorSeverity::Error)
    }

    /// A warning-severity diagnostic without a location.
    #[must_use]
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(message, PluginErrorSeverity::Warning)
    }

    fn new(message: impl Into<String>, severity: PluginErrorSeverity) -> Self {
        Self {
            message: message.into(),
            source_file: None,
            line_number: None,
            severity,
        }
    }

    /// Attaches a location; rustledger shows it as `file:line`.
    ///
    /// ```
    /// # use rlplugin_types::PluginError;
    /// let error = PluginError::error("unknown payee").at("/books/main.beancount", 12);
    /// assert_eq!(error.to_string(), "/books/main.beancount:12: error: unknown payee");
    /// ```
    #[must_use]
    pub fn at(mut self, file: impl Into<String>, line: u32) -> Self {
        self.source_file = Some(file.into());
        self.line_number = Some(line);
        self
    }

    /// Attaches the location of `directive`, when the host sent one.
    ///
    /// ```
    /// # use rlplugin_types::*;
    /// let directive = DirectiveWrapper {
    ///     directive_type: String::new(),
    ///     date: "2024-01-01".into(),
    ///     filename: Some("/books/main.beancount".into()),
    ///     lineno: Some(3),
    ///     data: DirectiveData::Commodity(CommodityData { currency: "EUR".into(), metadata: vec![] }),
    /// };
    /// let error = PluginError::warning("unused commodity").at_directive(&directive);
    /// assert_eq!(error.line_number, Some(3));
    /// ```
    #[must_use]
    #[cfg_attr(rlplugin_small, inline)]
    pub fn at_directive(mut self, directive: &DirectiveWrapper) -> Self {
        if let (Some(file), Some(line)) = (&directive.filename, directive.lineno) {
            self.source_file = Some(file.clone());
            self.line_number = Some(line);
        }
        self
    }
}

impl core::fmt::Display for PluginError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (&self.source_file, self.line_number) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PluginOp::{Delete, Keep};

    #[test]
    fn coverage_reports_the_first_violation_in_op_order() {
        assert_eq!(
            validate_op_coverage(2, &[Keep(5), Keep(0), Keep(0)]).unwrap_err(),
            "plugin op references out-of-bounds input index 5 (input has 2 directives)"
        );
        assert_eq!(
            validate_op_coverage(2, &[Keep(0), Delete(0), Keep(9)]).unwrap_err(),
            "plugin op references input index 0 more than once"
        );
        assert!(validate_op_coverage(0, &[]).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn an_accounts_root_is_its_first_component(
            root in "[Ex]{0,4}",
            rest in "[Ex:]{0,6}",
            other in "[Ex:]{0,8}",
        ) {
            // A small alphabet, and accounts that start with the root, so that equal
            // roots, longer names and colons in the root all come up.
            for account in [format!("{root}{rest}"), other.clone()] {
                let first = account.split(':').next().unwrap_or(&account);
                proptest::prop_assert_eq!(has_root(&account, &root), first == root, "{}", account);
            }
        }
    }

    #[test]
    fn account_roots_match_whole_first_component() {
        let types = PluginAccountTypes {
            expenses: "Depenses".into(),
            ..PluginAccountTypes::default()
        };
        assert!(types.is_expense("Depenses:Food"));
        assert!(!types.is_expense("Expenses:Food"));
        assert!(types.is_balance_sheet("Liabilities"));
        assert!(!types.is_balance_sheet("Income:Salary"));
        assert!(types.is_income("Income"));
    }

    #[test]
    fn error_display_names_location_when_known() {
        assert_eq!(PluginError::warning("w").to_string(), "warning: w");
        let mut error = PluginError::error("e");
        error.line_number = Some(2);
        assert_eq!(error.to_string(), "line 2: error: e");
    }
}
