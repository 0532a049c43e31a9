//! Any string as a plugin's config, read into config types of every shape a plugin author
//! writes: a value or a [`ConfigError`](rlplugin::ConfigError) whose message says which
//! formats are accepted.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Flat {
    account: String,
    threshold: u32,
    ratio: Option<f64>,
    #[serde(default)]
    strict: bool,
    delta: Option<i64>,
    mode: Option<Mode>,
    letter: Option<char>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum Mode {
    Warn,
    Fail { limit: u8 },
    Tag(String),
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Nested {
    #[serde(default)]
    accounts: Vec<String>,
    limits: Option<BTreeMap<String, u64>>,
    inner: Option<Box<Nested>>,
    pair: Option<(u16, String)>,
}

fn check<T: serde::de::DeserializeOwned + core::fmt::Debug>(text: Option<&str>) {
    if let Err(error) = rlplugin::config::<T>(text) {
        let message = error.to_string();
        assert!(message.starts_with("invalid plugin config: "), "{message}");
        assert!(message.ends_with("or as a JSON object"), "{message}");
    }
}

fuzz_target!(|text: &str| {
    check::<Flat>(Some(text));
    check::<Nested>(Some(text));
    check::<BTreeMap<String, String>>(Some(text));
    check::<serde_json::Value>(Some(text));
});
