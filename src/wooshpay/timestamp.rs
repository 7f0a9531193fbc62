//! WooshPay timestamps: documented as seconds, sent as milliseconds in every real example.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Values below this are read as seconds: 10^12 ms is September 2001, 10^12 s is far in the future.
const SECONDS_THRESHOLD: i64 = 1_000_000_000_000;

/// A point in time as milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_provider_value(value: i64) -> Self {
        if value.abs() < SECONDS_THRESHOLD {
            Self(value.saturating_mul(1000))
        } else {
            Self(value)
        }
    }

    pub fn millis(self) -> i64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        let value = match Raw::deserialize(deserializer)? {
            Raw::Int(v) => v,
            // Some JSON encoders emit 1665553291000.0; anything fractional below a millisecond is noise.
            Raw::Float(v) if v.is_finite() => v as i64,
            Raw::Float(_) => {
                return Err(serde::de::Error::custom("timestamp is not a finite number"));
            }
            Raw::Text(s) => s.trim().parse::<i64>().map_err(|_| {
                serde::de::Error::custom(format!("timestamp {s:?} is not an integer"))
            })?,
        };
        Ok(Self::from_provider_value(value))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_and_seconds_both_parse_to_milliseconds() {
        let ms: Timestamp = serde_json::from_str("1665553291000").unwrap();
        let s: Timestamp = serde_json::from_str("1665553291").unwrap();
        assert_eq!(ms, Timestamp(1_665_553_291_000));
        assert_eq!(s, ms);
        let text: Timestamp = serde_json::from_str("\"1665639691214\"").unwrap();
        assert_eq!(text.millis(), 1_665_639_691_214);
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
    }
}
