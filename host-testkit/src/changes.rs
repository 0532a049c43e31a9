//! What a plugin run changed: the ops read against the input, for a snapshot that
//! shows only the directives a plugin touched.

use std::fmt;
use std::path::Path;

use rustledger_plugin::{DirectiveWrapper, PluginInput, PluginOp};
use serde::Serialize;

use crate::render;

/// What happened to one directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A `Modify` whose directive renders differently from the input's.
    Modified,
    /// A `Delete`.
    Deleted,
    /// An `Insert`.
    Inserted,
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Inserted => "inserted",
        })
    }
}

/// One directive a plugin modified, deleted or inserted; both sides are rendered
/// by rustledger's formatter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What the op did.
    pub kind: ChangeKind,
    /// `file:line` of the input directive (relative to the ledger's folder), when
    /// the change has one: inserted directives do not.
    pub location: Option<String>,
    /// The input directive as beancount text (`None` for an insert).
    pub before: Option<String>,
    /// The resulting directive as beancount text (`None` for a delete).
    pub after: Option<String>,
}

/// The changes of one run, in ledger order; what [`Run::changes`](crate::Run::changes)
/// returns.
///
/// `Display` is a line diff per change, headed by its kind and location: `-` lines
/// the plugin removed, `+` lines it added, a space before unchanged lines. Lines
/// that differ only in the spaces rustledger's formatter aligns amounts with count
/// as unchanged. Without changes it reads `no changes: every directive kept as is`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Changes(Vec<Change>);

impl Changes {
    /// Read the ops against the input they answered. A `Modify` that only
    /// re-encodes its directive is no change.
    pub(crate) fn of(input: &PluginInput, ops: &[PluginOp], base: Option<&Path>) -> Self {
        let location = |i: usize| {
            input.directives.get(i).map(|w| {
                let file = w
                    .filename
                    .as_deref()
                    .map_or_else(|| "<unknown>".to_owned(), |f| render::relative(f, base));
                format!("{file}:{}", w.lineno.unwrap_or(0))
            })
        };
        // An insert sorts right after the input directive the op before it referred to.
        let mut out: Vec<(usize, usize, Change)> = Vec::new();
        let mut anchor = 0;
        for (seq, op) in ops.iter().enumerate() {
            let mut push = |key: usize, change: Change| out.push((key, seq, change));
            match op {
                PluginOp::Keep(i) => anchor = *i,
                PluginOp::Modify(i, w) => {
                    anchor = *i;
                    let before = input.directives.get(*i).map(render_wrapper);
                    let after = render_wrapper(w);
                    if before.as_deref() != Some(after.as_str()) {
                        push(
                            *i,
                            Change {
                                kind: ChangeKind::Modified,
                                location: location(*i),
                                before,
                                after: Some(after),
                            },
                        );
                    }
                }
                PluginOp::Insert(w) => push(
                    anchor,
                    Change {
                        kind: ChangeKind::Inserted,
                        location: None,
                        before: None,
                        after: Some(render_wrapper(w)),
                    },
                ),
                PluginOp::Delete(i) => {
                    anchor = *i;
                    push(
                        *i,
                        Change {
                            kind: ChangeKind::Deleted,
                            location: location(*i),
                            before: input.directives.get(*i).map(render_wrapper),
                            after: None,
                        },
                    );
                }
            }
        }
        out.sort_by_key(|(key, seq, _)| (*key, *seq));
        Changes(out.into_iter().map(|(_, _, c)| c).collect())
    }

    /// The changes as a slice.
    pub fn as_slice(&self) -> &[Change] {
        &self.0
    }

    /// The number of changes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the run kept every directive as it was.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterate over the changes in ledger order.
    pub fn iter(&self) -> std::slice::Iter<'_, Change> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Changes {
    type Item = &'a Change;
    type IntoIter = std::slice::Iter<'a, Change>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

fn render_wrapper(wrapper: &DirectiveWrapper) -> String {
    match rustledger_plugin::wrapper_to_directive(wrapper) {
        Ok(d) => render::directives(std::slice::from_ref(&d)),
        Err(e) => format!("<cannot render: {e}>\n"),
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => writeln!(f, "{} {location}", self.kind)?,
            None => writeln!(f, "{}", self.kind)?,
        }
        let before: Vec<&str> = self.before.as_deref().unwrap_or("").lines().collect();
        let after: Vec<&str> = self.after.as_deref().unwrap_or("").lines().collect();
        // rustledger's formatter re-aligns amounts when an account name changes length;
        // comparing whitespace-normalized lines keeps those lines out of the diff.
        let (old, new) = (normalized(&before), normalized(&after));
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
            for change in op.iter_changes(&old, &new) {
                match change.tag() {
                    similar::ChangeTag::Delete => {
                        writeln!(f, "-{}", before[change.old_index().unwrap_or_default()])?;
                    }
                    similar::ChangeTag::Insert => {
                        writeln!(f, "+{}", after[change.new_index().unwrap_or_default()])?;
                    }
                    similar::ChangeTag::Equal => {
                        writeln!(f, " {}", after[change.new_index().unwrap_or_default()])?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn normalized(lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            format!(
                "{}{}",
                &l[..indent],
                l.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })
        .collect()
}

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "no changes: every directive kept as is");
        }
        for (i, change) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{change}")?;
        }
        Ok(())
    }
}
