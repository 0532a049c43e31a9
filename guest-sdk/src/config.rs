//! Typed plugin configuration: the second string of a `plugin "x.wasm" "…"` line, as JSON or
//! as `key=value,key=value`, deserialized into the author's serde type.
//!
//! ```
//! #[derive(serde::Deserialize, Debug, PartialEq)]
//! struct Config {
//!     account: String,
//!     threshold: u32,
//!     #[serde(default)]
//!     strict: bool,
//! }
//!
//! let from_pairs: Config = rlplugin::config(Some("account = Assets:Cash, threshold=100")).unwrap();
//! let from_json: Config =
//!     rlplugin::config(Some(r#"{"account": "Assets:Cash", "threshold": 100}"#)).unwrap();
//! assert_eq!(from_pairs, from_json);
//!
//! let error = rlplugin::config::<Config>(Some("account=Assets:Cash,threshold=lots")).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "invalid plugin config: `threshold`: \"lots\" is not a non-negative integer; write the config as \
//!      key=value,key=value or as a JSON object",
//! );
//! ```
//!
//! In `key=value` form the value's type comes from the target field: `threshold=100` fills a
//! number, `strict=true` a bool, `account=Assets:Cash` a string. Whitespace around keys and
//! values is ignored; a value in double quotes (`name="a, b"`) is taken literally, with `\"`
//! and `\\` escapes. An empty value (`limit=`) is `None` for an `Option`. Nested structures
//! and lists need the JSON form, which is any JSON object.
//!
//! Only plugins that call [`config`] contain this code.

use core::fmt::{self, Display};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};

/// Parses a plugin's config string into `T`. `None` (no config on the `plugin` line) and a
/// blank string act as an empty set of keys, so a `T` whose fields all have defaults works
/// without any config.
///
/// # Errors
///
/// A [`ConfigError`] naming the key and the problem, and the accepted formats.
pub fn config<T: DeserializeOwned>(config: Option<&str>) -> Result<T, ConfigError> {
    let text = config.unwrap_or("").trim();
    let value = if text.starts_with('{') {
        Json::new(text).document()?
    } else {
        pairs(text)?
    };
    T::deserialize(value).map_err(|error| {
        if config.is_none() {
            ConfigError {
                message: format!("the plugin line has no config string: {}", error.message),
                ..error
            }
        } else {
            error
        }
    })
}

/// Why a config string could not be turned into the author's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    key: Option<String>,
    message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            key: None,
            message: message.into(),
        }
    }

    fn in_key(mut self, key: &str) -> Self {
        self.key = Some(match self.key.take() {
            Some(inner) => format!("{key}.{inner}"),
            None => key.to_owned(),
        });
        self
    }

    /// The key the problem is in (`outer.inner` when nested), if it is about one key.
    ///
    /// ```
    /// #[derive(serde::Deserialize, Debug)]
    /// struct Config { limits: Limits }
    /// #[derive(serde::Deserialize, Debug)]
    /// struct Limits { daily: u32 }
    ///
    /// let error = rlplugin::config::<Config>(Some(r#"{"limits": {"daily": -1}}"#)).unwrap_err();
    /// assert_eq!(error.key(), Some("limits.daily"));
    /// ```
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
}

impl Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid plugin config: ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(
            f,
            "{}; write the config as key=value,key=value or as a JSON object",
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl de::Error for ConfigError {
    fn custom<T: Display>(message: T) -> Self {
        Self::new(message.to_string())
    }
}

/// A parsed config: JSON values, plus `Text` for unquoted `key=value` values, whose type is
/// decided by the field they fill.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Text(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

fn pairs(text: &str) -> Result<Value, ConfigError> {
    let mut entries = Vec::new();
    let mut rest = text;
    while !rest.trim().is_empty() {
        let (key, after) = rest.split_once('=').ok_or_else(|| {
            ConfigError::new(format!("expected `key=value`, found {:?}", rest.trim()))
        })?;
        let key = key.trim();
        if key.is_empty() || key.contains(',') {
            return Err(ConfigError::new(format!(
                "expected a key before `=`, found {key:?}"
            )));
        }
        let after = after.trim_start();
        let (value, remainder) = if let Some(quoted) = after.strip_prefix('"') {
            let (value, remainder) = quoted_value(quoted).map_err(|e| e.in_key(key))?;
            (Value::String(value), remainder)
        } else {
            let (value, remainder) = after.split_once(',').unwrap_or((after, ""));
            (Value::Text(value.trim().to_owned()), remainder)
        };
        entries.push((key.to_owned(), value));
        rest = remainder;
    }
    Ok(Value::Object(entries))
}

/// Reads a quoted value up to its closing quote and the comma after it.
fn quoted_value(text: &str) -> Result<(String, &str), ConfigError> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                let rest = text[at + 1..].trim_start();
                return match rest.strip_prefix(',') {
                    Some(rest) => Ok((value, rest)),
                    None if rest.is_empty() => Ok((value, rest)),
                    None => Err(ConfigError::new(format!(
                        "expected `,` after the quoted value, found {rest:?}"
                    ))),
                };
            }
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                _ => {
                    return Err(ConfigError::new(
                        "only \\\" and \\\\ escapes are allowed in a quoted value",
                    ));
                }
            },
            c => value.push(c),
        }
    }
    Err(ConfigError::new("the quoted value has no closing `\"`"))
}

