//! `{{param}}` templates, resolved at plan time.

use std::collections::BTreeMap;

/// Why a template could not be rendered; `offset` is the byte offset in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
    /// The parameter name that had no value, when that was the problem.
    pub missing: Option<String>,
}

/// Parameter names a value refers to, in order (for validation of unused/undefined).
pub fn references(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// Replaces every `{{name}}` with its value. Unknown names and unclosed braces are errors.
pub fn render(value: &str, params: &BTreeMap<String, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(value.len());
    let mut pos = 0;
    while let Some(rel) = value[pos..].find("{{") {
        let start = pos + rel;
        out.push_str(&value[pos..start]);
        let body_start = start + 2;
        let Some(end_rel) = value[body_start..].find("}}") else {
            return Err(TemplateError {
                offset: start,
                message: "unclosed `{{` in template".into(),
                missing: None,
            });
        };
        let name = value[body_start..body_start + end_rel].trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(TemplateError {
                offset: start,
                message: format!("`{{{{{name}}}}}` is not a parameter name"),
                missing: None,
            });
        }
        match params.get(name) {
            Some(v) => out.push_str(v),
            None => {
                return Err(TemplateError {
                    offset: start,
                    message: format!("parameter `{name}` is not defined in `parameters:`"),
                    missing: Some(name.to_string()),
                });
            }
        }
        pos = body_start + end_rel + 2;
    }
    out.push_str(&value[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("to".into(), "us-west-2".into()),
            ("from".into(), "us-east-1".into()),
        ])
    }

    #[test]
    fn renders_and_rejects() {
        assert_eq!(
            render("cell-{{ from }}", &p()).as_deref(),
            Ok("cell-us-east-1")
        );
        assert_eq!(
            render("{{to}}/{{from}}", &p()).as_deref(),
            Ok("us-west-2/us-east-1")
        );
        assert_eq!(render("plain", &p()).as_deref(), Ok("plain"));
        let e = render("x {{nope}}", &p()).unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("nope"));
        assert!(render("{{to", &p()).is_err());
        assert!(render("{{a b}}", &p()).is_err());
        assert_eq!(references("{{a}}-{{ b }}"), vec!["a", "b"]);
    }
}
