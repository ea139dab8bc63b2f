//! Ledger features as scripts: one operation per line, the outcome and balances rendered as
//! text and compared with an inline snapshot (`UPDATE_EXPECT=1 cargo test` rewrites them).
//!
//! Script language (names are single words; amounts are exact decimals):
//! - `open A USD [min=-50] [max=1000] [per=100] [dd=200] [ddn=2] [dc=300] [dcn=3]` opens an account
//! - `credit A 10` / `debit A 10` / `move A B 10` posted transfers (external → A, A → external)
//! - `hold A 10 [expires=1h]` a pending debit; `post #3 [5]`, `void #3`
//! - `deferred A 10 until=1d` a credit available only after the offset
//! - suffix `key=K [ns=strict|lenient]` adds an idempotency key
//! - `advance 1d|2h|3m|4s|5us`, `status A frozen`, `limits A …`, `tenant 2`, `show A`, `entries A`

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use expect_test::{Expect, expect};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    AccountId, Applied, Config, Currency, IdempotencyKey, Ledger, Limits, Mode, Namespace, NewAccount, Order,
    Party, Status, TenantId, Timestamp, Transfer, TransferId,
};

/// 2026-01-01T00:00:00Z.
const START: Timestamp = Timestamp::from_unix_micros(1_767_225_600_000_000);

struct Harness {
    ledger: Ledger,
    now: Timestamp,
    tenant: TenantId,
    names: HashMap<String, AccountId>,
    out: String,
}

