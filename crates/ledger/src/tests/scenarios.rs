//! Ledger features as scripts: one operation per line, the outcome and balances rendered as
//! text and compared with an inline snapshot (`UPDATE_EXPECT=1 cargo test` rewrites them).
//!
//! Script language (names are single words; amounts are exact decimals):
//! - `open A USD [min=-50] [max=1000] [per=100] [dd=200] [ddn=2] [dc=300] [dcn=3]` opens an account
//! - `credit A 10` / `debit A 10` / `move A B 10` posted transfers (external → A, A → external)
//! - `hold A 10 [expires=1h]` a pending debit (`hold A B 10` between accounts); `post #3 [5]`, `void #3`
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
    AccountId, Applied, Config, Currency, IdempotencyKey, Ledger, Limits, Mode, Namespace,
    NewAccount, Order, Party, Status, TenantId, Timestamp, Transfer, TransferId,
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
            ledger: Ledger::new(Config {
                n_shards: 4,
                idempotency_keys_max: 1000,
                ..Config::default()
            }),
            now: START,
            tenant: TenantId(Uuid::from_u128(1)),
            names: HashMap::new(),
            out: String::new(),
        }
    }

    fn id(&mut self, name: &str) -> AccountId {
        let n = self.names.len() as u128;
        *self
            .names
            .entry(name.to_string())
            .or_insert_with(|| AccountId(Uuid::from_u128(0xA000 + n)))
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
                self.run_transfer(&plain, &options)
            }
            "post" | "void" => self.run_settle(&plain),
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
                if let Err(e) =
                    self.ledger.set_limits(self.now, self.tenant, id, Harness::limits(&options))
                {
                    self.out.push_str(&format!("  error: {e}\n"));
                }
            }
            "tenant" => self.tenant = TenantId(Uuid::from_u128(plain[1].parse().unwrap())),
            "show" => self.show(plain[1]),
            "entries" => {
                let id = self.id(plain[1]);
                let page =
                    self.ledger.entries(self.tenant, id, None, 100, Order::OldestFirst).unwrap();
                for e in page.entries {
                    self.out.push_str(&format!(
                        "  #{} {:?} {:?} {} -> posted {} available {}\n",
                        e.transfer_id.0,
                        e.kind,
                        e.direction,
                        e.amount,
                        e.posted_after,
                        e.available_after
                    ));
                }
            }
            other => panic!("unknown command {other}"),
        }
    }
    /// `credit`, `debit`, `move`, `hold` or `deferred`: one transfer, then the accounts it named.
    fn run_transfer(&mut self, plain: &[&str], options: &[&str]) {
        let option = |name: &str| options.iter().find_map(|o| o.strip_prefix(&format!("{name}=")));
        let currency = |h: &Harness, name: &str| {
            h.ledger
                .account(h.now, h.tenant, h.names[name])
                .map_or(Currency::from_code("USD").unwrap(), |v| v.currency)
        };
        let (debit, credit, amount_text) = match plain[0] {
            "debit" => (Party::Account(self.id(plain[1])), Party::External, plain[2]),
            "hold" if plain.len() == 3 => {
                (Party::Account(self.id(plain[1])), Party::External, plain[2])
            }
            "move" | "hold" => {
                (Party::Account(self.id(plain[1])), Party::Account(self.id(plain[2])), plain[3])
            }
            _ => (Party::External, Party::Account(self.id(plain[1])), plain[2]),
        };
        let mode = match plain[0] {
            "hold" => Mode::Pending {
                expires_at: option("expires").map(|d| self.now.saturating_add(duration(d))),
            },
            "deferred" => Mode::Deferred {
                available_at: self.now.saturating_add(duration(option("until").unwrap())),
            },
            _ => Mode::Posted,
        };
        let currency = option("cur")
            .map_or_else(|| currency(self, plain[1]), |c| Currency::from_code(c).unwrap());
        let mut transfer =
            Transfer::between(self.tenant, debit, credit, dec(amount_text), currency)
                .with_mode(mode);
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

    /// `post` or `void` of a hold, then the accounts it touched.
    fn run_settle(&mut self, plain: &[&str]) {
        let id = TransferId(plain[1].trim_start_matches('#').parse().unwrap());
        let outcome = if plain[0] == "post" {
            self.ledger.post_pending(self.now, self.tenant, id, plain.get(2).map(|a| dec(a)))
        } else {
            self.ledger.void_pending(self.now, self.tenant, id)
        };
        match outcome {
            Ok(r) => {
                self.out.push_str(&format!("  ok #{} ({})\n", r.id.0, r.amount));
                let touched: Vec<AccountId> =
                    r.debit.iter().chain(r.credit.iter()).map(|c| c.account).collect();
                for account in touched {
                    let name = self.name_of(account).to_string();
                    self.show(&name);
                }
            }
            Err(e) => self.out.push_str(&format!("  error: {e}\n")),
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

#[test]
fn a_debit_may_reach_the_overdraft_floor_exactly_but_not_one_minor_unit_past_it() {
    check(
        "open A USD min=-50
         credit A 100
         debit A 150
         debit A 0.01
         open J JPY
         credit J 5
         debit J 5
         debit J 1",
        expect![[r#"
            open A USD min=-50
            credit A 100
              ok #2
              A: posted 100 available 100
            debit A 150
              ok #3
              A: posted -50 available -50
            debit A 0.01
              error: insufficient funds
              A: posted -50 available -50
            open J JPY
            credit J 5
              ok #5
              J: posted 5 available 5
            debit J 5
              ok #6
              J: posted 0 available 0
            debit J 1
              error: insufficient funds
              J: posted 0 available 0
        "#]],
    );
}

#[test]
fn a_credit_may_reach_the_maximum_balance_exactly_but_not_past_it() {
    check(
        "open A USD max=1000
         credit A 999.99
         credit A 0.01
         credit A 0.01
         open K KWD max=1
         credit K 0.999
         credit K 0.002",
        expect![[r#"
            open A USD max=1000
            credit A 999.99
              ok #2
              A: posted 999.99 available 999.99
            credit A 0.01
              ok #3
              A: posted 1000.00 available 1000.00
            credit A 0.01
              error: balance would exceed the account's maximum balance
              A: posted 1000.00 available 1000.00
            open K KWD max=1
            credit K 0.999
              ok #5
              K: posted 0.999 available 0.999
            credit K 0.002
              error: balance would exceed the account's maximum balance
              K: posted 0.999 available 0.999
        "#]],
    );
}

#[test]
fn the_per_transfer_maximum_applies_to_both_directions() {
    check(
        "open A USD per=100
         credit A 100
         credit A 100.01
         debit A 100
         debit A 100.01",
        expect![[r#"
            open A USD per=100
            credit A 100
              ok #2
              A: posted 100 available 100
            credit A 100.01
              error: amount exceeds the account's per-transfer maximum
              A: posted 100 available 100
            debit A 100
              ok #3
              A: posted 0 available 0
            debit A 100.01
              error: amount exceeds the account's per-transfer maximum
              A: posted 0 available 0
        "#]],
    );
}

#[test]
fn daily_debit_limits_reset_at_the_utc_day_boundary() {
    check(
        "open A USD dd=200 ddn=3
         credit A 1000
         debit A 150
         debit A 50
         debit A 0.01
         advance 23h
         advance 59m
         advance 59s
         advance 999999us
         debit A 0.01
         advance 1us
         debit A 200
         debit A 0.01",
        expect![[r#"
            open A USD dd=200 ddn=3
            credit A 1000
              ok #2
              A: posted 1000 available 1000
            debit A 150
              ok #3
              A: posted 850 available 850
            debit A 50
              ok #4
              A: posted 800 available 800
            debit A 0.01
              error: daily limit exceeded: daily debit amount
              A: posted 800 available 800
            advance 23h
            advance 59m
            advance 59s
            advance 999999us
            debit A 0.01
              error: daily limit exceeded: daily debit amount
              A: posted 800 available 800
            advance 1us
            debit A 200
              ok #5
              A: posted 600 available 600
            debit A 0.01
              error: daily limit exceeded: daily debit amount
              A: posted 600 available 600
        "#]],
    );
}

#[test]
fn daily_debit_count_limit_counts_holds_too() {
    check(
        "open A USD ddn=2
         credit A 100
         hold A 1
         debit A 1
         debit A 1
         advance 1d
         debit A 1",
        expect![[r#"
            open A USD ddn=2
            credit A 100
              ok #2
              A: posted 100 available 100
            hold A 1
              ok #3
              A: posted 100 available 99 held 1
            debit A 1
              ok #4
              A: posted 99 available 98 held 1
            debit A 1
              error: daily limit exceeded: daily debit count
              A: posted 99 available 98 held 1
            advance 1d
            debit A 1
              ok #5
              A: posted 98 available 97 held 1
        "#]],
    );
}

#[test]
fn daily_credit_limits_cap_amount_and_count() {
    check(
        "open A USD dc=300 dcn=2
         credit A 300
         credit A 0.01
         advance 1d
         credit A 1
         credit A 1
         credit A 1",
        expect![[r#"
            open A USD dc=300 dcn=2
            credit A 300
              ok #2
              A: posted 300 available 300
            credit A 0.01
              error: daily limit exceeded: daily credit amount
              A: posted 300 available 300
            advance 1d
            credit A 1
              ok #3
              A: posted 301 available 301
            credit A 1
              ok #4
              A: posted 302 available 302
            credit A 1
              error: daily limit exceeded: daily credit count
              A: posted 302 available 302
        "#]],
    );
}

#[test]
fn amounts_must_be_positive_within_scale_and_within_range() {
    check(
        "open A USD
         open J JPY
         credit A 0
         credit A -5
         credit A 1.001
         credit A 1.100
         credit J 1.5
         credit A 1000000000000000
         credit A 1000000000000000.01",
        expect![[r#"
            open A USD
            open J JPY
            credit A 0
              error: amount must be positive
              A: posted 0 available 0
            credit A -5
              error: amount must be positive
              A: posted 0 available 0
            credit A 1.001
              error: amount has more decimal places than the currency allows
              A: posted 0 available 0
            credit A 1.100
              ok #3
              A: posted 1.100 available 1.100
            credit J 1.5
              error: amount has more decimal places than the currency allows
              J: posted 0 available 0
            credit A 1000000000000000
              ok #4
              A: posted 1000000000000001.100 available 1000000000000001.100
            credit A 1000000000000000.01
              error: amount exceeds the largest amount the ledger accepts
              A: posted 1000000000000001.100 available 1000000000000001.100
        "#]],
    );
}

#[test]
fn accounts_of_another_tenant_are_not_found() {
    check(
        "open A USD
         credit A 10
         tenant 2
         show A
         debit A 1
         tenant 1
         show A",
        expect![[r#"
            open A USD
            credit A 10
              ok #2
              A: posted 10 available 10
            tenant 2
            show A
              A: not found
            debit A 1
              error: account not found
              A: not found
            tenant 1
            show A
              A: posted 10 available 10
        "#]],
    );
}

#[test]
fn currency_must_match_both_accounts() {
    check(
        "open A USD
         open E EUR
         credit A 10 cur=EUR
         credit E 10
         move E A 1",
        expect![[r#"
            open A USD
            open E EUR
            credit A 10 cur=EUR
              error: currency does not match the account's currency
              A: posted 0 available 0
            credit E 10
              ok #3
              E: posted 10 available 10
            move E A 1
              error: currency does not match the account's currency
              E: posted 10 available 10
              A: posted 0 available 0
        "#]],
    );
}

#[test]
fn only_active_accounts_move_money_and_closed_is_final() {
    check(
        "open A USD
         credit A 10
         status A frozen
         debit A 1
         credit A 1
         status A active
         debit A 1
         status A closed
         credit A 1
         status A active
         limits A max=5",
        expect![[r#"
            open A USD
            credit A 10
              ok #2
              A: posted 10 available 10
            status A frozen
            debit A 1
              error: account is frozen
              A: posted 10 available 10 [frozen]
            credit A 1
              error: account is frozen
              A: posted 10 available 10 [frozen]
            status A active
            debit A 1
              ok #5
              A: posted 9 available 9
            status A closed
            credit A 1
              error: account is closed
              A: posted 9 available 9 [closed]
            status A active
              error: account is closed
            limits A max=5
              error: account is closed
        "#]],
    );
}

#[test]
fn when_several_rules_break_the_first_in_precedence_order_wins() {
    check(
        "open A USD per=5 dd=1 max=1
         open E EUR
         credit A 1
         status A frozen
         debit A 1.001
         debit A 10 cur=EUR
         debit A 10
         status A active
         debit A 10
         debit A 2
         limits A per=5 max=1
         debit A 2
         move A A 1
         move A Z 1",
        expect![[r#"
            open A USD per=5 dd=1 max=1
            open E EUR
            credit A 1
              ok #3
              A: posted 1 available 1
            status A frozen
            debit A 1.001
              error: amount has more decimal places than the currency allows
              A: posted 1 available 1 [frozen]
            debit A 10 cur=EUR
              error: currency does not match the account's currency
              A: posted 1 available 1 [frozen]
            debit A 10
              error: account is frozen
              A: posted 1 available 1 [frozen]
            status A active
            debit A 10
              error: amount exceeds the account's per-transfer maximum
              A: posted 1 available 1
            debit A 2
              error: daily limit exceeded: daily debit amount
              A: posted 1 available 1
            limits A per=5 max=1
            debit A 2
              error: insufficient funds
              A: posted 1 available 1
            move A A 1
              error: debit and credit accounts must differ
              A: posted 1 available 1
            move A Z 1
              error: account not found
              A: posted 1 available 1
              Z: not found
        "#]],
    );
}

#[test]
fn holds_reserve_funds_until_posted_in_part_or_voided() {
    check(
        "open A USD
         credit A 100
         hold A 30
         debit A 70.01
         post #3 20
         show A
         post #3
         void #3
         hold A 50
         post #5 50.01
         post #5 0
         void #5
         post #5
         post #99",
        expect![[r#"
            open A USD
            credit A 100
              ok #2
              A: posted 100 available 100
            hold A 30
              ok #3
              A: posted 100 available 70 held 30
            debit A 70.01
              error: insufficient funds
              A: posted 100 available 70 held 30
            post #3 20
              ok #4 (20)
              A: posted 80 available 80
            show A
              A: posted 80 available 80
            post #3
              error: pending transfer already posted
            void #3
              error: pending transfer already posted
            hold A 50
              ok #5
              A: posted 80 available 30 held 50
            post #5 50.01
              error: amount exceeds the pending amount
            post #5 0
              error: amount must be positive
            void #5
              ok #6 (50)
              A: posted 80 available 80
            post #5
              error: pending transfer already voided
            post #99
              error: pending transfer not found
        "#]],
    );
}

#[test]
fn holds_between_accounts_show_as_incoming_on_the_credit_side() {
    check(
        "open A USD
         open B USD max=100
         credit A 100
         credit B 60
         move A B 30 key=x
         hold A B 10
         credit B 0.01
         post #6 5
         credit B 5
         entries B",
        expect![[r#"
            open A USD
            open B USD max=100
            credit A 100
              ok #3
              A: posted 100 available 100
            credit B 60
              ok #4
              B: posted 60 available 60
            move A B 30 key=x
              ok #5
              A: posted 70 available 70
              B: posted 90 available 90
            hold A B 10
              ok #6
              A: posted 70 available 60 held 10
              B: posted 90 available 90 incoming 10
            credit B 0.01
              error: balance would exceed the account's maximum balance
              B: posted 90 available 90 incoming 10
            post #6 5
              ok #7 (5)
              A: posted 65 available 65
              B: posted 95 available 95
            credit B 5
              ok #8
              B: posted 100 available 100
            entries B
              #4 Posted Credit 60 -> posted 60 available 60
              #5 Posted Credit 30 -> posted 90 available 90
              #6 Pending Credit 10 -> posted 90 available 90
              #7 PendingPosted Credit 5 -> posted 95 available 95
              #8 Posted Credit 5 -> posted 100 available 100
        "#]],
    );
}

#[test]
fn an_expired_hold_releases_its_funds_and_can_no_longer_be_posted() {
    check(
        "open A USD
         credit A 100
         hold A 80 expires=1h
         debit A 21
         advance 59m
         show A
         advance 1m
         show A
         post #3
         debit A 100",
        expect![[r#"
            open A USD
            credit A 100
              ok #2
              A: posted 100 available 100
            hold A 80 expires=1h
              ok #3
              A: posted 100 available 20 held 80
            debit A 21
              error: insufficient funds
              A: posted 100 available 20 held 80
            advance 59m
            show A
              A: posted 100 available 20 held 80
            advance 1m
            show A
              A: posted 100 available 100
            post #3
              error: pending transfer expired
            debit A 100
              ok #4
              A: posted 0 available 0
        "#]],
    );
}

#[test]
fn deferred_credits_count_in_posted_but_become_available_at_their_instant() {
    check(
        "open A USD
         deferred A 100 until=1d
         debit A 0.01
         advance 23h
         show A
         advance 1h
         show A
         debit A 100",
        expect![[r#"
            open A USD
            deferred A 100 until=1d
              ok #2
              A: posted 100 available 0 deferred 100
            debit A 0.01
              error: insufficient funds
              A: posted 100 available 0 deferred 100
            advance 23h
            show A
              A: posted 100 available 0 deferred 100
            advance 1h
            show A
              A: posted 100 available 100
            debit A 100
              ok #3
              A: posted 0 available 0
        "#]],
    );
}

#[test]
fn a_replay_with_the_same_key_returns_the_original_outcome_and_moves_nothing() {
    check(
        "open A USD
         credit A 100 key=k1
         credit A 100 key=k1
         credit A 101 key=k1
         debit A 500 key=k2
         credit A 400
         debit A 500 key=k2
         debit A 500 key=k3 ns=lenient
         debit A 500 key=k3 ns=lenient
         show A",
        expect![[r#"
            open A USD
            credit A 100 key=k1
              ok #2
              A: posted 100 available 100
            credit A 100 key=k1
              replayed #2
              A: posted 100 available 100
            credit A 101 key=k1
              error: idempotency key reused with a different request
              A: posted 100 available 100
            debit A 500 key=k2
              error: insufficient funds
              A: posted 100 available 100
            credit A 400
              ok #4
              A: posted 500 available 500
            debit A 500 key=k2
              error: insufficient funds
              A: posted 500 available 500
            debit A 500 key=k3 ns=lenient
              ok #5
              A: posted 0 available 0
            debit A 500 key=k3 ns=lenient
              replayed #5
              A: posted 0 available 0
            show A
              A: posted 0 available 0
        "#]],
    );
}

#[test]
fn keys_are_scoped_by_tenant_and_namespace() {
    check(
        "open A USD
         credit A 1 key=k
         credit A 2 key=k ns=lenient
         tenant 2
         open B USD
         credit B 3 key=k",
        expect![[r#"
            open A USD
            credit A 1 key=k
              ok #2
              A: posted 1 available 1
            credit A 2 key=k ns=lenient
              ok #3
              A: posted 3 available 3
            tenant 2
            open B USD
            credit B 3 key=k
              ok #5
              B: posted 3 available 3
        "#]],
    );
}

#[test]
fn keys_expire_after_their_retention_window() {
    check(
        "open A USD
         credit A 5 key=k
         advance 23h
         credit A 5 key=k
         advance 1h
         credit A 5 key=k
         credit A 6 key=k",
        expect![[r#"
            open A USD
            credit A 5 key=k
              ok #2
              A: posted 5 available 5
            advance 23h
            credit A 5 key=k
              replayed #2
              A: posted 5 available 5
            advance 1h
            credit A 5 key=k
              ok #3
              A: posted 10 available 10
            credit A 6 key=k
              error: idempotency key reused with a different request
              A: posted 10 available 10
        "#]],
    );
}
