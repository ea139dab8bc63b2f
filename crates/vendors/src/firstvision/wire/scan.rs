//! The L8V2 cash body (`ModifyAccountBalanceRequest`) read into its wire struct by one scan of
//! the strictly checked text, instead of serde's visitor and raw-value capture per field: it is
//! the body of the hot write. Whatever the scan does not expect (a key with an escape, a shape
//! serde would refuse) makes it step aside for serde, so both read every body alike; a property
//! test pins that.

use std::borrow::Cow;

use super::{ModifyAccountBalanceRequest, ModifyAccountBalanceTxData};
use crate::common::json::{Field, Object};

/// `text`, JSON that passed the strict check, as serde reads it into the wire struct; `None`
/// where the scan leaves the body to serde.
pub(crate) fn l8v2(text: &str) -> Option<ModifyAccountBalanceRequest<'_>> {
    let mut scan = Scan { text, at: 0 };
    let mut req = ModifyAccountBalanceRequest::default();
    scan.object(|scan, key| {
        match key {
            "asmOrganizationNumber" => req.asm_organization_number = scan.field()?,
            "representativeId" => req.representative_id = scan.field()?,
            "accountNumber" => req.account_number = scan.field()?,
            "foreignUse" => req.foreign_use = scan.field()?,
            "transactionData" => req.transaction_data = scan.transaction_data()?,
            // serde skips a key the struct does not name.
            _ => scan.value()?,
        }
        Some(())
    })?;
    scan.whitespace();
    (scan.at == text.len()).then_some(req)
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Eight `0x01` bytes.
const ONES: u64 = 0x0101_0101_0101_0101;

/// Where the first `"` or `\` is in `bytes`, looked for eight bytes at a time: the strings
/// are most of a body, and a byte-by-byte search cost more than the rest of the scan.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zero_byte(word ^ (ONES * u64::from(b'"')))
            | zero_byte(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            // The lowest flag is exact (a borrow only runs upwards from a true zero byte).
            return Some(offset + usize::try_from(found.trailing_zeros() / 8).ok()?);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&byte| byte == b'"' || byte == b'\\').map(|idx| offset + idx)
}

/// The high bit of each byte of `word` that is zero set (and, above the first, perhaps of
/// others).
fn zero_byte(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & (ONES << 7)
}

/// A position in checked JSON text.
struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Moves on while `keep` holds, to the end of the text at most.
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = self.text.as_bytes().get(self.at..).unwrap_or_default();
        self.at += rest.iter().position(|&byte| !keep(byte)).unwrap_or(rest.len());
    }

    fn whitespace(&mut self) {
        self.skip_while(is_whitespace);
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.whitespace();
        self.byte()
    }

    /// Consumes `byte` after whitespace, or gives up.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Walks an object's members, handing each key (with no escape in it) to `member`, which
    /// reads its value.
    fn object(
        &mut self,
        mut member: impl FnMut(&mut Scan<'a>, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let (key, escaped) = self.string()?;
            if escaped {
                return None;
            }
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The string starting here: its text between the quotes, and whether it has an escape.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            at += quote_or_backslash(bytes.get(at..)?)?;
            if bytes.get(at)? == &b'"' {
                break;
            }
            escaped = true;
            at += 2;
        }
        self.at = at + 1;
        Some((self.text.get(start..at)?, escaped))
    }

    /// Moves past the value starting here (after whitespace).
    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => self.nested(),
            _ => self.scalar().map(|_| ()),
        }
    }

    /// The number or literal starting here, as its text.
    fn scalar(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.skip_while(|byte| !matches!(byte, b',' | b'}' | b']') && !is_whitespace(byte));
        self.text.get(start..self.at)
    }

    /// Moves past the object or array starting here.
    fn nested(&mut self) -> Option<()> {
        let mut depth = 0_usize;
        loop {
            match self.byte()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.at += 1;
        }
    }

    /// An `Option<Field>` member's value, as its `Deserialize` reads it (`null` is `None`).
    fn field(&mut self) -> Option<Option<Field<'a>>> {
        let start = self.at;
        Some(Some(match self.peek()? {
            b'"' => match self.string()? {
                (text, false) => Field::String(Cow::Borrowed(text)),
                // Unescaped as the general path does it.
                (_, true) => Field::String(Cow::Owned(
                    serde_json::from_str(self.text.get(start..self.at)?.trim_start()).ok()?,
                )),
            },
            b'{' | b'[' => {
                let array = self.byte()? == b'[';
                self.nested()?;
                if array { Field::Array } else { Field::Object }
            }
            b'n' => {
                self.scalar()?;
                return Some(None);
            }
            b't' => self.scalar().map(|_| Field::Bool(true))?,
            b'f' => self.scalar().map(|_| Field::Bool(false))?,
            _ => Field::Number(self.scalar()?),
        }))
    }

    /// `transactionData`: an object or `null`; anything else serde refuses in its own words.
    fn transaction_data(&mut self) -> Option<Option<Object<ModifyAccountBalanceTxData<'a>>>> {
        match self.peek()? {
            b'n' => {
                self.scalar()?;
                Some(None)
            }
            b'{' => {
                let mut tx = ModifyAccountBalanceTxData::default();
                self.object(|scan, key| {
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
                    *slot = scan.field()?;
                    Some(())
                })?;
                Some(Some(Object(tx)))
            }
            _ => None,
        }
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

    proptest! {
        /// The word-at-a-time search finds what a byte-by-byte search finds.
        #[test]
        fn the_word_search_finds_the_first_quote_or_backslash(
            bytes in prop::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(0_u8), Just(0x80_u8), any::<u8>()],
                0..40,
            ),
            start in 0_usize..8,
        ) {
            let bytes = bytes.get(start..).unwrap_or_default();
            let expected = bytes.iter().position(|&byte| byte == b'"' || byte == b'\\');
            prop_assert_eq!(quote_or_backslash(bytes), expected);
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
