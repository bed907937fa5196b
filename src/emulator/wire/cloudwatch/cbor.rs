//! Smithy rpcv2Cbor bodies ↔ the value tree. Timestamps travel as CBOR tag 1 (epoch
//! seconds); floats are always written as 64-bit so nothing is rounded.

use super::Value;
use chrono::{DateTime, Utc};

/// Decodes a request body; an empty body is an empty structure.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    if body.is_empty() {
        return Ok(Value::Map(Vec::new()));
    }
    let raw: ciborium::Value = ciborium::from_reader(body)
        .map_err(|e| format!("the request body is not valid CBOR: {e}"))?;
    let v = from_cbor(raw, 0)?;
    match v {
        Value::Map(_) => Ok(v),
        _ => Err("the request body must be a CBOR map".into()),
    }
}

const MAX_DEPTH: usize = 64;

fn from_cbor(v: ciborium::Value, depth: usize) -> Result<Value, String> {
    use ciborium::Value as C;
    if depth > MAX_DEPTH {
        return Err("CBOR nesting is too deep".into());
    }
    Ok(match v {
        C::Null => Value::Null,
        C::Bool(b) => Value::Bool(b),
        C::Integer(i) => Value::Int(
            i64::try_from(i128::from(i)).map_err(|_| "CBOR integer out of range".to_string())?,
        ),
        C::Float(f) => Value::Float(f),
        C::Text(s) => Value::Str(s),
        C::Tag(1, inner) => {
            let t = from_cbor(*inner, depth + 1)?
                .as_time()
                .ok_or("CBOR tag 1 must hold epoch seconds")?;
            Value::Time(t)
        }
        C::Tag(_, inner) => from_cbor(*inner, depth + 1)?,
        C::Array(items) => Value::List(
            items
                .into_iter()
                .map(|i| from_cbor(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        C::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| match k {
                    C::Text(k) => Ok((k, from_cbor(v, depth + 1)?)),
                    _ => Err("CBOR map keys must be text".to_string()),
                })
                .collect::<Result<_, _>>()?,
        ),
        C::Bytes(_) => return Err("CBOR byte strings are not used by CloudWatch".into()),
        _ => return Err("unsupported CBOR item".into()),
    })
}

pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, v);
    out
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

fn float(out: &mut Vec<u8>, f: f64) {
    out.push(0xfb);
    out.extend(f.to_be_bytes());
}

fn epoch_seconds(t: &DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Int(i) if *i >= 0 => head(out, 0, *i as u64),
        Value::Int(i) => head(out, 1, (-1 - *i) as u64),
        Value::Float(f) => float(out, *f),
        Value::Str(s) => {
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        Value::Time(t) => {
            head(out, 6, 1);
            float(out, epoch_seconds(t));
        }
        Value::List(items) => {
            head(out, 4, items.len() as u64);
            items.iter().for_each(|i| write(out, i));
        }
        Value::Map(pairs) => {
            head(out, 5, pairs.len() as u64);
            for (k, v) in pairs {
                head(out, 3, k.len() as u64);
                out.extend(k.as_bytes());
                write(out, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_ciborium() {
        let t = DateTime::from_timestamp_millis(1_800_000_000_250).unwrap();
        let v = Value::map(vec![
            ("S", Value::str("x")),
            ("N", Value::Int(-300)),
            ("B", Value::Int(70_000)),
            ("F", Value::Float(0.1)),
            ("T", Value::Time(t)),
            ("L", Value::List(vec![Value::Bool(true), Value::Null])),
        ]);
        let back = decode(&encode(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn timestamps_carry_tag_1() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let bytes = encode(&Value::Time(t));
        assert_eq!(bytes[0], 0xc1);
        assert_eq!(bytes[1], 0xfb);
    }

    #[test]
    fn garbage_and_non_maps_are_malformed() {
        assert!(decode(&[0xff, 0x00, 0x13]).is_err());
        assert!(decode(&encode(&Value::Int(3))).is_err());
        assert_eq!(decode(&[]).unwrap(), Value::Map(vec![]));
    }
}
