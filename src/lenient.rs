//! Reading a JSON body while collecting every field error, instead of
//! stopping at the first as serde does: an unknown field, a value of the
//! wrong type and a missing field anywhere in the body are each reported,
//! together with what the domain's validation finds in the rest.
//!
//! The body is parsed into a `serde_json::Value`, then deserialized into `T`
//! again and again: each failure is recorded at its path and the offending
//! part removed (an unknown or ill-typed key from its object; an ill-formed
//! element from its array) until `T` deserializes. Paths are reported as
//! the client wrote them, counting removed array elements.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::error::FieldError;

/// Most failures recorded before giving up (a body with more is refused
/// with what was found so far).
const MAX_ERRORS: usize = 200;

/// One step of a path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// An object's key.
    Key(String),
    /// An array's element.
    Index(usize),
}

/// The outcome: a value when one could be built from the well-formed parts,
/// and every field error found on the way.
pub struct Collected<T> {
    /// `T` from the parts that were well-formed, if any could be built.
    pub value: Option<T>,
    /// Every structural error (unknown, ill-typed or missing field).
    pub errors: Vec<FieldError>,
    /// How to name a place in `value` as the client numbered it.
    pub renumbering: Renumbering,
}

/// The array elements removed while reading, so that a path into what
/// remains (`participants[0].value`) can be reported as the client wrote it
/// (`participants[1].value`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renumbering(BTreeMap<Vec<Step>, Vec<usize>>);

impl Renumbering {
    /// `path` (dotted keys and `[i]` indices) as the client numbered it.
    pub fn client_path(&self, path: &str) -> String {
        if self.0.is_empty() {
            return path.to_string();
        }
        let mut steps = Vec::new();
        for part in path.split('.') {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                steps.push(Step::Key(rest[..open].to_string()));
                rest = &rest[open..];
                while let Some(close) = rest.find(']') {
                    match rest[1..close].parse() {
                        Ok(i) => steps.push(Step::Index(i)),
                        Err(_) => return path.to_string(),
                    }
                    rest = &rest[close + 1..];
                }
            } else {
                steps.push(Step::Key(rest.to_string()));
            }
        }
        render(&original(&steps, &self.0))
    }
}

/// Deserializes `doc` into `T`, collecting every field error (see the module
/// documentation). Messages never echo values (they may be identifiers).
pub fn collect<T: DeserializeOwned>(doc: Value) -> Collected<T> {
    let mut doc = doc;
    let mut errors = Vec::new();
    // Original indices of removed array elements, per array path (as now).
    let mut removed: BTreeMap<Vec<Step>, Vec<usize>> = BTreeMap::new();
    // Stand-ins put where a required field is missing (outside an array
    // element, which is dropped instead), so the rest can still be checked:
    // the candidate tried at each path. A value built on them is not returned.
    let mut stand_ins: BTreeMap<Vec<Step>, usize> = BTreeMap::new();
    let candidates = [
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
    ];
    loop {
        match serde_path_to_error::deserialize::<_, T>(&doc) {
            Ok(v) => {
                return Collected {
                    value: stand_ins.is_empty().then_some(v),
                    errors,
                    renumbering: Renumbering(removed),
                };
            }
            Err(err) => {
                let path: Vec<Step> = err
                    .path()
                    .iter()
                    .filter_map(|s| match s {
                        Segment::Map { key } => Some(Step::Key(key.clone())),
                        Segment::Seq { index } => Some(Step::Index(*index)),
                        Segment::Enum { .. } | Segment::Unknown => None,
                    })
                    .collect();
                let msg = err.into_inner().to_string();
                if let Some(tried) = stand_ins.get_mut(&path) {
                    // Our stand-in has the wrong type: a variant the message
                    // names (for an enum), or the next kind.
                    if let Some(variant) = msg
                        .split_once("expected one of `")
                        .or_else(|| msg.split_once("expected `"))
                        .and_then(|(_, rest)| rest.split('`').next())
                        .filter(|v| Some(*v) != current(&doc, &path).as_deref())
                    {
                        put(&mut doc, &path, Value::String(variant.to_string()));
                        continue;
                    }
                    *tried += 1;
                    let Some(next) = candidates.get(*tried) else {
                        return Collected {
                            value: None,
                            errors,
                            renumbering: Renumbering(removed),
                        };
                    };
                    put(&mut doc, &path, next.clone());
                    continue;
                }
                let named = msg
                    .strip_prefix("unknown field `")
                    .or_else(|| msg.strip_prefix("missing field `"))
                    .and_then(|r| r.split('`').next())
                    .map(str::to_string);
                let missing = msg.starts_with("missing field");
                // An unknown field's path already ends with its key; a missing
                // field is reported at its parent's path.
                let reported = match &named {
                    Some(name) if missing => [path.clone(), vec![Step::Key(name.clone())]].concat(),
                    _ => path.clone(),
                };
                let text = if msg.starts_with("unknown field") {
                    "unknown field".to_string()
                } else if missing {
                    "required".to_string()
                } else {
                    scrub(&msg)
                };
                let field = render(&original(&reported, &removed));
                // A field removed for its type is then missing: said once.
                if !(missing && errors.iter().any(|e: &FieldError| e.field == field)) {
                    errors.push(FieldError::new(field, text));
                }
                if errors.len() >= MAX_ERRORS {
                    return Collected {
                        value: None,
                        errors,
                        renumbering: Renumbering(removed),
                    };
                }
                // What to remove so the next attempt gets further: the
                // unknown or ill-typed node itself, or the array element
                // lacking a required field.
                if missing && !matches!(path.last(), Some(Step::Index(_))) {
                    // A missing required field outside an array element: a
                    // stand-in, so that the other fields are checked too.
                    if stand_ins.contains_key(&reported)
                        || !put(&mut doc, &reported, candidates[0].clone())
                    {
                        return Collected {
                            value: None,
                            errors,
                            renumbering: Renumbering(removed),
                        };
                    }
                    stand_ins.insert(reported, 0);
                    continue;
                }
                if !remove(&mut doc, &path, &mut removed) {
                    return Collected {
                        value: None,
                        errors,
                        renumbering: Renumbering(removed),
                    };
                }
            }
        }
    }
}

