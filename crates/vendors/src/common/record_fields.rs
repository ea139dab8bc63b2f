//! How the fields of vendor records ([`super::persist`]) are written: values the ledger and
//! `uuid` types keep (ids, decimals, currencies, instants) as JSON text or numbers a user can
//! read in the store, without deriving serde on ledger types (an architecture invariant).
//!
//! Used as `#[serde(with = "crate::common::record_fields::text")]` on a field.

/// A field written with its `Display` and read back with its `FromStr`: account ids, exact
/// decimals (`"1250.50"`, never a float), currency codes. Writing allocates nothing, so a
/// record built on a hot path costs nothing until the recorder encodes it.
pub mod text {
    use std::borrow::Cow;
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Writes `value` as a JSON string.
    pub fn serialize<T: Display, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a JSON string back; a string that does not parse is an error naming it.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(|err| D::Error::custom(format!("{text:?}: {err}")))
    }
}

/// A [`ledger::Timestamp`] as its microseconds since the Unix epoch (a JSON integer).
pub mod micros {
    use ledger::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the instant's microseconds.
    pub fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(at.as_unix_micros())
    }

    /// Reads microseconds back.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        i64::deserialize(deserializer).map(Timestamp::from_unix_micros)
    }
}

#[cfg(test)]
mod tests {
    use ledger::{AccountId, Currency, Timestamp};
    use rust_decimal::Decimal;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fields {
        #[serde(with = "super::text")]
        id: uuid::Uuid,
        #[serde(with = "super::text")]
        amount: Decimal,
        #[serde(with = "super::text")]
        currency: Currency,
        #[serde(with = "super::micros")]
        at: Timestamp,
    }

    #[test]
    fn fields_round_trip_exactly_and_bad_text_is_an_error() {
        let fields = Fields {
            id: AccountId(uuid::Uuid::from_u128(7)).0,
            amount: ledger::parse_decimal("1250.50").unwrap(),
            currency: Currency::from_code("MXN").unwrap(),
            at: Timestamp::from_unix_micros(1_767_225_600_000_001),
        };
        let text = serde_json::to_string(&fields).unwrap();
        assert_eq!(
            text,
            r#"{"id":"00000000-0000-0000-0000-000000000007","amount":"1250.50","currency":"MXN","at":1767225600000001}"#
        );
        assert_eq!(serde_json::from_str::<Fields>(&text).unwrap(), fields);
        let bad = text.replace("1250.50", "12x");
        assert!(serde_json::from_str::<Fields>(&bad).unwrap_err().to_string().contains("12x"));
    }
}
