//! A protocol-neutral value tree: CloudWatch handlers read and write this, and the CBOR
//! and JSON codecs translate it, so one set of handlers serves both protocols.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// CBOR tag 1 / JSON epoch seconds.
    Time(DateTime<Utc>),
    List(Vec<Value>),
    /// Keys in insertion order.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn map(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| **v != Value::Null),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// A timestamp: tagged time, epoch seconds (number), or RFC 3339 text.
    pub fn as_time(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::Time(t) => Some(*t),
            Value::Int(i) => DateTime::from_timestamp(*i, 0),
            Value::Float(f) if f.is_finite() => {
                DateTime::from_timestamp_millis((f * 1000.0).round() as i64)
            }
            Value::Str(s) => DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_from_every_spelling() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(Value::Int(1_800_000_000).as_time(), Some(t));
        assert_eq!(Value::Float(1_800_000_000.0).as_time(), Some(t));
        assert_eq!(Value::str("2027-01-15T08:00:00Z").as_time(), Some(t));
        assert_eq!(Value::Bool(true).as_time(), None);
    }

    #[test]
    fn null_members_are_absent() {
        let v = Value::map(vec![("A", Value::Null), ("B", Value::Int(1))]);
        assert_eq!(v.get("A"), None);
        assert_eq!(v.get("B"), Some(&Value::Int(1)));
    }
}
