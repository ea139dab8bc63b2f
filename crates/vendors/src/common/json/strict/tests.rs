//! The strict check against hand-picked bodies, serde_json's own verdicts, and generated JSON.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;

fn problem(body: &[u8]) -> JsonProblem {
    match check(body) {
        Err(problem) => problem,
        Ok(_) => panic!("accepted: {}", String::from_utf8_lossy(body)),
    }
}

#[test]
fn well_formed_bodies_pass() {
    for body in [
        &br#"{"amount": 1, "nested": {"amount": 2}, "list": [{"amount": 3}, {"amount": 4}]}"#[..],
        br#" {"a":-0.5e+10,"b":0,"c":[],"d":{},"e":"\u00e9\ud83d\ude00\n\"\\\/","f":null} "#,
        br#"{"a":true,"b":false,"A":1}"#,
        "{\"caf\u{e9}\": \"\u{1f600}\"}".as_bytes(),
        b"[1, 2, 3]",
        b"\"text\"",
        b"12",
        b"\t\r\n null \n",
    ] {
        assert!(check(body).is_ok(), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn a_key_twice_in_any_object_is_named() {
    let cases: [(&[u8], &str); 6] = [
        (br#"{"amount":1,"currency":"USD","amount":7777}"#, "amount"),
        (br#"{"a":{"b":[{"x":1,"x":2}]}}"#, "x"),
        (br#"[{"ok":1},{"dup":1,"dup":1}]"#, "dup"),
        (br#"{"amount":1,"\u0061mount":2}"#, "amount"),
        (br#"{"":1,"":2}"#, ""),
        (r#"{"caf\u00e9":1,"café":2}"#.as_bytes(), "café"),
    ];
    for (body, key) in cases {
        assert_eq!(problem(body), JsonProblem::DuplicateKey { key: key.into() });
    }
    // The same key in two different objects is not a repeat.
    assert!(check(br#"{"a":{"k":1},"b":{"k":1},"k":{"k":{"k":1}}}"#).is_ok());
}

#[test]
fn a_repeat_among_many_keys_is_found_and_the_message_is_short_ascii() {
    let mut body = String::from("{");
    for idx in 0..5_000 {
        body.push_str(&format!("\"key{idx}\":{idx},"));
    }
    body.push_str("\"key4321\":0}");
    assert_eq!(problem(body.as_bytes()), JsonProblem::DuplicateKey { key: "key4321".into() });

    let long = "é".repeat(100);
    let text = format!("{{\"{long}\":1,\"{long}\":2}}");
    let message = problem(text.as_bytes()).to_string();
    assert!(message.is_ascii(), "{message}");
    assert!(message.starts_with("duplicate key \"\\u{e9}"), "{message}");
    assert!(message.ends_with("...\""), "{message}");
    assert_eq!(
        JsonProblem::DuplicateKey { key: "amount".into() }.to_string(),
        "duplicate key \"amount\""
    );
}

#[test]
fn bytes_that_are_not_utf8_are_refused_wherever_they_are() {
    assert_eq!(problem(b"{\"unknown\":\"\xff\"}"), JsonProblem::NotUtf8 { at: 12 });
    assert_eq!(problem(b"{\"k\xc3\":1}"), JsonProblem::NotUtf8 { at: 3 });
    assert_eq!(problem(b"{\"a\":\"\xed\xa0\x80\"}"), JsonProblem::NotUtf8 { at: 6 });
    assert_eq!(problem(b"\xef\xbb\xbf{}"), JsonProblem::ByteOrderMark);
}

#[test]
fn every_unpaired_surrogate_escape_is_refused() {
    for body in [
        &br#"{"unknown":"\ud800"}"#[..],
        br#"{"unknown":"\udc00"}"#,
        br#"{"unknown":"\ud800x"}"#,
        br#"{"unknown":"\ud800\u0041"}"#,
        br#"{"unknown":"\ud800\ud800"}"#,
        br#"{"unknown":"\ud800\n"}"#,
        br#"{"\udfff":1}"#,
        br#"["\uDBFF"]"#,
    ] {
        assert!(
            matches!(problem(body), JsonProblem::LoneSurrogate { at } if at > 0),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(check(br#"["\uD834\uDD1E", "\udbff\udfff"]"#).is_ok());
}

#[test]
fn what_rfc_8259_does_not_allow_is_refused() {
    let cases: [(&[u8], &str); 22] = [
        (b"", "expected a value at byte 0"),
        (b"   ", "expected a value at byte 3"),
        (br#"{"a":1} {"b":2}"#, "trailing characters after the value at byte 8"),
        (br#"{"a":1}x"#, "trailing characters after the value at byte 7"),
        (br#"{"a":NaN}"#, "expected a value at byte 5"),
        (br#"{"a":Infinity}"#, "expected a value at byte 5"),
        (br#"{"a":-Infinity}"#, "expected a digit at byte 6"),
        (br#"{"a":01}"#, "expected no leading zero at byte 6"),
        (br#"{"a":1.}"#, "expected a digit at byte 7"),
        (br#"{"a":.5}"#, "expected a value at byte 5"),
        (br#"{"a":1e}"#, "expected a digit at byte 7"),
        (br#"{"a":+1}"#, "expected a value at byte 5"),
        (br#"{"a":1,}"#, "expected a string key at byte 7"),
        (br#"[1,]"#, "expected a value at byte 3"),
        (br#"{'a':1}"#, "expected a string key at byte 1"),
        (br#"{a:1}"#, "expected a string key at byte 1"),
        (br#"{"a" 1}"#, "expected ':' at byte 5"),
        (br#"{"a":tru}"#, "expected true at byte 5"),
        (br#"{"a":"x\q"}"#, "invalid escape at byte 7"),
        (br#"{"a":"\u12G4"}"#, "invalid escape at byte 6"),
        (b"{\"a\":\"tab\there\"}", "unescaped control character in a string at byte 9"),
        (br#"{"a":"open}"#, "expected a closing quote at byte 11"),
    ];
    for (body, message) in cases {
        let shown = String::from_utf8_lossy(body);
        assert_eq!(problem(body).to_string(), message, "{shown}");
        assert!(serde_json::from_slice::<Value>(body).is_err(), "serde agrees: {shown}");
    }
    assert!(matches!(problem(b"{\"a\":1 /* c */}"), JsonProblem::Syntax { .. }));
    assert!(matches!(problem(b"[1]]"), JsonProblem::TrailingCharacters { at: 3 }));
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let ok = nested(DEPTH_MAX);
    assert!(check(ok.as_bytes()).is_ok());
    assert!(serde_json::from_str::<Value>(&ok).is_ok());
    let deep = nested(DEPTH_MAX + 1);
    assert_eq!(check(deep.as_bytes()), Err(JsonProblem::TooDeep { at: DEPTH_MAX }));
    assert!(serde_json::from_str::<Value>(&deep).is_err());
    let objects = format!("{}1{}", "{\"a\":".repeat(DEPTH_MAX + 1), "}".repeat(DEPTH_MAX + 1));
    assert!(matches!(check(objects.as_bytes()), Err(JsonProblem::TooDeep { .. })));
    // A 64 KiB bomb is refused without exhausting the stack.
    let bomb = "[".repeat(64 * 1024);
    assert!(matches!(check(bomb.as_bytes()), Err(JsonProblem::TooDeep { .. })));
}

// ---------------------------------------------------------------------------------------------
// Generated

/// Any JSON value serde_json can write: every string (controls, quotes, non-BMP), exact and
/// float numbers, nesting a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "-?(0|[1-9][0-9]{0,29})\\.[0-9]{1,10}"
            .prop_map(|text| serde_json::from_str(&text).unwrap()),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A small value to sit beside an embedded text.
fn beside() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i32>().prop_map(Value::from),
        "[a-z\\\\\"é]{0,8}".prop_map(Value::String)
    ]
}

/// `text` placed `depth` levels down in arrays and objects beside other generated values.
fn embed(text: &str, wrappers: &[(bool, Value)]) -> String {
    wrappers.iter().fold(text.to_owned(), |inner, (in_object, beside)| {
        if *in_object {
            format!("{{\"beside\":{beside},\"inner\":{inner}}}")
        } else {
            format!("[{beside},{inner}]")
        }
    })
}

/// A lone surrogate escape in any of the ways serde's skipping paths let one through.
fn lone_surrogate() -> impl Strategy<Value = String> {
    let high = 0xD800_u16..=0xDBFF;
    let low = 0xDC00_u16..=0xDFFF;
    prop_oneof![
        high.clone().prop_map(|unit| format!("\\u{unit:04x}")),
        low.prop_map(|unit| format!("\\u{unit:04X}")),
        (high.clone(), high.clone())
            .prop_map(|(first, second)| format!("\\u{first:04x}\\u{second:04x}")),
        (high.clone(), 0_u16..0xD800)
            .prop_map(|(first, next)| format!("\\u{first:04x}\\u{next:04x}")),
        high.prop_map(|unit| format!("\\u{unit:04x}\\n")),
    ]
}

/// Bytes near JSON: valid texts with a few bytes replaced, inserted or removed, drawn from
/// JSON's own punctuation, escapes, digits and a few bytes that are not UTF-8.
fn near_json() -> impl Strategy<Value = Vec<u8>> {
    const ALPHABET: &[u8] =
        b"{}[]\":,\\/u0123456789abcdefABCDEF.-+eEtrulsn \t\n\r\x00\x1f\xc3\xa9\xff\xed\xa0\x80";
    let edit = (any::<prop::sample::Index>(), prop::sample::select(ALPHABET), 0..3_u8);
    (json_value(), prop::collection::vec(edit, 1..4)).prop_map(|(value, edits)| {
        let mut bytes = value.to_string().into_bytes();
        for (place, byte, kind) in edits {
            let idx = place.index(bytes.len() + 1);
            match kind {
                0 if idx < bytes.len() => bytes[idx] = byte,
                1 if idx < bytes.len() => {
                    bytes.remove(idx);
                }
                _ => bytes.insert(idx, byte),
            }
        }
        bytes
    })
}

/// The check and serde_json agree on `bytes`, but for repeated keys, which serde accepts.
fn agrees_with_serde(bytes: &[u8]) -> Result<(), TestCaseError> {
    let serde = serde_json::from_slice::<Value>(bytes);
    match check(bytes) {
        Ok(_) => prop_assert!(serde.is_ok(), "serde refuses what the check accepts: {serde:?}"),
        Err(JsonProblem::DuplicateKey { .. }) => {}
        Err(problem) => prop_assert!(serde.is_err(), "serde accepts what is {problem}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn what_serde_json_writes_passes(value in json_value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        prop_assert!(check(text.as_bytes()).is_ok());
    }

    #[test]
    fn a_key_written_twice_is_refused_at_any_depth(
        map in prop::collection::btree_map(any::<String>(), json_value(), 1..6),
        pick in any::<prop::sample::Index>(),
        again in json_value(),
        wrappers in prop::collection::vec((any::<bool>(), beside()), 0..4),
    ) {
        let object = Value::Object(map.clone().into_iter().collect());
        let key = map.keys().nth(pick.index(map.len())).unwrap().clone();
        let rest = object.to_string();
        let doubled = format!("{{{}:{again},{}", Value::String(key.clone()), &rest[1..]);
        let text = embed(&doubled, &wrappers);
        prop_assert_eq!(check(text.as_bytes()), Err(JsonProblem::DuplicateKey { key }));
        // serde_json keeps the last value: the reason this check exists.
        prop_assert!(serde_json::from_str::<Value>(&text).is_ok());
    }

    #[test]
    fn a_lone_surrogate_is_refused_in_a_key_or_a_value(
        value in json_value(),
        escape in lone_surrogate(),
        in_key in any::<bool>(),
        wrappers in prop::collection::vec((any::<bool>(), beside()), 0..4),
    ) {
        let bad = if in_key {
            format!("{{\"x{escape}y\":{value}}}")
        } else {
            format!("{{\"unknown\":\"x{escape}y\",\"other\":{value}}}")
        };
        let text = embed(&bad, &wrappers);
        let lone = matches!(check(text.as_bytes()), Err(JsonProblem::LoneSurrogate { .. }));
        prop_assert!(lone, "{text}");
        prop_assert!(serde_json::from_str::<Value>(&text).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree_with_serde(
        bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        agrees_with_serde(&bytes)?;
    }

    #[test]
    fn bytes_near_json_agree_with_serde(bytes in near_json()) {
        agrees_with_serde(&bytes)?;
    }
}

/// The repeated key an object of `keys` is refused for, found the slow, obvious way: in a small
/// object the first key written again later, in a large one the least repeated key.
fn repeated_key(keys: &[String]) -> Option<String> {
    let repeated = |idx: usize| keys[idx + 1..].contains(&keys[idx]);
    if keys.len() <= KEYS_PAIRWISE_MAX {
        return (0..keys.len()).find(|&idx| repeated(idx)).map(|idx| keys[idx].clone());
    }
    (0..keys.len()).filter(|&idx| repeated(idx)).map(|idx| keys[idx].clone()).min()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Keys alike in length and in their first and last bytes (some differ only in the
    /// middle), so a search that compares less than every byte would be caught.
    #[test]
    fn the_repeated_key_named_is_the_one_a_plain_search_finds(
        keys in prop::collection::vec("[ab]{0,3}|[ab]{7,9}|x[ab]{8,12}y|pppppppp[ab]{1,3}qqqqqqqq", 0..40),
    ) {
        let members: Vec<String> =
            keys.iter().enumerate().map(|(idx, key)| format!("\"{key}\":{idx}")).collect();
        let text = format!("{{{}}}", members.join(","));
        let named = match check(text.as_bytes()) {
            Ok(_) => None,
            Err(JsonProblem::DuplicateKey { key }) => Some(key),
            Err(other) => return Err(TestCaseError::fail(format!("{other} in {text}"))),
        };
        prop_assert_eq!(named, repeated_key(&keys), "{}", text);
    }
}
