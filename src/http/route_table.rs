//! The documented routes as a table: answers 405 with `Allow`, and lets
//! tests compare served routes with documented ones.

/// Path templates and their methods, used to answer 405 with `Allow` and to
/// compare served routes with documented ones.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from a document.
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let value = serde_json::to_value(&doc.paths).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(map) = value.as_object() {
            for (path, item) in map {
                let methods = item
                    .as_object()
                    .map(|m| {
                        m.keys()
                            .filter(|k| {
                                matches!(
                                    k.as_str(),
                                    "get"
                                        | "put"
                                        | "post"
                                        | "delete"
                                        | "patch"
                                        | "head"
                                        | "options"
                                )
                            })
                            .map(|k| k.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                routes.push((segments(path), methods));
            }
        }
        Self { routes }
    }

    /// Methods documented for a concrete request path (empty when no
    /// template matches). Only the most specific templates count:
    /// `/events/batch` is not `/events/{id}`.
    pub fn methods_for(&self, path: &str) -> Vec<String> {
        let want = segments(path);
        let is_param = |t: &String| t.starts_with('{') && t.ends_with('}');
        let matching: Vec<&(Vec<String>, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(tmpl, _)| {
                tmpl.len() == want.len()
                    && tmpl.iter().zip(&want).all(|(t, w)| is_param(t) || t == w)
            })
            .collect();
        let literals = |tmpl: &Vec<String>| tmpl.iter().filter(|t| !is_param(t)).count();
        let best = matching.iter().map(|(t, _)| literals(t)).max().unwrap_or(0);
        let mut out: Vec<String> = Vec::new();
        for (tmpl, methods) in matching {
            if literals(tmpl) == best {
                for m in methods {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
        }
        out
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