/// The string at `path`, if there is one.
fn current(doc: &Value, path: &[Step]) -> Option<String> {
    let mut node = doc;
    for step in path {
        node = match step {
            Step::Key(k) => node.get(k)?,
            Step::Index(i) => node.get(*i)?,
        };
    }
    node.as_str().map(str::to_string)
}

/// The node at `path`, if there is one.
fn node_mut<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = doc;
    for step in path {
        node = match step {
            Step::Key(k) => node.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => node.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(node)
}

/// Sets the object field at `path` (its parent must exist); false when it
/// cannot.
fn put(doc: &mut Value, path: &[Step], value: Value) -> bool {
    let Some((Step::Key(last), parent)) = path.split_last() else {
        return false;
    };
    let Some(node) = node_mut(doc, parent) else {
        return false;
    };
    match node {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            true
        }
        _ => false,
    }
}

/// Removes the node at `path` from `doc`; false when there is none (or the
/// path is the whole document).
fn remove(doc: &mut Value, path: &[Step], removed: &mut BTreeMap<Vec<Step>, Vec<usize>>) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let Some(node) = node_mut(doc, parent) else {
        return false;
    };
    match (last, node) {
        (Step::Key(k), Value::Object(m)) => m.remove(k).is_some(),
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            let original = original_index(removed.get(parent), *i);
            let list = removed.entry(parent.to_vec()).or_default();
            list.push(original);
            list.sort_unstable();
            true
        }
        _ => false,
    }
}

/// The index the client wrote for element `now` of an array from which the
/// (original) indices in `gone` were removed.
fn original_index(gone: Option<&Vec<usize>>, now: usize) -> usize {
    let mut idx = now;
    for g in gone.into_iter().flatten() {
        if *g <= idx {
            idx += 1;
        }
    }
    idx
}

/// `path` with every array index mapped back to the client's numbering.
fn original(path: &[Step], removed: &BTreeMap<Vec<Step>, Vec<usize>>) -> Vec<Step> {
    let mut out = Vec::with_capacity(path.len());
    for (n, step) in path.iter().enumerate() {
        out.push(match step {
            Step::Index(i) => Step::Index(original_index(removed.get(&path[..n]), *i)),
            other => other.clone(),
        });
    }
    out
}

/// A path as the API names fields: `items[3].title` (`body` for the root).
pub fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { "body".into() } else { out }
}

/// serde's messages quote the offending value (`invalid type: string "..."`),
/// which could be a participant identifier: keep only the expectation.
pub fn scrub(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("invalid type: ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("wrong type, expected {expected}");
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("invalid value, expected {expected}");
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("unknown value, expected {expected}");
    }
    msg.to_string()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        name: String,
        n: Option<i64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        title: Option<String>,
        count: Option<i64>,
        #[serde(default)]
        items: Vec<Item>,
    }

    fn fields(c: &Collected<Doc>) -> Vec<(String, String)> {
        c.errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect()
    }

    #[test]
    fn every_error_is_found_with_the_clients_paths() {
        let c = collect::<Doc>(json!({
            "title": 5, "bogus": 1, "count": "x",
            "items": [{"name": "a"}, {"n": 2}, "str", {"name": "d", "extra": 1, "n": "y"}]
        }));
        let mut got: Vec<String> = fields(&c).into_iter().map(|(f, _)| f).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                "bogus",
                "count",
                "items[1].name",
                "items[2]",
                "items[3].extra",
                "items[3].n",
                "title",
            ]
        );
        assert!(
            fields(&c)
                .iter()
                .any(|(f, m)| f == "bogus" && m == "unknown field")
        );
        assert!(
            fields(&c)
                .iter()
                .any(|(f, m)| f == "items[1].name" && m == "required")
        );
        assert_eq!(c.renumbering.client_path("items[1].n"), "items[3].n");
        assert_eq!(c.renumbering.client_path("items[0]"), "items[0]");
        assert_eq!(c.renumbering.client_path("title"), "title");
        let v = c.value.expect("built from the well-formed parts");
        assert_eq!(v.items.len(), 2, "the first and the last item remain");
        assert_eq!(
            v.items[1],
            Item {
                name: "d".into(),
                n: None
            }
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Role {
        Admin,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only deserialised")]
    struct Strict {
        role: Role,
        code: String,
        name: String,
        count: i64,
        tags: Vec<String>,
        active: bool,
    }

    #[test]
    fn every_missing_field_of_a_strict_type_is_found() {
        let c = collect::<Strict>(json!({"name": 5, "extra": 1}));
        let mut got: Vec<(String, String)> = c
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        got.sort();
        let want: Vec<(String, String)> = [
            ("active", "required"),
            ("code", "required"),
            ("count", "required"),
            ("extra", "unknown field"),
            ("name", "wrong type, expected a string"),
            ("role", "required"),
            ("tags", "required"),
        ]
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(c.value.is_none(), "built on stand-ins: not returned");
    }

    #[test]
    fn a_clean_document_has_no_errors() {
        let c = collect::<Doc>(json!({"title": "t", "items": [{"name": "a"}]}));
        assert!(c.errors.is_empty());
        assert_eq!(c.value.unwrap().title.as_deref(), Some("t"));
    }
}