/// A small JSON reader: RFC 8259 values, numbers kept as text.
struct Json<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Json<'a> {
    const fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }

    fn error(&self, expected: &str) -> ConfigError {
        let found = self.text[self.at..]
            .chars()
            .next()
            .map_or_else(|| "the end".to_owned(), |c| format!("{c:?}"));
        ConfigError::new(format!(
            "invalid JSON at byte {}: expected {expected}, found {found}",
            self.at
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn document(mut self) -> Result<Value, ConfigError> {
        let value = self.value(0)?;
        self.skip_space();
        if self.at != self.text.len() {
            return Err(self.error("the end of the JSON"));
        }
        Ok(value)
    }

    fn value(&mut self, depth: usize) -> Result<Value, ConfigError> {
        // Config is tiny; the limit only stops hostile nesting from overflowing the stack.
        if depth > 64 {
            return Err(self.error("at most 64 levels of nesting"));
        }
        self.skip_space();
        match self.peek() {
            Some(b'{') => {
                self.at += 1;
                let mut entries = Vec::new();
                if self.eat(b'}') {
                    return Ok(Value::Object(entries));
                }
                loop {
                    self.skip_space();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("a key in double quotes"));
                    }
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return Err(self.error("`:`"));
                    }
                    let value = self.value(depth + 1).map_err(|e| e.in_key(&key))?;
                    entries.push((key, value));
                    if self.eat(b'}') {
                        return Ok(Value::Object(entries));
                    }
                    if !self.eat(b',') {
                        return Err(self.error("`,` or `}`"));
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Ok(Value::Array(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.error("`,` or `]`"));
                    }
                }
            }
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a JSON value")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, ConfigError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error(word))
        }
    }

    fn number(&mut self) -> Result<Value, ConfigError> {
        let start = self.at;
        let digits = |json: &mut Self| {
            let from = json.at;
            while matches!(json.peek(), Some(b'0'..=b'9')) {
                json.at += 1;
            }
            json.at > from
        };
        self.at += usize::from(self.peek() == Some(b'-'));
        let mut ok = digits(self);
        if self.peek() == Some(b'.') {
            self.at += 1;
            ok &= digits(self);
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            ok &= digits(self);
        }
        if !ok {
            return Err(self.error("a digit"));
        }
        Ok(Value::Number(self.text[start..self.at].to_owned()))
    }

    fn string(&mut self) -> Result<String, ConfigError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(c) = rest.chars().next() else {
                return Err(self.error("a closing `\"`"));
            };
            self.at += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let c = self.unicode_escape()?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("an escape character")),
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                c if c < ' ' => {
                    self.at -= 1;
                    return Err(self.error("an escaped control character"));
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ConfigError> {
        let hex = self
            .text
            .get(self.at..self.at + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let code = hex
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error("four hex digits"))?;
        self.at += 4;
        Ok(code)
    }

    fn unicode_escape(&mut self) -> Result<char, ConfigError> {
        let first = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&first) {
            if !self.text[self.at..].starts_with("\\u") {
                return Err(self.error("a low surrogate escape"));
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xdc00..0xe000).contains(&second) {
                return Err(self.error("a low surrogate escape"));
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("a valid unicode escape"))
    }
}

