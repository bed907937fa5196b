//! awsQuery parameters: `Action=X&Version=Y&Name.member.1=…`, from the URI and the
//! form-encoded body.

/// Decoded parameters, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses the URI query and a form body. Malformed: not UTF-8, or a `%` not followed
    /// by two hex digits.
    pub fn parse(uri_query: &str, body: &[u8]) -> Result<Params, String> {
        let body = std::str::from_utf8(body)
            .map_err(|_| "the request body is not UTF-8 form data".to_string())?;
        let mut pairs = Vec::new();
        for text in [uri_query, body] {
            check_escapes(text)?;
            pairs.extend(
                form_urlencoded::parse(text.trim().as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
        Ok(Params { pairs })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The values of an awsQuery list, `Prefix.member.1`, `Prefix.member.2` …, in
    /// index order.
    pub fn members(&self, prefix: &str) -> Vec<&str> {
        let head = format!("{prefix}.member.");
        let mut found: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(&head)?.parse().ok()?;
                Some((n, v.as_str()))
            })
            .collect();
        found.sort_by_key(|(n, _)| *n);
        found.into_iter().map(|(_, v)| v).collect()
    }

    /// A required parameter, or the awsQuery error for its absence.
    pub fn required(&self, key: &str) -> Result<&str, super::ApiError> {
        self.get(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            super::ApiError::new(
                400,
                "MissingParameter",
                format!("The request must contain the parameter {key}"),
            )
        })
    }

    /// An optional boolean (`true` / `false`); anything else is InvalidParameterValue.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, super::ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(super::ApiError::new(
                400,
                "InvalidParameterValue",
                format!("Value {v} for parameter {key} is invalid: expected true or false"),
            )),
        }
    }
}

fn check_escapes(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(format!("malformed percent-escape at byte {i}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_uri_and_body_parameters() {
        let p = Params::parse(
            "Action=DescribeGlobalClusters",
            b"Version=2014-10-31&A=x%2Fy+z",
        )
        .unwrap();
        assert_eq!(p.get("Action"), Some("DescribeGlobalClusters"));
        assert_eq!(p.get("A"), Some("x/y z"));
        assert_eq!(p.get("B"), None);
    }

    #[test]
    fn rejects_broken_escapes_and_binary() {
        assert!(Params::parse("", b"Action=%zz").is_err());
        assert!(Params::parse("", b"Action=%4").is_err());
        assert!(Params::parse("", &[0xff, 0xfe]).is_err());
    }

    #[test]
    fn members_come_in_index_order() {
        let p = Params::parse("", b"N.member.2=b&N.member.10=c&N.member.1=a&M.member.1=x").unwrap();
        assert_eq!(p.members("N"), ["a", "b", "c"]);
        assert!(p.members("Z").is_empty());
    }

    #[test]
    fn booleans_are_strict() {
        let p = Params::parse("", b"A=true&B=FALSE&C=yes").unwrap();
        assert_eq!(p.bool("A"), Ok(Some(true)));
        assert_eq!(p.bool("B"), Ok(Some(false)));
        assert_eq!(p.bool("D"), Ok(None));
        assert_eq!(p.bool("C").unwrap_err().code, "InvalidParameterValue");
    }
}
