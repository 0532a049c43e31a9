//! Messages of a WebAssembly importer's `metadata`, `identify`, `extract` and
//! `extract_enriched` calls. Every field is required and positional.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{DirectiveWrapper, PluginError};

/// Input of `extract` and `extract_enriched`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImporterInput {
    /// Path of the statement, for messages only; the bytes are in `content`.
    pub path: String,
    /// The statement file's bytes (an array of integers on the wire).
    pub content: Vec<u8>,
    /// Account the statement belongs to.
    pub account: String,
    /// Default currency, if configured.
    pub currency: Option<String>,
    /// Importer options (rustledger 0.24 sends its CSV settings: `date_format`, `delimiter`,
    /// `has_header`, `skip_rows`, `invert_sign`, `skip_zero_amounts`, …).
    pub options: HashMap<String, String>,
}

/// Input of `identify`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyInput {
    /// Path of the candidate file; its content is not sent.
    pub path: String,
}

/// Output of `identify`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyOutput {
    /// Whether this importer handles the file.
    pub matches: bool,
}

/// Output of `metadata`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataOutput {
    /// Importer name, matched case-insensitively; `/` separates alternative names.
    pub name: String,
    /// One-line description.
    pub description: String,
}

/// Output of `extract`.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImporterOutput {
    /// The extracted directives; `filename`/`lineno` are ignored by the host.
    pub directives: Vec<DirectiveWrapper>,
    /// Non-fatal remarks, shown verbatim.
    pub warnings: Vec<String>,
    /// Problems with parts of the statement (bad rows…); shown, never fatal.
    pub errors: Vec<PluginError>,
}

impl ImporterOutput {
    /// Output with these directives and no diagnostics.
    #[must_use]
    pub const fn new(directives: Vec<DirectiveWrapper>) -> Self {
        Self {
            directives,
            warnings: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Output with nothing in it.
    #[must_use]
    pub const fn empty() -> Self {
        Self::new(Vec::new())
    }
}

/// Output of `extract_enriched`: each directive with how it was categorized.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichedImporterOutput {
    /// Directives, each paired with its enrichment.
    pub entries: Vec<(DirectiveWrapper, EnrichmentWrapper)>,
    /// Non-fatal remarks.
    pub warnings: Vec<String>,
    /// Problems with parts of the statement.
    pub errors: Vec<PluginError>,
}

impl From<ImporterOutput> for EnrichedImporterOutput {
    /// Pairs each directive with a `"default"` enrichment of confidence 0.
    #[cfg_attr(rlplugin_small, inline)]
    fn from(output: ImporterOutput) -> Self {
        let entries = output
            .directives
            .into_iter()
            .enumerate()
            .map(|(index, directive)| (directive, EnrichmentWrapper::default_for(index)))
            .collect();
        Self {
            entries,
            warnings: output.warnings,
            errors: output.errors,
        }
    }
}

/// How one directive was categorized.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentWrapper {
    /// Index of the directive in `entries`.
    pub directive_index: usize,
    /// Confidence of the categorization, 0 to 1.
    pub confidence: f64,
    /// One of `"rule"`, `"merchant-dict"`, `"ml"`, `"llm"`, `"manual"`, `"default"`; the host
    /// treats anything else as `"default"` with a warning.
    pub method: String,
    /// Other candidates, most confident first.
    pub alternatives: Vec<AlternativeWrapper>,
    /// Deduplication fingerprint: exactly 32 hex characters, or `None`.
    pub fingerprint: Option<String>,
}

impl EnrichmentWrapper {
    /// The enrichment of a directive nobody categorized: method `"default"`, confidence 0.
    #[must_use]
    pub fn default_for(directive_index: usize) -> Self {
        Self {
            directive_index,
            confidence: 0.0,
            method: "default".to_owned(),
            alternatives: Vec::new(),
            fingerprint: None,
        }
    }
}

/// A candidate categorization.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativeWrapper {
    /// Suggested account.
    pub account: String,
    /// Confidence, 0 to 1.
    pub confidence: f64,
    /// Method, as in [`EnrichmentWrapper::method`].
    pub method: String,
}
