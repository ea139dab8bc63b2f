//! Qolo's request bodies as sent: `LoginRequest`, `AdjustBalanceRequest` and its `Account`,
//! member by member, each an `Option<Field>` borrowed from the body so `parse` can name the
//! exact member that is missing or wrong. A member sent as `null` reads as `Some(Field::Null)`:
//! Qolo tells an absent member from a null one (`user_guid` may be absent but not null).
//!
//! `additionalProperties: false`: members of no field are collected by name (never read into
//! a value tree), so `parse` can refuse every one of them, as ASP.NET does.

use std::marker::PhantomData;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::common::json::Field;

/// `POST /api/v1/auth/login`: `login_id` and `api_key`, or Qolo's guide's `loginid` and
/// `apikey`. Other members are ignored.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginRequest<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) login_id: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) loginid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) api_key: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) apikey: Option<Field<'a>>,
}

/// `AdjustBalanceRequest` (the live reference's members).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AdjustBalanceRequest<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) client_reference_id: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) request_code: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) currency: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) description: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) memo_code: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) wire_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) card_proxy: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present_nested")]
    pub(crate) account: Option<Nested<'a, AccountRequest<'a>>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) user_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) source_code: Option<Field<'a>>,
    /// Members of no field, by name.
    #[serde(flatten)]
    pub(crate) unknown: Unknown,
}

impl<'a> AdjustBalanceRequest<'a> {
    /// Takes member `name` as serde's derive would: its field, `account` as a value that is
    /// not an object, or else by name among the unknown members. Answers the member's flag, one
    /// bit per field, or 0 for `account` and unknown members.
    pub(crate) fn set(&mut self, name: &str, value: Field<'a>) -> u64 {
        let (slot, flag) = match name {
            "client_reference_id" => (&mut self.client_reference_id, 1),
            "request_code" => (&mut self.request_code, 1 << 1),
            "amount" => (&mut self.amount, 1 << 2),
            "currency" => (&mut self.currency, 1 << 3),
            "description" => (&mut self.description, 1 << 4),
            "memo_code" => (&mut self.memo_code, 1 << 5),
            "account_guid" => (&mut self.account_guid, 1 << 6),
            "wire_date" => (&mut self.wire_date, 1 << 7),
            "card_proxy" => (&mut self.card_proxy, 1 << 8),
            "user_guid" => (&mut self.user_guid, 1 << 9),
            "source_code" => (&mut self.source_code, 1 << 10),
            "account" => {
                self.account = Some(Nested::Other(value));
                return 0;
            }
            _ => {
                self.unknown.0.push(name.to_string());
                return 0;
            }
        };
        *slot = Some(value);
        flag
    }
}

/// The `Account` object an AdjustBalance may carry: its members are type-checked, and only
/// `account_guid` is read.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountRequest<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) wallet_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_type: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_name: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_currency: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) available_balance: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) ledger_balance: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) suspense_balance: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) starting_balance_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) starting_balance_amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) last_credit_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) last_credit_amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) first_debit_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) first_debit_amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) last_debit_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) last_debit_amount: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_status: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) account_status_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) holder_account_status: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) holder_account_status_date: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) sys_utcinserted: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) sys_utcupdated: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) last_txn_guid: Option<Field<'a>>,
    #[serde(borrow, default, deserialize_with = "present")]
    pub(crate) interest_rate_strategy: Option<Field<'a>>,
    /// Members of no field, by name.
    #[serde(flatten)]
    pub(crate) unknown: Unknown,
}

/// A member that is there, `null` included.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Field<'de>>, D::Error> {
    Field::deserialize(deserializer).map(Some)
}

/// A nested member that is there, `null` included.
fn present_nested<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Nested<'de, T>>, D::Error> {
    Nested::deserialize(deserializer).map(Some)
}

/// A member declared as an object: the object read into `T`, or whatever else was sent in its
/// place (which Qolo refuses by name, rather than failing the whole body).
#[derive(Debug)]
pub(crate) enum Nested<'a, T> {
    /// An object, boxed: an `Account` has two dozen members, and inline it would make every
    /// AdjustBalance body struct, sent with one or not, several times larger to move around.
    Object(Box<T>),
    /// Anything else, `null` included.
    Other(Field<'a>),
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Nested<'a, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Nested<'a, T>, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if text.starts_with('{') {
            serde_json::from_str(text)
                .map(|object| Nested::Object(Box::new(object)))
                .map_err(serde::de::Error::custom)
        } else {
            serde_json::from_str(text).map(Nested::Other).map_err(serde::de::Error::custom)
        }
    }
}

/// The names of an object's members that no field of its struct takes, in the order sent.
#[derive(Debug, Default)]
pub(crate) struct Unknown(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for Unknown {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Unknown, D::Error> {
        struct Names(PhantomData<Unknown>);

        impl<'de> Visitor<'de> for Names {
            type Value = Unknown;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object's members")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unknown, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    names.push(name);
                }
                Ok(Unknown(names))
            }
        }

        deserializer.deserialize_map(Names(PhantomData))
    }
}