impl Value {
    fn unexpected(&self, expected: &str) -> ConfigError {
        if let Self::String(s) = self {
            // A quoted JSON value reads like the right one ("true", "5"): name both types,
            // and the fix when the quotes are all that is wrong.
            let unquote = s == "true" || s == "false" || looks_numeric(s);
            let hint = if unquote {
                "; write it without quotes"
            } else {
                ""
            };
            return ConfigError::new(format!("expected {expected}, found the string {s:?}{hint}"));
        }
        let found = match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Number(n) => n.clone(),
            Self::String(s) | Self::Text(s) => format!("{s:?}"),
            Self::Array(_) => "a list".to_owned(),
            Self::Object(_) => "an object".to_owned(),
        };
        ConfigError::new(format!("{found} is not {expected}"))
    }

    /// The text of a number, from JSON or an unquoted `key=value` value.
    fn number_text(&self, expected: &str) -> Result<&str, ConfigError> {
        match self {
            Self::Number(text) | Self::Text(text) => Ok(text),
            _ => Err(self.unexpected(expected)),
        }
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident as $ty:ty, $expected:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
            let parsed = self.number_text($expected)?.parse::<$ty>();
            match parsed {
                Ok(number) => visitor.$visit(number),
                Err(_) => Err(self.unexpected($expected)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for Value {
    type Error = ConfigError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self {
            Self::Null => visitor.visit_unit(),
            Self::Bool(b) => visitor.visit_bool(b),
            Self::Number(text) | Self::Text(text) if looks_numeric(&text) => {
                if let Ok(n) = text.parse::<u64>() {
                    visitor.visit_u64(n)
                } else if let Ok(n) = text.parse::<i64>() {
                    visitor.visit_i64(n)
                } else {
                    visitor.visit_f64(
                        text.parse()
                            .map_err(|_| ConfigError::new(format!("{text} is not a number")))?,
                    )
                }
            }
            Self::Text(text) if text == "true" || text == "false" => {
                visitor.visit_bool(text == "true")
            }
            Self::Number(text) | Self::String(text) | Self::Text(text) => {
                visitor.visit_string(text)
            }
            Self::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Self::Object(entries) => visitor.visit_map(Entries {
                entries: entries.into_iter(),
                pending: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match &self {
            Self::Bool(b) => visitor.visit_bool(*b),
            Self::Text(t) if t == "true" || t == "false" => visitor.visit_bool(t == "true"),
            _ => Err(self.unexpected("a boolean (true or false)")),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8 as i8, "an integer";
        deserialize_i16 => visit_i16 as i16, "an integer";
        deserialize_i32 => visit_i32 as i32, "an integer";
        deserialize_i64 => visit_i64 as i64, "an integer";
        deserialize_i128 => visit_i128 as i128, "an integer";
        deserialize_u8 => visit_u8 as u8, "a non-negative integer";
        deserialize_u16 => visit_u16 as u16, "a non-negative integer";
        deserialize_u32 => visit_u32 as u32, "a non-negative integer";
        deserialize_u64 => visit_u64 as u64, "a non-negative integer";
        deserialize_u128 => visit_u128 as u128, "a non-negative integer";
        deserialize_f32 => visit_f32 as f32, "a number";
        deserialize_f64 => visit_f64 as f64, "a number";
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match &self {
            Self::String(s) | Self::Text(s) if s.chars().count() == 1 => {
                visitor.visit_char(s.chars().next().unwrap_or_default())
            }
            _ => Err(self.unexpected("a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self {
            Self::String(s) | Self::Text(s) => visitor.visit_string(s),
            other => Err(other.unexpected("a string")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match &self {
            Self::Null => visitor.visit_none(),
            Self::Text(t) if t.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self {
            Self::Null => visitor.visit_unit(),
            other => Err(other.unexpected("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self {
            Self::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            other => Err(other.unexpected("a list (lists need the JSON form)")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self {
            Self::Object(entries) => visitor.visit_map(Entries {
                entries: entries.into_iter(),
                pending: None,
            }),
            other => Err(other.unexpected("an object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        match self {
            Self::String(s) | Self::Text(s) => visitor.visit_enum(s.into_deserializer()),
            Self::Object(mut entries) if entries.len() == 1 => {
                let (variant, value) = entries.remove(0);
                visitor.visit_enum(Variant { variant, value })
            }
            other => Err(other.unexpected("a variant name")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        visitor.visit_unit()
    }
}

fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    digits.starts_with(|c: char| c.is_ascii_digit()) && text.parse::<f64>().is_ok()
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = ConfigError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ConfigError> {
        self.0
            .next()
            .map(|value| seed.deserialize(value))
            .transpose()
    }
}

struct Entries {
    entries: std::vec::IntoIter<(String, Value)>,
    pending: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = ConfigError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ConfigError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let parsed = seed.deserialize(Value::String(key.clone()))?;
        self.pending = Some((key, value));
        Ok(Some(parsed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ConfigError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| ConfigError::new("a value was requested before its key"))?;
        seed.deserialize(value).map_err(|error| error.in_key(&key))
    }
}

struct Variant {
    variant: String,
    value: Value,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = ConfigError;
    type Variant = Value;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Value), ConfigError> {
        let variant = seed.deserialize(Value::String(self.variant))?;
        Ok((variant, self.value))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = ConfigError;

    fn unit_variant(self) -> Result<(), ConfigError> {
        match self {
            Self::Null => Ok(()),
            other => Err(other.unexpected("null")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ConfigError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Settings {
        name: String,
        limit: Option<i64>,
        ratio: f64,
        #[serde(default)]
        verbose: bool,
        #[serde(default)]
        mode: Mode,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        #[default]
        Warn,
        Fail,
    }

    #[test]
    fn pairs_are_typed_by_the_target_and_trimmed() {
        let settings: Settings = config(Some(
            r#"  name = "a, \"b\"" , limit=-3,ratio=0.5 ,verbose=true, mode=fail "#,
        ))
        .unwrap();
        assert_eq!(
            settings,
            Settings {
                name: "a, \"b\"".into(),
                limit: Some(-3),
                ratio: 0.5,
                verbose: true,
                mode: Mode::Fail,
            }
        );
        let settings: Settings = config(Some("name=x,limit=,ratio=1")).unwrap();
        assert_eq!(settings.limit, None);
    }

    #[test]
    fn json_objects_nest_and_unescape() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Outer {
            inner: Settings,
            tags: Vec<String>,
            map: BTreeMap<String, u8>,
        }
        let outer: Outer = config(Some(
            r#"{"inner": {"name": "\u00e9\ud83d\ude00\n", "limit": null, "ratio": -1.5e2, "mode": "warn"},
               "tags": ["a", "b"], "map": {"k": 7}}"#,
        ))
        .unwrap();
        assert_eq!(outer.inner.name, "é😀\n");
        assert_eq!(outer.inner.ratio, -150.0);
        assert_eq!(outer.tags, ["a", "b"]);
        assert_eq!(outer.map["k"], 7);
    }

    #[test]
    fn errors_name_the_key_and_the_formats() {
        let error = config::<Settings>(Some(r#"{"name": "x", "ratio": "high"}"#)).unwrap_err();
        assert_eq!(error.key(), Some("ratio"));
        assert_eq!(
            error.to_string(),
            "invalid plugin config: `ratio`: expected a number, found the string \"high\"; \
             write the config as key=value,key=value or as a JSON object"
        );
        let error = config::<Settings>(Some(r#"{"name": "x", "ratio": 1, "verbose": "true"}"#))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid plugin config: `verbose`: expected a boolean (true or false), found the \
             string \"true\"; write it without quotes; write the config as key=value,key=value \
             or as a JSON object"
        );
        let error = config::<Settings>(Some("name=x,ratio=1,verbose=maybe")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"maybe\" is not a boolean (true or false)"),
            "{error}"
        );
        let error = config::<Settings>(Some("ratio=1")).unwrap_err();
        assert!(
            error.to_string().contains("missing field `name`"),
            "{error}"
        );
        let error = config::<Settings>(None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("has no config string: missing field"),
            "{error}"
        );
        let error = config::<Settings>(Some("name")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected `key=value`, found \"name\""),
            "{error}"
        );
        let error = config::<Settings>(Some(r#"{"name": "x",}"#)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("invalid JSON at byte 13: expected a key"),
            "{error}"
        );
        let error = config::<Settings>(Some("limit=1.5,name=x,ratio=1")).unwrap_err();
        assert_eq!(error.key(), Some("limit"));
        let error = config::<Settings>(Some(r#"name="open"#)).unwrap_err();
        assert!(error.to_string().contains("no closing"), "{error}");
    }

    #[test]
    fn no_config_fills_defaults() {
        #[derive(Debug, Default, Deserialize, PartialEq)]
        #[serde(default)]
        struct Optional {
            limit: u32,
        }
        assert_eq!(config::<Optional>(None).unwrap(), Optional::default());
        assert_eq!(
            config::<Optional>(Some("   ")).unwrap(),
            Optional::default()
        );
    }
}
