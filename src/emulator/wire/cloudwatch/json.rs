//! awsJson1_0 bodies ↔ the value tree. Timestamps are epoch seconds, as botocore sends
//! and expects them.

use super::Value;

pub fn decode(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Map(Vec::new()));
    }
    let raw: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("the request body is not valid JSON: {e}"))?;
    if !raw.is_object() {
        return Err("the request body must be a JSON object".into());
    }
    Ok(from_json(raw))
}

fn from_json(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::Str(s),
        J::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        J::Object(map) => Value::Map(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

pub fn encode(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        // JSON has no NaN or infinity; CloudWatch never returns them.
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.clone()),
        Value::Time(t) => serde_json::Number::from_f64(t.timestamp_millis() as f64 / 1000.0)
            .map_or(J::Null, J::Number),
        Value::List(items) => J::Array(items.iter().map(encode).collect()),
        Value::Map(pairs) => J::Object(pairs.iter().map(|(k, v)| (k.clone(), encode(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn times_become_epoch_seconds() {
        let t = DateTime::from_timestamp_millis(1_800_000_000_500).unwrap();
        assert_eq!(encode(&Value::Time(t)), serde_json::json!(1_800_000_000.5));
    }

    #[test]
    fn decodes_objects_only() {
        let v = decode(br#"{"A": [1, 2.5, "x"]}"#).unwrap();
        assert_eq!(
            v.get("A"),
            Some(&Value::List(vec![
                Value::Int(1),
                Value::Float(2.5),
                Value::str("x")
            ]))
        );
        assert!(decode(b"[1]").is_err());
        assert!(decode(b"{nope").is_err());
    }
}
