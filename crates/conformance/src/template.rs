//! `{{variables}}` in requests and expectations, and exact decimal arithmetic for assertions
//! such as "new balance = previous balance + amount".

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

/// Variables by dotted name: `token`, `accounts.main.account_id`, `credentials.key`.
pub type Vars = BTreeMap<String, Value>;

/// Adds every leaf of `value` under `prefix` (`accounts.main` + `{"id": …}` → `accounts.main.id`).
pub fn flatten_into(vars: &mut Vars, prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten_into(vars, &format!("{prefix}.{key}"), inner);
            }
        }
        other => {
            vars.insert(prefix.to_string(), other.clone());
        }
    }
}

fn lookup(vars: &Vars, name: &str) -> Result<Value, String> {
    // `{{basic user password}}`: an HTTP Basic credential from two variables.
    if let Some(args) = name.strip_prefix("basic ") {
        use base64::Engine;
        let parts: Vec<&str> = args.split_whitespace().collect();
        let [user, password] = parts.as_slice() else {
            return Err(format!("{{{{basic …}}}} takes two variables, got {args:?}"));
        };
        let pair =
            format!("{}:{}", as_text(&lookup(vars, user)?), as_text(&lookup(vars, password)?));
        return Ok(Value::String(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )));
    }
    match name {
        "uuid" => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
        "uuid_simple" => Ok(Value::String(uuid::Uuid::new_v4().simple().to_string())),
        _ => vars.get(name).cloned().ok_or_else(|| format!("unknown variable {{{{{name}}}}}")),
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Replaces every `{{name}}` in `text`.
pub fn render_str(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| format!("unclosed {{{{ in {text:?}"))?;
        out.push_str(&as_text(&lookup(vars, after[..end].trim())?));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders every string in a JSON value. A string that is exactly one `{{name}}` takes the
/// variable's JSON value, so numbers stay numbers.
pub fn render_value(value: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => {
            let trimmed = text.trim();
            let single = trimmed.starts_with("{{")
                && trimmed.ends_with("}}")
                && trimmed.matches("{{").count() == 1;
            if single {
                lookup(vars, trimmed[2..trimmed.len() - 2].trim())?
            } else {
                Value::String(render_str(text, vars)?)
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| render_value(i, vars)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_value(v, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Evaluates `a + b - c` over exact decimals (operands already rendered).
pub fn eval_decimal(expression: &str) -> Result<Decimal, String> {
    let mut total = Decimal::ZERO;
    let mut sign = Decimal::ONE;
    let mut expect_operand = true;
    for token in expression.split_whitespace() {
        match (token, expect_operand) {
            ("+", false) => {
                sign = Decimal::ONE;
                expect_operand = true;
            }
            ("-", false) => {
                sign = Decimal::NEGATIVE_ONE;
                expect_operand = true;
            }
            (operand, true) => {
                let value = Decimal::from_str_exact(operand.trim_matches('"'))
                    .or_else(|_| Decimal::from_str(operand.trim_matches('"')))
                    .map_err(|_| format!("{operand:?} is not a decimal"))?;
                total += sign * value;
                expect_operand = false;
            }
            (other, false) => return Err(format!("expected + or -, found {other:?}")),
        }
    }
    if expect_operand {
        return Err(format!("incomplete expression {expression:?}"));
    }
    Ok(total)
}

/// A JSON value read as an exact decimal (a number's own digits, or a numeric string).
pub fn value_decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => Decimal::from_str_exact(&n.to_string()).ok(),
        Value::String(text) => Decimal::from_str_exact(text).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_render_in_text_and_keep_their_type_alone() {
        let mut vars = Vars::new();
        flatten_into(&mut vars, "accounts.main", &serde_json::json!({"id": "abc", "n": 5}));
        assert_eq!(render_str("/v1/{{accounts.main.id}}/x", &vars).unwrap(), "/v1/abc/x");
        let rendered = render_value(
            &serde_json::json!({"a": "{{accounts.main.n}}", "b": "n={{accounts.main.n}}"}),
            &vars,
        );
        assert_eq!(rendered.unwrap(), serde_json::json!({"a": 5, "b": "n=5"}));
        assert!(render_str("{{nope}}", &vars).is_err());
        vars.insert("u".into(), "user".into());
        vars.insert("p".into(), "pass".into());
        assert_eq!(render_str("{{basic u p}}", &vars).unwrap(), "Basic dXNlcjpwYXNz");
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(eval_decimal("100.10 + 0.20 - 0.30").unwrap().to_string(), "100.00");
        assert!(eval_decimal("1 +").is_err());
        assert!(eval_decimal("1 * 2").is_err());
    }
}
