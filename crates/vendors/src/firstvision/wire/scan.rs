//! The L8V2 cash body (`ModifyAccountBalanceRequest`) read into its wire struct by one scan of
//! the strictly checked text, instead of serde's visitor and raw-value capture per field: it is
//! the body of the hot write. Whatever the scan does not expect (a key with an escape, a shape
//! serde would refuse) makes it step aside for serde, so both read every body alike; a property
//! test pins that.

use super::{ModifyAccountBalanceRequest, ModifyAccountBalanceTxData};
use crate::common::json::scan::Scan;
use crate::common::json::{Field, Object};

/// `text`, JSON that passed the strict check, as serde reads it into the wire struct; `None`
/// where the scan leaves the body to serde.
pub(crate) fn l8v2(text: &str) -> Option<ModifyAccountBalanceRequest<'_>> {
    let mut scan = Scan::new(text);
    let mut req = ModifyAccountBalanceRequest::default();
    scan.object(|scan, key| {
        match key {
            "asmOrganizationNumber" => req.asm_organization_number = member(scan)?,
            "representativeId" => req.representative_id = member(scan)?,
            "accountNumber" => req.account_number = member(scan)?,
            "foreignUse" => req.foreign_use = member(scan)?,
            "transactionData" => req.transaction_data = transaction_data(scan)?,
            // serde skips a key the struct does not name.
            _ => scan.value()?,
        }
        Some(())
    })?;
    scan.finished().then_some(req)
}

/// An `Option<Field>` member's value, as its `Deserialize` reads it (`null` is `None`).
fn member<'a>(scan: &mut Scan<'a>) -> Option<Option<Field<'a>>> {
    Some(Some(scan.field()?).filter(|field| *field != Field::Null))
}

/// `transactionData`: an object or `null`; anything else serde refuses in its own words.
fn transaction_data<'a>(scan: &mut Scan<'a>) -> Option<Option<Object<ModifyAccountBalanceTxData<'a>>>> {
    match scan.peek()? {
        b'n' => {
            scan.scalar()?;
            Some(None)
        }
        b'{' => {
            let mut tx = ModifyAccountBalanceTxData::default();
            scan.object(|scan, key| {
                let slot = match key {
                    "cardNumber" => &mut tx.card_number,
                    "cardSequence" => &mut tx.card_sequence,
                    "actionCode" => &mut tx.action_code,
                    "effectiveDate" => &mut tx.effective_date,
                    "transactionAmount" => &mut tx.transaction_amount,
                    "planNumber" => &mut tx.plan_number,
                    "planSequence" => &mut tx.plan_sequence,
                    "storeNumber" => &mut tx.store_number,
                    "authorizationCode" => &mut tx.authorization_code,
                    "referenceNumber" => &mut tx.reference_number,
                    "resolutionReferenceNumber" => &mut tx.resolution_reference_number,
                    "otbUpdateIndicator" => &mut tx.otb_update_indicator,
                    "description" => &mut tx.description,
                    "departmentCode" => &mut tx.department_code,
                    _ => {
                        scan.value()?;
                        return Some(());
                    }
                };
                *slot = member(scan)?;
                Some(())
            })?;
            Some(Some(Object(tx)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const TOP_KEYS: [&str; 6] =
        ["asmOrganizationNumber", "representativeId", "accountNumber", "foreignUse", "other", "{x"];
    const TX_KEYS: [&str; 16] = [
        "cardNumber",
        "cardSequence",
        "actionCode",
        "effectiveDate",
        "transactionAmount",
        "planNumber",
        "planSequence",
        "storeNumber",
        "authorizationCode",
        "referenceNumber",
        "resolutionReferenceNumber",
        "otbUpdateIndicator",
        "description",
        "departmentCode",
        "unknown",
        "plan\\u004eumber",
    ];

    /// A JSON value of any type, with the escapes, brackets in strings and nesting a scan can
    /// trip on.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 ,:{}\\[\\]]{0,12}".prop_map(|text| format!("\"{text}\"")),
            Just(r#""a\"b\\c\n\u00e9\ud83d\ude00""#.to_string()),
            Just(r#""\\""#.to_string()),
            "-?[0-9]{1,6}(\\.[0-9]{1,3})?([eE][+-]?[0-9])?",
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
            Just(r#"[1, "x]\"", {"a": [{}]}]"#.to_string()),
            Just(r#"{"b": {"c": "}"}, "d": []}"#.to_string()),
        ]
    }

    fn space() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", "\n\t ", "\r\n"])
    }

    fn object(keys: &'static [&'static str], inner: Option<String>) -> impl Strategy<Value = String> {
        (prop::sample::subsequence(keys, 0..=keys.len()).prop_shuffle(), prop::collection::vec((value(), space()), keys.len()))
            .prop_map(move |(keys, values)| {
                let mut members: Vec<String> = keys
                    .iter()
                    .zip(values)
                    .map(|(key, (value, space))| format!("{space}\"{key}\"{space}:{space}{value}{space}"))
                    .collect();
                if let Some(inner) = &inner {
                    members.push(format!("\"transactionData\":{inner}"));
                }
                format!("{{{}}}", members.join(","))
            })
    }

    fn body() -> impl Strategy<Value = String> {
        let tx = prop_oneof![
            object(&TX_KEYS, None).prop_map(Some),
            Just(Some("null".to_string())),
            Just(Some("[]".to_string())),
            Just(Some("\"x\"".to_string())),
            Just(None),
        ];
        (tx, space()).prop_flat_map(|(tx, space)| {
            object(&TOP_KEYS, tx).prop_map(move |body| format!("{space}{body}{space}"))
        })
    }

    proptest! {
        /// The scan reads every body it accepts exactly as serde does, and gives up only where
        /// serde refuses the body or a key has an escape in it.
        #[test]
        fn the_scan_reads_what_serde_reads(body in body()) {
            prop_assume!(crate::common::json::check(body.as_bytes()).is_ok());
            let serde = serde_json::from_str::<ModifyAccountBalanceRequest<'_>>(&body);
            match l8v2(&body) {
                Some(scanned) => prop_assert_eq!(Some(scanned), serde.ok()),
                None => prop_assert!(
                    serde.is_err() || body.contains("\\u004e"),
                    "the scan gave up on {body}"
                ),
            }
        }
    }

    #[test]
    fn the_bench_body_is_scanned() {
        let body = r#"{"asmOrganizationNumber": 970, "accountNumber": "9704010000000001467",
            "representativeId": "A", "transactionData": {"actionCode": "FUND",
            "cardNumber": "0000001234567890123", "cardSequence": 1, "description": "CASH_IN",
            "effectiveDate": "2021-11-20", "otbUpdateIndicator": 0, "planNumber": 1,
            "planSequence": 1, "referenceNumber": "100000000001", "resolutionReferenceNumber": 1,
            "storeNumber": 1, "transactionAmount": 1.00}}"#;
        let scanned = l8v2(body).unwrap();
        assert_eq!(scanned, serde_json::from_str(body).unwrap());
        assert_eq!(scanned.transaction_data.unwrap().transaction_amount, Some(Field::Number("1.00")));
    }
}
