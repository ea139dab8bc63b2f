//! The L8V2 cash body (`ModifyAccountBalanceRequest`) read into its wire struct by one scan,
//! instead of serde's visitor and raw-value capture per field: it is the body of the hot write.
//! A common body is read by one walk of the unchecked bytes that is as strict as the check;
//! failing that, the checked text is scanned; whatever the scan does not expect (a key with an
//! escape, a shape serde would refuse) makes it step aside for serde, so all read every body
//! alike; property tests pin both.

use super::{ModifyAccountBalanceRequest, ModifyAccountBalanceTxData};
use crate::common::json::scan::Scan;
use crate::common::json::{Field, Object};

/// `text`, JSON that passed the strict check, as serde reads it into the wire struct; `None`
/// where the scan leaves the body to serde.
pub(crate) fn l8v2(text: &str) -> Option<ModifyAccountBalanceRequest<'_>> {
    read(Scan::new(text))
}

/// `body`, not checked yet, as the strict check and serde read it into the wire struct when
/// one walk can prove it strict JSON (no escape, no member the struct does not name, none
/// twice); `None` otherwise, and the body takes the checked path.
pub(crate) fn l8v2_unchecked(body: &[u8]) -> Option<ModifyAccountBalanceRequest<'_>> {
    read(Scan::unchecked(body)?)
}

fn read(mut scan: Scan<'_>) -> Option<ModifyAccountBalanceRequest<'_>> {
    let mut req = ModifyAccountBalanceRequest::default();
    scan.members(|scan, key| {
        let flag = match key {
            "asmOrganizationNumber" => {
                req.asm_organization_number = member(scan)?;
                1
            }
            "representativeId" => {
                req.representative_id = member(scan)?;
                1 << 1
            }
            "accountNumber" => {
                req.account_number = member(scan)?;
                1 << 2
            }
            "foreignUse" => {
                req.foreign_use = member(scan)?;
                1 << 3
            }
            "transactionData" => {
                req.transaction_data = transaction_data(scan)?;
                1 << 4
            }
            // serde skips a key the struct does not name.
            _ => {
                scan.value()?;
                0
            }
        };
        Some(flag)
    })?;
    scan.finished().then_some(req)
}

/// An `Option<Field>` member's value, as its `Deserialize` reads it (`null` is `None`).
fn member<'a>(scan: &mut Scan<'a>) -> Option<Option<Field<'a>>> {
    Some(Some(scan.field()?).filter(|field| *field != Field::Null))
}

