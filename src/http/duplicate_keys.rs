//! Duplicate keys in a JSON document. serde keeps the last of two equal keys
//! in a map (and refuses them only in a struct), so a body like
//! `{"items": [{"title": "a", "title": "b"}]}` would be read differently by
//! different parsers. Every JSON body of this API is checked whole first.

use std::collections::HashSet;
use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::lenient::{Step, render};

/// The path (`items[3].title`) of the first key repeated within one object,
/// if any. A document that is not valid JSON has none (the parser reports it).
pub fn first_duplicate(bytes: &[u8]) -> Option<String> {
    let mut path = Vec::new();
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let walk = Walk {
        path: &mut path,
        found: &mut found,
    };
    // A syntax error ends the walk; the caller's parse reports it.
    let _ = walk.deserialize(&mut de);
    found
}

struct Walk<'a> {
    path: &'a mut Vec<Step>,
    found: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let repeated = !seen.insert(key.clone());
            self.path.push(Step::Key(key));
            if repeated && self.found.is_none() {
                *self.found = Some(render(self.path));
            }
            if self.found.is_some() {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Walk {
                    path: &mut *self.path,
                    found: &mut *self.found,
                })?;
            }
            self.path.pop();
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.path.push(Step::Index(i));
            let more = seq
                .next_element_seed(Walk {
                    path: &mut *self.path,
                    found: &mut *self.found,
                })?
                .is_some();
            self.path.pop();
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_repeated_key_at_any_depth() {
        assert_eq!(first_duplicate(br#"{"a": 1, "b": 2}"#), None);
        assert_eq!(
            first_duplicate(br#"{"a": 1, "a": 2}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            first_duplicate(br#"{"items": [{"t": 1}, {"t": 1, "x": {"y": 1, "y": 2}}]}"#)
                .as_deref(),
            Some("items[1].x.y")
        );
        // The same key in two objects is fine.
        assert_eq!(first_duplicate(br#"[{"a": 1}, {"a": 2}]"#), None);
        // Escapes are compared decoded.
        assert_eq!(
            first_duplicate(br#"{"title": 1, "t\u0069tle": 2}"#).as_deref(),
            Some("title")
        );
        assert_eq!(first_duplicate(b"{not json"), None);
    }
}