fn duration(text: &str) -> Duration {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().unwrap();
    match unit {
        "d" => Duration::from_secs(n * 86_400),
        "h" => Duration::from_secs(n * 3_600),
        "m" => Duration::from_secs(n * 60),
        "s" => Duration::from_secs(n),
        "us" => Duration::from_micros(n),
        _ => panic!("unknown unit {unit}"),
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

impl Harness {
    fn new() -> Harness {
        Harness {
            ledger: Ledger::new(Config { n_shards: 4, idempotency_keys_max: 1000 }),
            now: START,
            tenant: TenantId(Uuid::from_u128(1)),
            names: HashMap::new(),
            out: String::new(),
        }
    }

    fn id(&mut self, name: &str) -> AccountId {
        let n = self.names.len() as u128;
        *self.names.entry(name.to_string()).or_insert_with(|| AccountId(Uuid::from_u128(0xA000 + n)))
    }

    fn name_of(&self, id: AccountId) -> &str {
        self.names.iter().find(|(_, v)| **v == id).map_or("?", |(k, _)| k.as_str())
    }

    fn show(&mut self, name: &str) {
        let id = self.id(name);
        let Some(view) = self.ledger.account(self.now, self.tenant, id) else {
            self.out.push_str(&format!("  {name}: not found\n"));
            return;
        };
        let b = view.balances;
        let mut line = format!("  {name}: posted {} available {}", b.posted, b.available);
        for (label, value) in
            [("held", b.pending_debits), ("incoming", b.pending_credits), ("deferred", b.deferred)]
        {
            if !value.is_zero() {
                line.push_str(&format!(" {label} {value}"));
            }
        }
        if view.status != Status::Active {
            line.push_str(&format!(" [{}]", view.status));
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    fn limits(args: &[&str]) -> Limits {
        let mut limits = Limits::default();
        for arg in args {
            let (k, v) = arg.split_once('=').unwrap();
            match k {
                "min" => limits.balance_min = dec(v),
                "max" => limits.balance_max = Some(dec(v)),
                "per" => limits.transfer_amount_max = Some(dec(v)),
                "dd" => limits.daily_debit_amount_max = Some(dec(v)),
                "ddn" => limits.daily_debit_count_max = Some(v.parse().unwrap()),
                "dc" => limits.daily_credit_amount_max = Some(dec(v)),
                "dcn" => limits.daily_credit_count_max = Some(v.parse().unwrap()),
                _ => panic!("unknown limit {k}"),
            }
        }
        limits
    }

    fn run_line(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (plain, options): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| !w.contains('='));
        let option = |name: &str| options.iter().find_map(|o| o.strip_prefix(&format!("{name}=")));
        let currency = |h: &Harness, name: &str| {
            h.ledger.account(h.now, h.tenant, h.names[name]).map_or(Currency::from_code("USD").unwrap(), |v| v.currency)
        };
        match plain[0] {
            "open" => {
                let id = self.id(plain[1]);
                let new = NewAccount {
                    id,
                    tenant: self.tenant,
                    currency: Currency::from_code(plain[2]).unwrap(),
                    limits: Harness::limits(&options),
                    labels: Default::default(),
                };
                match self.ledger.open_account(self.now, new) {
                    Ok(_) => {}
                    Err(e) => self.out.push_str(&format!("  error: {e}\n")),
                }
            }
            "credit" | "debit" | "move" | "hold" | "deferred" => {
                let (debit, credit, amount_text) = match plain[0] {
                    "debit" | "hold" => (Party::Account(self.id(plain[1])), Party::External, plain[2]),
                    "move" => (Party::Account(self.id(plain[1])), Party::Account(self.id(plain[2])), plain[3]),
                    _ => (Party::External, Party::Account(self.id(plain[1])), plain[2]),
                };
                let mode = match plain[0] {
                    "hold" => Mode::Pending { expires_at: option("expires").map(|d| self.now.saturating_add(duration(d))) },
                    "deferred" => Mode::Deferred { available_at: self.now.saturating_add(duration(option("until").unwrap())) },
                    _ => Mode::Posted,
                };
                let currency = option("cur").map_or_else(|| currency(self, plain[1]), |c| Currency::from_code(c).unwrap());
                let mut transfer =
                    Transfer::between(self.tenant, debit, credit, dec(amount_text), currency).with_mode(mode);
                if let Some(key) = option("key") {
                    let strict = option("ns") != Some("lenient");
                    let namespace = Namespace {
                        name: if strict { "strict".into() } else { "lenient".into() },
                        remember_rejections: strict,
                        retention: Duration::from_secs(86_400),
                    };
                    transfer = transfer.with_key(IdempotencyKey::new(Arc::new(namespace), key));
                }
                let outcome = self.ledger.transfer(self.now, transfer);
                match outcome {
                    Ok(Applied::New(r)) => self.out.push_str(&format!("  ok #{}\n", r.id.0)),
                    Ok(Applied::Replayed(r)) => self.out.push_str(&format!("  replayed #{}\n", r.id.0)),
                    Err(e) => self.out.push_str(&format!("  error: {e}\n")),
                }
                let mut shown: Vec<&str> = plain[1..plain.len() - 1].to_vec();
                shown.dedup();
                for name in shown {
                    self.show(name);
                }
            }
            "post" | "void" => {
                let id = TransferId(plain[1].trim_start_matches('#').parse().unwrap());
                let outcome = if plain[0] == "post" {
                    self.ledger.post_pending(self.now, self.tenant, id, plain.get(2).map(|a| dec(a)))
                } else {
                    self.ledger.void_pending(self.now, self.tenant, id)
                };
                match outcome {
                    Ok(r) => {
                        self.out.push_str(&format!("  ok #{} ({})\n", r.id.0, r.amount));
                        let touched: Vec<AccountId> = r.debit.iter().chain(r.credit.iter()).map(|c| c.account).collect();
                        for account in touched {
                            let name = self.name_of(account).to_string();
                            self.show(&name);
                        }
                    }
                    Err(e) => self.out.push_str(&format!("  error: {e}\n")),
                }
            }
            "advance" => self.now = self.now.saturating_add(duration(plain[1])),
            "status" => {
                let status = match plain[2] {
                    "active" => Status::Active,
                    "frozen" => Status::Frozen,
                    "closed" => Status::Closed,
                    other => panic!("unknown status {other}"),
                };
                let id = self.id(plain[1]);
                if let Err(e) = self.ledger.set_status(self.now, self.tenant, id, status) {
                    self.out.push_str(&format!("  error: {e}\n"));
                }
            }
            "limits" => {
                let id = self.id(plain[1]);
                if let Err(e) = self.ledger.set_limits(self.now, self.tenant, id, Harness::limits(&options)) {
                    self.out.push_str(&format!("  error: {e}\n"));
                }
            }
            "tenant" => self.tenant = TenantId(Uuid::from_u128(plain[1].parse().unwrap())),
            "show" => self.show(plain[1]),
            "entries" => {
                let id = self.id(plain[1]);
                let page = self.ledger.entries(self.tenant, id, None, 100, Order::OldestFirst).unwrap();
                for e in page.entries {
                    self.out.push_str(&format!(
                        "  #{} {:?} {:?} {} -> posted {} available {}\n",
                        e.transfer_id.0, e.kind, e.direction, e.amount, e.posted_after, e.available_after
                    ));
                }
            }
            other => panic!("unknown command {other}"),
        }
    }
}

/// Runs `script`, checks the invariants after every line, and compares the transcript.
fn check(script: &str, expect: Expect) {
    let mut harness = Harness::new();
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        harness.out.push_str(line);
        harness.out.push('\n');
        harness.run_line(line);
        harness.ledger.verify(harness.now).unwrap();
    }
    expect.assert_eq(&harness.out);
}

#[test]
fn credits_and_debits_move_posted_and_available_together() {
    check(
        "open A USD
         credit A 100.00
         debit A 30.25
         move A B 1",
        expect![[r#"
            open A USD
            credit A 100.00
              ok #2
              A: posted 100.00 available 100.00
            debit A 30.25
              ok #3
              A: posted 69.75 available 69.75
            move A B 1
              error: account not found
              A: posted 69.75 available 69.75
              B: not found
        "#]],
    );
}
