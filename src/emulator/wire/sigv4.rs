//! The SigV4 credential scope: which Region and service a request was signed for.
//! Signatures are not verified; the twin trusts any key.

/// `Credential=AKID/20261127/us-west-2/rds/aws4_request` → Region and service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub region: String,
    pub service: String,
}

/// Reads the scope from an `Authorization` header value; None when absent or malformed.
pub fn scope(authorization: &str) -> Option<Scope> {
    let rest = authorization.strip_prefix("AWS4-HMAC-SHA256")?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut parts = credential.split('/');
    let _key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?;
    if parts.next()? != "aws4_request" || region.is_empty() || service.is_empty() {
        return None;
    }
    Some(Scope {
        region: region.to_string(),
        service: service.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_region_and_service() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-west-2/rds/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            scope(h),
            Some(Scope {
                region: "us-west-2".into(),
                service: "rds".into()
            })
        );
    }

    #[test]
    fn rejects_other_schemes_and_short_scopes() {
        assert_eq!(scope("Bearer xyz"), None);
        assert_eq!(
            scope("AWS4-HMAC-SHA256 Credential=AK/20261127/us-east-1, Signature=x"),
            None
        );
        assert_eq!(scope("AWS4-HMAC-SHA256 SignedHeaders=host"), None);
    }
}
