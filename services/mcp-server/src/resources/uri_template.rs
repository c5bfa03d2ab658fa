//! URI templates (RFC 6570) for resource templates: parsing, and matching a concrete URI back
//! to its variables.
//!
//! Expansion libraries exist, but MCP needs the reverse (which template does `resources/read`'s
//! URI belong to, and with which values), so matching is done here for the operators resource
//! templates use: simple `{var}` (one path segment's worth: no `/`, `?`, `#`) and reserved
//! `{+var}` (anything). A template with several variables in one expression (`{a,b}`) or other
//! operators is refused when registered, not silently mismatched.

use std::collections::HashMap;

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable { name: String, reserved: bool },
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported URI template {template:?}: {reason}")]
pub struct TemplateError {
    template: String,
    reason: &'static str,
}

impl UriTemplate {
    /// Parses `template`, such as `test://template/{id}/data` or `file:///{+path}`.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let error = |reason| TemplateError {
            template: template.to_owned(),
            reason,
        };
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest.find('}').ok_or_else(|| error("unclosed {"))?;
                    let expression = &rest[1..end];
                    let (reserved, name) = match expression.strip_prefix('+') {
                        Some(name) => (true, name),
                        None => (false, expression),
                    };
                    let valid_name = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
                    if !valid_name {
                        return Err(error("only {name} and {+name} expressions are supported"));
                    }
                    if matches!(parts.last(), Some(Part::Variable { .. })) {
                        return Err(error("two variables must be separated by literal text"));
                    }
                    parts.push(Part::Variable {
                        name: name.to_owned(),
                        reserved,
                    });
                    rest = &rest[end + 1..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    if rest[..end].contains('}') {
                        return Err(error("unmatched }"));
                    }
                    parts.push(Part::Literal(rest[..end].to_owned()));
                    rest = &rest[end..];
                }
            }
        }
        Ok(Self {
            source: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables of `uri` if it is an expansion of this template (values percent-decoded),
    /// `None` otherwise. Variables match at least one character.
    pub fn match_uri(&self, uri: &str) -> Option<HashMap<String, String>> {
        let mut values = HashMap::new();
        self.match_from(0, uri, &mut values).then_some(values)
    }

    fn match_from(&self, index: usize, rest: &str, values: &mut HashMap<String, String>) -> bool {
        let Some(part) = self.parts.get(index) else {
            return rest.is_empty();
        };
        match part {
            Part::Literal(literal) => rest
                .strip_prefix(literal.as_str())
                .is_some_and(|rest| self.match_from(index + 1, rest, values)),
            Part::Variable { name, reserved } => {
                // The value ends where the next literal (or the URI) allows; try the longest first.
                let limit = if *reserved {
                    rest.len()
                } else {
                    rest.find(['/', '?', '#']).unwrap_or(rest.len())
                };
                for end in (1..=limit).rev().filter(|&end| rest.is_char_boundary(end)) {
                    if self.match_from(index + 1, &rest[end..], values) {
                        values.insert(name.clone(), percent_decode(&rest[..end]));
                        return true;
                    }
                }
                false
            }
        }
    }
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn simple_variables_match_one_segment() {
        let template = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(
            template.match_uri("test://template/123/data"),
            Some(vars(&[("id", "123")]))
        );
        assert_eq!(
            template.match_uri("test://template/a%20b/data"),
            Some(vars(&[("id", "a b")]))
        );
        assert_eq!(template.match_uri("test://template/1/2/data"), None);
        assert_eq!(template.match_uri("test://template//data"), None);
        assert_eq!(template.match_uri("test://template/123/data/more"), None);
        assert_eq!(template.variables().collect::<Vec<_>>(), ["id"]);
    }

    #[test]
    fn reserved_variables_span_segments() {
        let template = UriTemplate::parse("file:///{+path}").unwrap();
        assert_eq!(
            template.match_uri("file:///etc/hosts"),
            Some(vars(&[("path", "etc/hosts")]))
        );
        let two = UriTemplate::parse("db://{table}/rows/{+key}").unwrap();
        assert_eq!(
            two.match_uri("db://users/rows/a/b"),
            Some(vars(&[("table", "users"), ("key", "a/b")]))
        );
    }

    #[test]
    fn unsupported_templates_are_refused() {
        for template in [
            "x://{a,b}",
            "x://{?q}",
            "x://{a}{b}",
            "x://{",
            "x://}",
            "x://{}",
        ] {
            assert!(UriTemplate::parse(template).is_err(), "{template}");
        }
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%+1"), "%+1");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
    }

    proptest! {
        #[test]
        fn expansions_match_back(id in "[A-Za-z0-9_.~-]{1,12}", path in "[a-z0-9]{1,5}(/[a-z0-9]{1,5}){0,3}") {
            let template = UriTemplate::parse("test://items/{id}/files/{+path}").unwrap();
            let uri = format!("test://items/{id}/files/{path}");
            prop_assert_eq!(template.match_uri(&uri), Some(vars(&[("id", &id), ("path", &path)])));
        }

        #[test]
        fn arbitrary_input_never_panics(template in ".{0,24}", uri in ".{0,24}") {
            if let Ok(template) = UriTemplate::parse(&template) {
                let _ = template.match_uri(&uri);
            }
        }
    }
}
