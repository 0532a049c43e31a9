//! Directives for the examples in the view's docs. Not public API: names and signatures
//! may change in any release.

use rlplugin_types::{
    AmountData, DirectiveData, DirectiveWrapper, OpenData, PluginInput, PostingData, PriceData,
    TransactionData,
};

/// The host's bytes for a ledger of `directives`, default options and no config.
#[must_use]
pub fn input(directives: &[DirectiveWrapper]) -> Vec<u8> {
    super::encode_input(&PluginInput {
        directives: directives.to_vec(),
        options: rlplugin_types::PluginOptions::default(),
        config: None,
    })
}

fn dated(date: &str, data: DirectiveData) -> DirectiveWrapper {
    DirectiveWrapper {
        directive_type: String::new(),
        date: date.to_owned(),
        filename: Some("ledger.beancount".to_owned()),
        lineno: Some(1),
        data,
    }
}

/// `date price currency number quote`.
#[must_use]
pub fn price(date: &str, currency: &str, number: &str, quote: &str) -> DirectiveWrapper {
    dated(
        date,
        DirectiveData::Price(PriceData {
            currency: currency.to_owned(),
            amount: AmountData::new(number, quote),
            metadata: Vec::new(),
        }),
    )
}

/// `date open account`.
#[must_use]
pub fn open(date: &str, account: &str) -> DirectiveWrapper {
    dated(
        date,
        DirectiveData::Open(OpenData {
            account: account.to_owned(),
            currencies: Vec::new(),
            booking: None,
            metadata: Vec::new(),
        }),
    )
}

/// `date * "narration" #tags`, 4.50 USD from `Assets:Cash` to `Expenses:Food`.
#[must_use]
pub fn transaction(date: &str, narration: &str, tags: &[&str]) -> DirectiveWrapper {
    let posting = |account: &str, number: &str| PostingData {
        account: account.to_owned(),
        units: Some(AmountData::new(number, "USD")),
        cost: None,
        price: None,
        flag: None,
        metadata: Vec::new(),
        span: None,
    };
    dated(
        date,
        DirectiveData::Transaction(TransactionData {
            flag: "*".to_owned(),
            payee: None,
            narration: narration.to_owned(),
            tags: tags.iter().map(|&tag| tag.to_owned()).collect(),
            links: Vec::new(),
            metadata: Vec::new(),
            postings: vec![
                posting("Expenses:Food", "4.50"),
                posting("Assets:Cash", "-4.50"),
            ],
        }),
    )
}