/// `transactionData`: an object or `null`; anything else serde refuses in its own words.
fn transaction_data<'a>(
    scan: &mut Scan<'a>,
) -> Option<Option<Object<ModifyAccountBalanceTxData<'a>>>> {
    match scan.peek()? {
        b'n' => (scan.scalar()? == "null").then_some(None),
        b'{' => {
            let mut tx = ModifyAccountBalanceTxData::default();
            scan.members(|scan, key| {
                let (slot, flag) = match key {
                    "cardNumber" => (&mut tx.card_number, 1),
                    "cardSequence" => (&mut tx.card_sequence, 1 << 1),
                    "actionCode" => (&mut tx.action_code, 1 << 2),
                    "effectiveDate" => (&mut tx.effective_date, 1 << 3),
                    "transactionAmount" => (&mut tx.transaction_amount, 1 << 4),
                    "planNumber" => (&mut tx.plan_number, 1 << 5),
                    "planSequence" => (&mut tx.plan_sequence, 1 << 6),
                    "storeNumber" => (&mut tx.store_number, 1 << 7),
                    "authorizationCode" => (&mut tx.authorization_code, 1 << 8),
                    "referenceNumber" => (&mut tx.reference_number, 1 << 9),
                    "resolutionReferenceNumber" => (&mut tx.resolution_reference_number, 1 << 10),
                    "otbUpdateIndicator" => (&mut tx.otb_update_indicator, 1 << 11),
                    "description" => (&mut tx.description, 1 << 12),
                    "departmentCode" => (&mut tx.department_code, 1 << 13),
                    _ => {
                        scan.value()?;
                        return Some(0);
                    }
                };
                *slot = member(scan)?;
                Some(flag)
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
    use crate::common::json::scan::testing;

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

    fn object(
        keys: &'static [&'static str],
        inner: Option<String>,
    ) -> impl Strategy<Value = String> {
        (
            prop::sample::subsequence(keys, 0..=keys.len()).prop_shuffle(),
            prop::collection::vec((value(), space()), keys.len()),
        )
            .prop_map(move |(keys, values)| {
                let mut members: Vec<String> = keys
                    .iter()
                    .zip(values)
                    .map(|(key, (value, space))| {
                        format!("{space}\"{key}\"{space}:{space}{value}{space}")
                    })
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

    /// An object of `count` members, keys drawn from `keys` (so some twice), values of any shape,
    /// `inner` as `transactionData` when given.
    fn members(
        keys: &'static [&'static str],
        inner: Option<String>,
    ) -> impl Strategy<Value = String> {
        prop::collection::vec(
            (prop::sample::select(keys), testing::value(), space()),
            0..keys.len(),
        )
        .prop_map(move |members| {
            let mut members: Vec<String> = members
                .into_iter()
                .map(|(key, value, space)| format!("{space}\"{key}\":{space}{value}"))
                .collect();
            if let Some(inner) = &inner {
                members.push(format!("\"transactionData\" : {inner}"));
            }
            format!("{{{}}}", members.join(","))
        })
    }

    /// Bodies as a client writes them (mostly the struct's own members, some twice), then
    /// edited byte by byte.
    fn written_body() -> impl Strategy<Value = (String, Vec<testing::Edit>)> {
        let tx = prop_oneof![
            4 => members(&TX_KEYS[..14], None).prop_map(Some),
            1 => members(&TX_KEYS, None).prop_map(Some),
            1 => Just(Some("null".to_string())),
            1 => Just(None),
        ];
        let top = (tx, any::<bool>())
            .prop_flat_map(|(tx, all)| members(if all { &TOP_KEYS } else { &TOP_KEYS[..4] }, tx));
        (top, testing::edits())
    }

    proptest! {
        /// The unchecked walk reads a body only when the strict check passes it and serde reads
        /// it the same: any other body (repeated keys, bad escapes, invalid UTF-8, trailing
        /// commas, deep nesting, numbers of every shape...) is left to the checked path, which
        /// refuses or reads it as it always did.
        #[test]
        fn the_unchecked_walk_reads_only_what_the_check_and_serde_read_alike(
            (body, edits) in written_body(),
        ) {
            let bytes = testing::edited(&body, &edits);
            let checked = crate::common::json::check(&bytes);
            if let Some(walked) = l8v2_unchecked(&bytes) {
                let text = checked.map_err(|problem| {
                    TestCaseError::fail(format!("walked a body the check refuses ({problem}): {body:?} {edits:?}"))
                })?;
                let serde = serde_json::from_str::<ModifyAccountBalanceRequest<'_>>(text);
                prop_assert_eq!(Some(walked), serde.ok(), "{:?}", String::from_utf8_lossy(&bytes));
            }
        }

        /// A body of the struct's own members, each once, with plain values, is read by the
        /// unchecked walk (the fast path is the common one).
        #[test]
        fn a_plain_body_takes_the_unchecked_walk(
            top in prop::sample::subsequence(&TOP_KEYS[..4], 0..=4).prop_shuffle(),
            tx in prop::sample::subsequence(&TX_KEYS[..14], 0..=14).prop_shuffle(),
            text in "[a-zA-Z0-9 é]{0,8}",
            number in "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
        ) {
            let value = |idx: usize| match idx % 4 {
                0 => format!("\"{text}\""),
                1 => number.clone(),
                2 => "null".to_string(),
                _ => "true".to_string(),
            };
            let object = |keys: &[&str]| keys.iter().enumerate()
                .map(|(idx, key)| format!("\"{key}\": {}", value(idx)))
                .collect::<Vec<_>>();
            let mut members = object(&top);
            members.push(format!("\"transactionData\": {{{}}}", object(&tx).join(", ")));
            let body = format!(" {{{}}}\n", members.join(", "));
            let walked = l8v2_unchecked(body.as_bytes());
            prop_assert!(walked.is_some(), "{}", body);
            prop_assert_eq!(walked, serde_json::from_str(&body).ok());
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
        assert_eq!(l8v2_unchecked(body.as_bytes()).as_ref(), Some(&scanned));
        assert_eq!(
            scanned.transaction_data.unwrap().transaction_amount,
            Some(Field::Number("1.00"))
        );
    }
}
